using System.Text.Json;
using System.Text.RegularExpressions;
using CaseStudyAssistant.Answering;
using CaseStudyAssistant.Chunking;
using CaseStudyAssistant.Indexing;
using Microsoft.Extensions.AI;

namespace CaseStudyAssistant.Comparing;

/// <summary>
/// With a chat model: each cell is condensed from its own section only (one call per cell, a few at a time), and
/// the patterns and differences are restated from their quotes (one call). Every sentence the model writes is
/// checked like a cited answer sentence — its numbers must all occur in the section, and enough of its content
/// words — and anything that fails keeps the offline extract, flagged with the reason.
/// </summary>
internal sealed partial class LlmCompareWriter(IChatClient chat, PromptLibrary prompts, AnsweringOptions options)
{
    public const string CellPrompt = "compare-cell", PointsPrompt = "compare-points";
    public const string NotDescribed = "NOT_DESCRIBED";
    private const int MaxCellChars = 400, MaxPointChars = 300, Parallelism = 4;

    public string ModelName => chat.GetService<ChatClientMetadata>()?.DefaultModelId ?? "unknown";

    public IReadOnlyList<PromptInfo> Prompts => [prompts.Info(CellPrompt), prompts.Info(PointsPrompt)];

    [GeneratedRegex(@"\s*\[\d+(?:\s*[,;]\s*\d+)*\]")]
    private static partial Regex CitationMarks();

    private static readonly Dictionary<string, string> Hints = new()
    {
        [CompareColumns.Problem] = "the problem the team faced and its scale",
        [CompareColumns.Approach] = "how the system works",
        [CompareColumns.Decisions] = "the main design decisions and what they were chosen over",
        [CompareColumns.Stack] = "the technologies and components used",
        [CompareColumns.Results] = "the reported results, with their numbers",
    };

    /// <summary>Rewrites every described cell; returns the new rows and the failure that stopped the model, if one did.</summary>
    public async Task<(List<ComparedStudy> Rows, string? Failure)> WriteCellsAsync(string topic, IReadOnlyList<(ComparedStudy Row, StudyRecord Study)> rows, CancellationToken ct)
    {
        string? failure = null;
        using var gate = new SemaphoreSlim(Parallelism);
        var result = new List<ComparedStudy>();
        foreach (var (row, study) in rows)
        {
            var tasks = row.Cells.ToDictionary(kv => kv.Key, kv => CellAsync(kv.Key, kv.Value));
            await Task.WhenAll(tasks.Values);
            result.Add(row with { Cells = CompareColumns.All.ToDictionary(c => c, c => tasks[c].Result) });

            async Task<CompareCell> CellAsync(string column, CompareCell offline)
            {
                if (!offline.IsDescribed) return offline;
                var section = SectionUnits.Text(study, column);
                var prompt = await prompts.RenderAsync(CellPrompt, new Dictionary<string, string>
                {
                    ["topic"] = topic, ["column"] = CompareColumns.Title(column), ["column_hint"] = Hints[column],
                    ["study"] = $"{study.Title} ({study.Company}{(study.Year is { } y ? $", {y}" : "")})",
                    ["section"] = section.Replace("</section>", "‹/section›"),
                }, ct);
                string reply;
                await gate.WaitAsync(ct);
                try { reply = await CompleteAsync(prompt, 200, ct); }
                catch (LlmException e) when (e.Transient)
                {
                    Interlocked.CompareExchange(ref failure, e.Message, null);
                    return offline with { Flag = "the model failed; this is the offline extract" };
                }
                finally { gate.Release(); }
                return CheckCell(reply, section) is { } problem
                    ? offline with { Flag = $"the model's text was rejected ({problem}); this is the offline extract" }
                    : new CompareCell(Tidy(reply), offline.Citation, CellSources.Llm);
            }
        }
        return (result, failure);
    }

    /// <summary>Why a condensed cell cannot stand for its section, or null when it can.</summary>
    public string? CheckCell(string reply, string section)
    {
        var text = Tidy(reply);
        if (text.Length == 0) return "empty reply";
        if (text.StartsWith(NotDescribed, StringComparison.Ordinal)) return "it found nothing for this column in the section";
        if (text.Length > MaxCellChars) return $"longer than {MaxCellChars} characters";
        return Unsupported(text, section);
    }

