using CaseStudyAssistant.Indexing;
using System.Diagnostics;
using CaseStudyAssistant.Retrieval;

namespace CaseStudyAssistant.Answering;

/// <summary>
/// Question in, answer out: retrieval, the evidence check, then the configured answer generator; or, in research
/// mode, the model searching the studies itself (<see cref="ResearchAnswerer"/>, only when a model is configured).
/// Every mode ends here in the same way: <see cref="RefusalPolicy"/> decides whether the draft stands or is refused,
/// and the <see cref="AnswerStream"/> callbacks fire only through one <see cref="DraftStream"/> per answer.
/// </summary>
public sealed class Assistant(Retriever retriever, IAnswerGenerator generator, AnsweringOptions options, ResearchAnswerer? research = null)
{
    /// <summary>Whether research mode is available (a language model is configured).</summary>
    public bool CanResearch => research is not null;

    public const string ResearchNeedsModel = "research mode needs a language model, and none is configured";
    public const string ResearchHint = "configure one with --llm openai|azure|ollama|compatible (config Llm:Provider), or leave out --mode research";

    public async Task<Answer> AskAsync(string question, SearchFilter? filter = null, int? top = null, CancellationToken ct = default, AnswerStream? stream = null, AskOptions? ask = null)
    {
        if (string.IsNullOrWhiteSpace(question)) throw new ArgumentException("the question is empty");
        ask ??= AskOptions.Default;
        if (ask.Mode == AskModes.Research)
        {
            if (research is null) throw new LlmException(ResearchNeedsModel, false, ResearchHint);
            var draft = await research.AnswerAsync(question, filter, stream?.OnToolCall, ask.KeepUnsupported, ct);
            return Deliver(RefusalPolicy.Judge(draft, ask.KeepUnsupported), new DraftStream(stream, ask.KeepUnsupported));
        }
        var total = Stopwatch.StartNew();
        RetrievalResult retrieval;
        using (Telemetry.Source.StartActivity("csa.retrieve"))
            retrieval = await retriever.RetrieveAsync(question, filter, top, ct);
        Telemetry.RecordRetrieval(total.Elapsed.TotalMilliseconds);
        return await AnswerAsync(retrieval, total, ct, stream, ask.KeepUnsupported);
    }

    /// <summary>
    /// Whether the studies cover the question: lexical evidence and similarity of meaning together, since each alone
    /// is fooled (shared words on another subject; a nearby subject in other words).
    /// </summary>
    public static bool Covers(Evidence evidence, AnsweringOptions options) =>
        evidence.Similarity > 0
            ? evidence.Best + options.SimilarityWeight * evidence.Similarity >= options.MinCoverage || evidence.Best >= options.StrongEvidence
            : evidence.Best >= options.MinEvidence;

    /// <summary>Answers from a retrieval already made (the evidence check and generation only).</summary>
    public async Task<Answer> AnswerAsync(RetrievalResult retrieval, Stopwatch? total = null, CancellationToken ct = default, AnswerStream? stream = null, bool keepUnsupported = false)
    {
        total ??= Stopwatch.StartNew();
        var answerClock = Stopwatch.StartNew();
        var output = new DraftStream(stream, keepUnsupported);
        // Weak evidence: the model is not called at all.
        var answer = RefusalPolicy.Covers(retrieval, options)
            ? RefusalPolicy.Judge(await generator.GenerateAsync(retrieval, output, ct, keepUnsupported), keepUnsupported)
            : Refusals.For(retrieval);

        return Deliver(answer, output) with
        {
            Retrieved = retrieval.Chunks.Select(c => new RetrievedSource(c.Study.Id, c.Chunk.Id, c.Chunk.Heading, c.Hit.Score, c.Hit.SparseRank, c.Hit.DenseRank, c.StudyRank, c.MatchedTerms)).ToList(),
            Evidence = retrieval.Evidence.Best,
            Similarity = retrieval.Evidence.Similarity,
            TimingsMs = new Dictionary<string, double>
            {
                ["embed"] = Math.Round(retrieval.EmbedMs, 3),
                ["search"] = Math.Round(retrieval.SearchMs, 3),
                ["answer"] = Math.Round(answerClock.Elapsed.TotalMilliseconds, 3),
                ["total"] = Math.Round(total.Elapsed.TotalMilliseconds, 3),
            },
        };
    }

    private static Answer Deliver(Answer answer, DraftStream output)
    {
        output.Finish(answer);
        return answer;
    }
}
