namespace CaseStudyAssistant.Answering;

/// <summary>A numbered source that the answer text cites as <c>[n]</c>; <see cref="Page"/> is the PDF page of the passage.</summary>
public sealed record Citation(int N, string DocId, string Title, string Company, int? Year, string? Url, string ChunkId, string Heading, string? Passage = null, int? Page = null)
{
    public string SourceLine => $"[{N}] {Title} — {Company}{(Year is { } y ? $", {y}" : "")}{(Page is { } p ? $" — p. {p}" : "")}{(Url is null ? "" : $" — {Url}")}";
}

public sealed record RetrievedSource(string DocId, string ChunkId, string Heading, double Score, int? SparseRank, int? DenseRank, int? StudyRank, IReadOnlyList<string> MatchedTerms);

public sealed record NearestStudy(string DocId, string Title, string Company, int? Year, string? Url);

public static class AnswerModes
{
    public const string Extractive = "extractive";
    public const string Llm = "llm";
}

/// <summary>The answer object every front end shows: CLI text, <c>--json</c>, the HTTP API and eval.</summary>
public sealed record Answer
{
    public required string Question { get; init; }
    public required string Text { get; init; }
    public required bool Refused { get; init; }
    public required string Mode { get; init; }
    public IReadOnlyList<Citation> Citations { get; init; } = [];
    public IReadOnlyList<RetrievedSource> Retrieved { get; init; } = [];
    /// <summary>When refused: the closest studies, so the user knows where the corpus stops.</summary>
    public IReadOnlyList<NearestStudy> Nearest { get; init; } = [];
    public double Evidence { get; init; }
    /// <summary>Cosine between the question and the nearest chunk (0 when there is no dense ranking).</summary>
    public double Similarity { get; init; }
    public string? Model { get; init; }
    public IReadOnlyList<string> RemovedCitations { get; init; } = [];
    public IReadOnlyList<string> UnsupportedSentences { get; init; } = [];
    public IReadOnlyDictionary<string, double> TimingsMs { get; init; } = new Dictionary<string, double>();
    /// <summary>A one-line message for the user, e.g. that the LLM failed and the extractive answer is shown.</summary>
    public string? Notice { get; init; }
    /// <summary>The prompt files (and their hashes) that shaped this answer.</summary>
    public IReadOnlyList<PromptInfo> Prompts { get; init; } = [];
    public IReadOnlyList<string> FollowUps { get; init; } = [];
    public LlmUsage? Usage { get; init; }
}

public sealed record LlmUsage(long? InputTokens, long? OutputTokens);

/// <summary>Callbacks for a streamed answer: the numbered sources first, then text as it is written.</summary>
public sealed class AnswerStream
{
    public Action<IReadOnlyList<Citation>>? OnSources { get; init; }
    public Action<string>? OnText { get; init; }
}
