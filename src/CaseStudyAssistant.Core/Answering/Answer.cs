namespace CaseStudyAssistant.Answering;

/// <summary>A numbered source that the answer text cites as <c>[n]</c>; <see cref="Page"/> is the PDF page of the passage.</summary>
public sealed record Citation(int N, string DocId, string Title, string Company, int? Year, string? Url, string ChunkId, string Heading, string? Passage = null, int? Page = null)
{
    public string SourceLine => $"[{N}] {Title} — {Company}{(Year is { } y ? $", {y}" : "")}{(Page is { } p ? $" — p. {p}" : "")}{(Url is null ? "" : $" — {Url}")}";
}

public sealed record RetrievedSource(string DocId, string ChunkId, string Heading, double Score, int? SparseRank, int? DenseRank, int? StudyRank, IReadOnlyList<string> MatchedTerms);

public sealed record NearestStudy(string DocId, string Title, string Company, int? Year, string? Url);

internal static class AnswerModes
{
    public const string Extractive = "extractive";
    public const string Llm = "llm";
    /// <summary>The model searches the studies itself, as many times as it needs (within Answering:MaxToolCalls).</summary>
    public const string Research = "research";
}

/// <summary>How one question is to be answered.</summary>
public sealed record AskOptions
{
    /// <summary><see cref="AskModes.Answer"/> (the configured answerer) or <see cref="AskModes.Research"/>.</summary>
    public string Mode { get; init; } = AskModes.Answer;
    /// <summary>Keep sentences without a supporting citation, marked, instead of dropping them.</summary>
    public bool KeepUnsupported { get; init; }

    public static readonly AskOptions Default = new();
}

public static class AskModes
{
    public const string Answer = "answer", Research = "research";
    public static readonly string[] All = [Answer, Research];

    /// <summary>The mode for a user's value (null or blank: answer); an unknown value is an error naming <paramref name="field"/>.</summary>
    public static string Parse(string? value, string field) => value?.Trim().ToLowerInvariant() switch
    {
        null or "" or Answer => Answer,
        Research => Research,
        var other => throw new ArgumentException($"{field} must be '{Answer}' or '{Research}', got '{other}'"),
    };
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
    /// <summary>Sentences of a generated answer that stated something without a valid, supporting citation (dropped from <see cref="Text"/>, or kept marked).</summary>
    public IReadOnlyList<string> UnsupportedSentences { get; init; } = [];
    /// <summary>Sentences of a generated answer that stated something and were checked (supported or not).</summary>
    public int CheckedSentences { get; init; }
    /// <summary>Research mode: the searches and look-ups the model made, in order.</summary>
    public IReadOnlyList<ToolCallRecord> ToolCalls { get; init; } = [];
    public IReadOnlyDictionary<string, double> TimingsMs { get; init; } = new Dictionary<string, double>();
    /// <summary>A one-line message for the user, e.g. that the LLM failed and the extractive answer is shown.</summary>
    public string? Notice { get; init; }
    /// <summary>The prompt files (and their hashes) that shaped this answer.</summary>
    public IReadOnlyList<PromptInfo> Prompts { get; init; } = [];
    public IReadOnlyList<string> FollowUps { get; init; } = [];
    public LlmUsage? Usage { get; init; }
}

/// <summary>One call the model made to a case-study function: its name, arguments as given, and what came back in brief.</summary>
public sealed record ToolCallRecord(string Function, IReadOnlyDictionary<string, string?> Arguments, string Outcome);

public sealed record LlmUsage(long? InputTokens, long? OutputTokens);

/// <summary>Callbacks for a streamed answer: the numbered sources first, then text as it is written.</summary>
public sealed class AnswerStream
{
    public Action<IReadOnlyList<Citation>>? OnSources { get; init; }
    public Action<string>? OnText { get; init; }
    /// <summary>Research mode: each search or look-up as the model makes it.</summary>
    public Action<ToolCallRecord>? OnToolCall { get; init; }
}
