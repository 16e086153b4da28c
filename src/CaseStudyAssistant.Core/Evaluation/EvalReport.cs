namespace CaseStudyAssistant.Evaluation;

public static class Metrics
{
    public const string Recall5 = "recall@5", Recall10 = "recall@10", Hit5 = "hit@5", Mrr10 = "mrr@10", Ndcg10 = "ndcg@10";
    public const string RefusalRate = "refusal_rate", FalseRefusalRate = "false_refusal_rate";
    public const string CitationPrecision = "citation_precision", FactRecall = "fact_recall";
    public const string LatencyP50 = "latency_ms_p50", LatencyP95 = "latency_ms_p95";
    /// <summary>Only with an LLM: share of cited sentences the support check flagged.</summary>
    public const string UnsupportedRate = "unsupported_sentence_rate";

    public static readonly string[] All = [Recall5, Recall10, Hit5, Mrr10, Ndcg10, RefusalRate, FalseRefusalRate, CitationPrecision, FactRecall, LatencyP50, LatencyP95];
    public static readonly string[] Retrieval = [Recall5, Recall10, Hit5, Mrr10, Ndcg10];

    /// <summary>Metrics where a smaller value is better (gated with --max rather than --min).</summary>
    public static bool LowerIsBetter(string metric) => metric is FalseRefusalRate or LatencyP50 or LatencyP95 or UnsupportedRate;
}

/// <summary>What happened to one question.</summary>
public sealed record QuestionResult
{
    public required string Id { get; init; }
    public required string Type { get; init; }
    public required string Question { get; init; }
    public required IReadOnlyList<string> Relevant { get; init; }
    /// <summary>The top documents, best first.</summary>
    public required IReadOnlyList<string> Ranked { get; init; }
    /// <summary>1-based rank of each relevant study among the ranked documents; null when not retrieved.</summary>
    public required IReadOnlyDictionary<string, int?> RelevantRanks { get; init; }
    public required double Ndcg10 { get; init; }
    public bool? Refused { get; init; }
    public IReadOnlyList<string> Cited { get; init; } = [];
    public IReadOnlyList<string> FactsFound { get; init; } = [];
    public IReadOnlyList<string> FactsMissed { get; init; } = [];
    public double? Evidence { get; init; }
    public double? Similarity { get; init; }
    public double? LatencyMs { get; init; }
    public string? Answer { get; init; }
    public string? Mode { get; init; }
    /// <summary>
    /// LLM answers: sentences that stated something (cited or not), and how many of them lacked a valid, supporting
    /// citation — dropped from the answer, or kept marked.
    /// </summary>
    public int CheckedSentences { get; init; }
    public int UnsupportedSentences { get; init; }
}

public sealed record EvalReport
{
    public required string Retriever { get; init; }
    public required int TopK { get; init; }
    public required IReadOnlyDictionary<string, double?> Overall { get; init; }
    public required IReadOnlyDictionary<string, IReadOnlyDictionary<string, double?>> ByType { get; init; }
    public required IReadOnlyList<QuestionResult> Questions { get; init; }
    /// <summary>The FTS5 baseline's retrieval metrics on the same questions, for the side-by-side view.</summary>
    public IReadOnlyDictionary<string, double?>? Baseline { get; init; }
    public IReadOnlyList<string> Warnings { get; init; } = [];
    /// <summary>Set when answers came from a language model: its name and the prompts used.</summary>
    public string? Model { get; init; }
    public IReadOnlyList<Answering.PromptInfo> Prompts { get; init; } = [];
    public bool LlmAnswers => Model is not null;
    public int N => Questions.Count;
}