    private string? Unsupported(string text, string evidence)
    {
        foreach (var sentence in SentenceSplitter.Split(text))
            if (!CitationValidator.IsSupported(sentence, evidence, options.SupportOverlap))
                return $"not supported by the section: \"{sentence.Trim()}\"";
        return null;
    }

    /// <summary>Restates the patterns and differences from their quotes; a point whose sentence fails the check keeps its offline text, flagged.</summary>
    public async Task<(List<ComparePoint> Patterns, List<ComparePoint> Differences, string? Failure)> WritePointsAsync(
        string topic, List<ComparePoint> patterns, List<ComparePoint> differences, IReadOnlyDictionary<string, string> companies, CancellationToken ct)
    {
        var all = patterns.Concat(differences).ToList();
        if (all.Count == 0) return (patterns, differences, null);
        var listing = string.Join("\n", all.Select((p, i) =>
            $"{i + 1}. ({(i < patterns.Count ? "shared" : "difference")})\n"
            + string.Join("\n", p.Quotes.Select(q => $"   - {companies[q.DocId]}: \"{q.Text.Replace("\"", "'")}\""))));
        var prompt = await prompts.RenderAsync(PointsPrompt, new Dictionary<string, string> { ["topic"] = topic, ["points"] = listing }, ct);
        string reply;
        try { reply = await CompleteAsync(prompt, 120 * all.Count + 100, ct); }
        catch (LlmException e) when (e.Transient) { return (patterns, differences, e.Message); }

        var sentences = ParsePoints(reply);
        if (sentences is null || sentences.Count != all.Count)
            return (Flag(patterns, "the model's summary was unusable"), Flag(differences, "the model's summary was unusable"),
                sentences is null ? "the model's summary of the patterns was not the JSON asked for" : $"the model summarised {sentences.Count} points, not {all.Count}");
        var written = all.Select((p, i) =>
        {
            var text = Tidy(sentences[i]);
            var evidence = string.Join("\n", p.Quotes.Select(q => $"{companies[q.DocId]}: {q.Text}"));
            var problem = text.Length == 0 ? "empty" : text.Length > MaxPointChars ? $"longer than {MaxPointChars} characters" : Unsupported(text, evidence);
            return problem is null ? p with { Text = text, Source = CellSources.Llm } : p with { Flag = $"the model's sentence was rejected ({problem}); this is the offline text" };
        }).ToList();
        return (written.Take(patterns.Count).ToList(), written.Skip(patterns.Count).ToList(), null);
    }

    private static List<ComparePoint> Flag(List<ComparePoint> points, string flag) => points.Select(p => p with { Flag = flag }).ToList();

    private static List<string>? ParsePoints(string reply)
    {
        var text = reply.Trim();
        if (text.StartsWith("```")) text = text.Trim('`').Trim();
        if (text.StartsWith("json", StringComparison.OrdinalIgnoreCase)) text = text[4..].Trim();
        try
        {
            var root = JsonDocument.Parse(text).RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("points", out var points) || points.ValueKind != JsonValueKind.Array) return null;
            if (points.EnumerateArray().Any(p => p.ValueKind != JsonValueKind.String)) return null;
            return points.EnumerateArray().Select(p => p.GetString()!).ToList();
        }
        catch (JsonException) { return null; }
    }

    private async Task<string> CompleteAsync(string prompt, int maxTokens, CancellationToken ct)
    {
        using var activity = Telemetry.Source.StartActivity("csa.llm.generate");
        activity?.SetTag("gen_ai.request.model", ModelName);
        // Token usage and latency are recorded by the chat client's OpenTelemetry layer.
        var response = await chat.GetResponseAsync([new ChatMessage(ChatRole.User, prompt)], new ChatOptions { Temperature = 0.1f, MaxOutputTokens = maxTokens }, ct);
        return response.Text;
    }

    private static string Tidy(string reply) => CitationMarks().Replace(reply.Trim().Trim('"').Trim(), "").Trim();
}
