using System.Text.Json.Serialization;

namespace CaseStudyAssistant.Web.Contracts;

// The JSON shapes of the HTTP API (and of csa … --json). They are types rather than anonymous objects so the
// OpenAPI document can describe every response.

/// <summary>Every error body: what went wrong, and where useful what to do about it.</summary>
public sealed record ErrorBody(string Error, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Hint = null);

public sealed record CitationBody(int N, string DocId, string Title, string Company, int? Year, string? Url, string ChunkId, string Heading, int? Page, string? Passage);

public sealed record NearestBody(string DocId, string Title, string Company, int? Year, string? Url);

public sealed record RetrievedBody(string DocId, string ChunkId, string Heading, double Score, int? SparseRank, int? DenseRank, int? StudyRank, IReadOnlyList<string> MatchedTerms);

public sealed record PromptBody(string Name, string Hash);

/// <summary>One call the model made to the corpus plugin in research mode, and what came of it.</summary>
public sealed record ToolCallBody(string Function, IReadOnlyDictionary<string, string?> Arguments, string Outcome);

public sealed record UsageBody(long? InputTokens, long? OutputTokens);

public sealed record AnswerBody(
    string Question, string Answer, bool Refused, string Mode, string? Model, double Evidence, double Similarity,
    IReadOnlyList<CitationBody> Citations, IReadOnlyList<NearestBody> Nearest, IReadOnlyList<RetrievedBody> Retrieved,
    IReadOnlyList<string> RemovedCitations, IReadOnlyList<string> UnsupportedSentences, int CheckedSentences,
    IReadOnlyList<ToolCallBody> ToolCalls, IReadOnlyList<string> FollowUps,
    string? Notice, IReadOnlyList<PromptBody> Prompts, UsageBody? Usage, IReadOnlyDictionary<string, double> TimingsMs);

public sealed record StudySummaryBody(string Id, string Title, string Company, string? Industry, string? Category, int? Year, IReadOnlyList<string> Tags, string? Url);

public sealed record SectionBody(string Heading, int? Page, string Text);

/// <param name="SourceFile">The file the study was read from, without its folder (no server paths leave the server).</param>
public sealed record StudyDetailBody(string Id, string Title, string Company, string? Industry, string? Category, int? Year, IReadOnlyList<string> Tags, string? Url,
    string SourceFile, int Chunks, IReadOnlyList<SectionBody> Sections);

public sealed record ChatBody(string Session, string? StandaloneQuestion, AnswerBody Answer);

public sealed record ReadyBody(string Status, int? Studies = null, string? Store = null, string? Generation = null, string? Reason = null);
