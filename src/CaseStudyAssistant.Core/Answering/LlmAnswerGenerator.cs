using System.Diagnostics;
using System.Text;
using CaseStudyAssistant.Chunking;
using CaseStudyAssistant.Retrieval;
using Microsoft.Extensions.AI;

namespace CaseStudyAssistant.Answering;

/// <summary>
/// Answers through a chat model: the best studies become numbered, delimited sources within the token budget, the
/// model writes a cited answer (streamed when asked), and every sentence is accounted for by
/// <see cref="CitationValidator"/> — sentence by sentence as it streams, so the streamed text is the final text.
/// A transient model failure, or an answer that keeps nothing citable, falls back to the extractive answer with a
/// notice; a NOT_COVERED reply is reported as such, and the assistant refuses.
/// </summary>
public sealed class LlmAnswerGenerator(
    IChatClient chat, PromptLibrary prompts, ITokenCounter tokens, AnsweringOptions options, ExtractiveAnswerer fallback) : IAnswerGenerator
{
    public const string SystemPrompt = "answer.system", UserPrompt = "answer.user";
    public const string NotCovered = "NOT_COVERED";
    private const int MaxSources = 6;

    public string Mode => AnswerModes.Llm;

    public string ModelName => chat.GetService<ChatClientMetadata>()?.DefaultModelId ?? "unknown";

    public async Task<AnswerDraft> GenerateAsync(RetrievalResult retrieval, DraftStream? stream = null, CancellationToken ct = default, bool keepUnsupported = false)
    {
        var activity = Telemetry.Source.StartActivity("csa.prompt.assemble");
        var system = await prompts.RenderAsync(SystemPrompt, new Dictionary<string, string> { ["max_sentences"] = options.MaxSentences.ToString() }, ct);
        var budget = options.ContextTokens - options.AnswerTokens - tokens.CountTokens(system) - tokens.CountTokens(retrieval.Question) - 100;
        var sources = BuildSources(retrieval, budget);
        var user = await prompts.RenderAsync(UserPrompt, new Dictionary<string, string>
        {
            ["sources"] = CitationValidator.FormatSources(sources),
            ["question"] = retrieval.Question,
        }, ct);
        activity?.SetTag("csa.sources", sources.Count);
        activity?.Dispose();
        stream?.Sources(sources.Select(s => s.Citation).ToList());

        var messages = new List<ChatMessage> { new(ChatRole.System, system), new(ChatRole.User, user) };
        var chatOptions = new ChatOptions { Temperature = 0.1f, MaxOutputTokens = options.AnswerTokens };
        var validator = new CitationValidator(sources, options.SupportOverlap, keepUnsupported);
        string text;
        LlmUsage? usage = null;
        using (var generate = Telemetry.Source.StartActivity("csa.llm.generate"))
        {
            generate?.SetTag("gen_ai.request.model", ModelName);
            try
            {
                (text, usage) = stream is { IsLive: true }
                    ? await StreamAsync(messages, chatOptions, validator, stream, ct)
                    : await CompleteAsync(messages, chatOptions, ct);
            }
            catch (LlmException e) when (e.Transient)
            {
                generate?.SetStatus(ActivityStatusCode.Error, e.Message);
                return await FallbackAsync(retrieval, a => a with { Notice = $"The language model failed ({e.Message}); this is the extractive answer instead." }, ct);
            }
        }

        var promptInfo = new[] { prompts.Info(SystemPrompt), prompts.Info(UserPrompt) };
        var written = new Answer
        {
            Question = retrieval.Question, Text = "", Refused = false, Mode = Mode, Model = ModelName, Evidence = retrieval.Evidence.Best,
            Prompts = promptInfo, Usage = usage,
        };
        if (IsNotCovered(text)) return new AnswerDraft(written, retrieval) { SaysNotCovered = true };

        if (stream is not { IsLive: true }) validator.Feed(text);
        stream?.Text(validator.Finish(), validator.Result);
        var check = validator.Result;
        if (!RefusalPolicy.KeepsSomething(check.Cited.Count, check.Checked, keepUnsupported))
            return await FallbackAsync(retrieval, a => a with
            {
                Model = ModelName, Prompts = promptInfo, Usage = usage, RemovedCitations = check.Removed, UnsupportedSentences = check.Unsupported, CheckedSentences = check.Checked,
                Notice = "No sentence of the model's answer was supported by the sources it cited; this is the extractive answer instead.",
            }, ct);
        return new AnswerDraft(written with
        {
            Text = check.Text,
            Citations = check.Cited,
            RemovedCitations = check.Removed,
            UnsupportedSentences = check.Unsupported,
            CheckedSentences = check.Checked,
            Notice = AccountingNotice(check, keepUnsupported),
        }, retrieval);
    }

    /// <summary>The extractive answer in place of the model's, with what the caller adds (a notice, the model's accounting).</summary>
    private async Task<AnswerDraft> FallbackAsync(RetrievalResult retrieval, Func<Answer, Answer> amend, CancellationToken ct)
    {
        var offline = await fallback.GenerateAsync(retrieval, ct: ct);
        return offline with { Answer = amend(offline.Answer) };
    }

    /// <summary>What the user should know about sentences that failed the check.</summary>
    public static string? AccountingNotice(CitationCheck check, bool keptUnsupported) => check.Unsupported.Count switch
    {
        0 => null,
        var n when keptUnsupported => $"{n} sentence{(n == 1 ? "" : "s")} without a supporting citation {(n == 1 ? "is" : "are")} marked {CitationValidator.Marker}.",
        var n => $"{n} sentence{(n == 1 ? "" : "s")} without a supporting citation {(n == 1 ? "was" : "were")} left out (--keep-unsupported shows them, marked).",
    };

    internal static bool IsNotCovered(string text) => text.Trim().StartsWith(NotCovered, StringComparison.Ordinal);

    private async Task<(string, LlmUsage?)> CompleteAsync(List<ChatMessage> messages, ChatOptions chatOptions, CancellationToken ct)
    {
        var response = await chat.GetResponseAsync(messages, chatOptions, ct);
        return (response.Text, Usage(response.Usage));
    }

    /// <summary>
    /// Reports checked sentences as they complete, holding back the first characters until it is clear they are not
    /// the NOT_COVERED marker.
    /// </summary>
    private async Task<(string, LlmUsage?)> StreamAsync(List<ChatMessage> messages, ChatOptions chatOptions, CitationValidator validator, DraftStream stream, CancellationToken ct)
    {
        var all = new StringBuilder();
        var fed = 0;
        UsageDetails? usage = null;
        await foreach (var update in chat.GetStreamingResponseAsync(messages, chatOptions, ct))
        {
            foreach (var content in update.Contents.OfType<UsageContent>()) usage = content.Details;
            all.Append(update.Text);
            var held = all.ToString().TrimStart();
            if (held.Length < NotCovered.Length && NotCovered.StartsWith(held, StringComparison.Ordinal)) continue;
            if (held.StartsWith(NotCovered, StringComparison.Ordinal)) continue;
            if (all.Length > fed)
            {
                var shown = validator.Feed(all.ToString(fed, all.Length - fed));
                fed = all.Length;
                stream.Text(shown, validator.Result);
            }
        }
        if (all.Length > fed && !IsNotCovered(all.ToString())) validator.Feed(all.ToString(fed, all.Length - fed));
        return (all.ToString(), Usage(usage));
    }

    private static LlmUsage? Usage(UsageDetails? u) => u is null ? null : new LlmUsage(u.InputTokenCount, u.OutputTokenCount);

    /// <summary>One source per study, best first, each with its retrieved passages, while they fit the token budget.</summary>
    private List<ContextSource> BuildSources(RetrievalResult retrieval, int budget)
    {
        var sources = new List<ContextSource>();
        var used = 0;
        foreach (var group in retrieval.Chunks.GroupBy(c => c.Study.Id).Take(MaxSources))
        {
            var study = group.First().Study;
            var text = string.Join("\n\n", group.OrderBy(c => c.Chunk.Ordinal).Select(c => $"{c.Chunk.Heading}:\n{c.Chunk.Text}"));
            var cost = tokens.CountTokens(text) + 40;
            if (used + cost > budget)
            {
                if (sources.Count > 0) break;
                text = Truncate(text, Math.Max(100, budget - 40));
                cost = budget;
            }
            var first = group.First().Chunk;
            sources.Add(new ContextSource(new Citation(sources.Count + 1, study.Id, study.Title, study.Company, study.Year, study.SourceUrl, first.Id, first.Heading, text,
                SectionPages.PageOf(study, first)), text));
            used += cost;
        }
        return sources;
    }

    private string Truncate(string text, int maxTokens)
    {
        var words = text.Split(' ');
        var lo = 0; var hi = words.Length;
        while (lo < hi)
        {
            var mid = (lo + hi + 1) / 2;
            if (tokens.CountTokens(string.Join(' ', words[..mid])) <= maxTokens) lo = mid; else hi = mid - 1;
        }
        return string.Join(' ', words[..lo]);
    }
}
