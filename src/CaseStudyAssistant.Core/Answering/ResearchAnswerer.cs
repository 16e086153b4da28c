using System.Diagnostics;
using CaseStudyAssistant.Chunking;
using CaseStudyAssistant.Indexing;
using CaseStudyAssistant.Retrieval;
using Microsoft.Extensions.AI;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using Microsoft.SemanticKernel.Services;

namespace CaseStudyAssistant.Answering;

/// <summary>
/// Research mode: the model gets the case-study functions (<see cref="CaseStudyPlugin"/>) through Semantic Kernel
/// and calls them as often as it needs — e.g. one search per company for a comparison — within
/// <see cref="AnsweringOptions.MaxToolCalls"/>. Functions are invoked automatically by exactly one layer: the
/// registered chat client's own function invocation when it has one, else Semantic Kernel's (see
/// <see cref="ResearchChat"/>). The answer's citations are checked against the union of everything any call
/// returned, sentence by sentence as for every generated answer.
/// </summary>
public sealed class ResearchAnswerer(
    Kernel kernel, Retriever retriever, IStudyIndex index, ITokenCounter tokens, PromptLibrary prompts, AnsweringOptions options)
{
    public const string SystemPrompt = "research.system", UserPrompt = "research.user", FinalPrompt = "research.final";

    /// <summary>
    /// The model's answer, checked against everything its calls found; <paramref name="onToolCall"/> hears of each
    /// call as it is made. The draft is written from the union of the searches, which names the nearest studies if
    /// the assistant refuses it.
    /// </summary>
    public async Task<AnswerDraft> AnswerAsync(string question, SearchFilter? filter = null, Action<ToolCallRecord>? onToolCall = null, bool keepUnsupported = false, CancellationToken ct = default)
    {
        filter ??= SearchFilter.None;
        var clock = Stopwatch.StartNew();
        var ledger = new ResearchLedger(options.MaxToolCalls);
        var research = kernel.Clone();
        research.Plugins.AddFromObject(new CaseStudyPlugin(retriever, index, tokens, options, filter, ledger, onToolCall), CaseStudyPlugin.Name);
        research.AutoFunctionInvocationFilters.Add(new ToolBudgetFilter(ledger));
        var chat = research.GetRequiredService<IChatCompletionService>();
        var model = chat.GetModelId() ?? "unknown";

        var history = new ChatHistory();
        history.AddSystemMessage(await prompts.RenderAsync(SystemPrompt, new Dictionary<string, string>
        {
            ["max_sentences"] = options.MaxSentences.ToString(), ["max_calls"] = options.MaxToolCalls.ToString(),
        }, ct));
        history.AddUserMessage(await prompts.RenderAsync(UserPrompt, new Dictionary<string, string>
        {
            ["question"] = question, ["scope"] = filter.IsEmpty ? "" : $"Only studies matching: {filter}.\n",
        }, ct));
        var used = new List<PromptInfo> { prompts.Info(SystemPrompt), prompts.Info(UserPrompt) };

        var usage = new UsageDetails();
        ChatMessageContent reply;
        using (var activity = Telemetry.Source.StartActivity("csa.llm.research"))
        {
            activity?.SetTag("gen_ai.request.model", model);
            reply = await CallAsync(chat, history, research, FunctionChoiceBehavior.Auto(), usage, ct);
            if (!HasText(reply))
            {
                // The calls ended without an answer (the budget was spent): one more turn, with the functions off.
                history.AddUserMessage(await prompts.RenderAsync(FinalPrompt, new Dictionary<string, string>(), ct));
                used.Add(prompts.Info(FinalPrompt));
                reply = await CallAsync(chat, history, research, FunctionChoiceBehavior.None(), usage, ct);
            }
            activity?.SetTag("csa.tool_calls", ledger.CallRecords.Count);
        }
        if (!HasText(reply))
            throw new LlmException($"the model kept calling the case-study functions ({ledger.CallRecords.Count} calls) and wrote no answer", false,
                "ask a narrower question, or raise Answering:MaxToolCalls");

        var text = reply.Content!;
        var sources = ledger.Sources;
        var searched = new RetrievalResult(question, ledger.Chunks.DistinctBy(c => c.Chunk.Id).ToList(), [], new Dictionary<string, double>(),
            new Evidence(ledger.Evidence, new Dictionary<string, double>(), []) { Similarity = ledger.Similarity }, 0, 0);
        var llmUsage = usage.InputTokenCount is null && usage.OutputTokenCount is null ? null : new LlmUsage(usage.InputTokenCount, usage.OutputTokenCount);
        var written = new Answer
        {
            Question = question, Text = "", Refused = false, Mode = AnswerModes.Research, Model = model, Prompts = used, Usage = llmUsage,
            ToolCalls = ledger.CallRecords, Evidence = ledger.Evidence, Similarity = ledger.Similarity,
            Retrieved = searched.Chunks.Select(c => new RetrievedSource(c.Study.Id, c.Chunk.Id, c.Chunk.Heading, c.Hit.Score, c.Hit.SparseRank, c.Hit.DenseRank, c.StudyRank, c.MatchedTerms)).ToList(),
            TimingsMs = new Dictionary<string, double> { ["answer"] = Math.Round(clock.Elapsed.TotalMilliseconds, 3), ["total"] = Math.Round(clock.Elapsed.TotalMilliseconds, 3) },
        };
        if (LlmAnswerGenerator.IsNotCovered(text)) return new AnswerDraft(written, searched) { SaysNotCovered = true };

        var check = CitationValidator.Validate(text, sources, options.SupportOverlap, keepUnsupported);
        return new AnswerDraft(written with
        {
            Text = check.Text, Citations = check.Cited, RemovedCitations = check.Removed, UnsupportedSentences = check.Unsupported,
            CheckedSentences = check.Checked, Notice = LlmAnswerGenerator.AccountingNotice(check, keepUnsupported),
        }, searched);
    }

    private static bool HasText(ChatMessageContent reply) => reply.Role == AuthorRole.Assistant && !string.IsNullOrWhiteSpace(reply.Content);

    private async Task<ChatMessageContent> CallAsync(IChatCompletionService chat, ChatHistory history, Kernel research, FunctionChoiceBehavior functions, UsageDetails usage, CancellationToken ct)
    {
        var settings = new PromptExecutionSettings
        {
            FunctionChoiceBehavior = functions,
            ExtensionData = new Dictionary<string, object> { ["temperature"] = 0.1, ["max_tokens"] = options.AnswerTokens },
        };
        ChatMessageContent reply;
        try { reply = await chat.GetChatMessageContentAsync(history, settings, research, ct); }
        // Function invocation gives up after repeated failing calls (e.g. arguments that never parse).
        catch (Exception e) when (e is AggregateException or KernelException or InvalidOperationException && e is not LlmException)
        {
            throw new LlmException($"the model's calls to the case-study functions kept failing: {e.InnerException?.Message ?? e.Message}", false,
                "try again; if it persists, the model may not support function calling", e);
        }
        history.Add(reply);
        if (reply.Metadata?.TryGetValue("Usage", out var u) == true && u is UsageDetails details) usage.Add(details);
        return reply;
    }
}

/// <summary>
/// The chat client research mode calls. If the registered client already invokes functions (a
/// <see cref="FunctionInvokingChatClient"/> in its pipeline, e.g. built with <c>UseFunctionInvocation()</c>), that
/// layer runs the case-study functions; adding Semantic Kernel's on top would leave it nothing to do. Otherwise
/// Semantic Kernel's own automatic function calling is added, which also runs the kernel's invocation filters.
/// </summary>
internal static class ResearchChat
{
    public static IChatClient Over(IChatClient registered) =>
        registered.GetService<FunctionInvokingChatClient>() is not null
            ? registered
            : registered.AsBuilder().UseKernelFunctionInvocation().Build();

    /// <summary>Which layer invokes functions for <paramref name="registered"/>: "client" or "kernel".</summary>
    public static string InvokingLayer(IChatClient registered) => registered.GetService<FunctionInvokingChatClient>() is not null ? "client" : "kernel";
}
