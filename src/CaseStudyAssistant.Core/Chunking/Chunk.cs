namespace CaseStudyAssistant.Chunking;

/// <summary>A retrievable piece of a study: one section, or a sentence-aligned part of a long one.</summary>
public sealed record Chunk
{
    /// <summary>Deterministic: <c>{studyId}#{ordinal}</c>, so a re-ingest of the same text gives the same ids.</summary>
    public required string Id { get; init; }
    public required string StudyId { get; init; }
    public required int Ordinal { get; init; }
    /// <summary>Section heading path, e.g. "Approach" or "Approach > Serving".</summary>
    public required string Heading { get; init; }
    public required string Text { get; init; }
    /// <summary>Exact LLM tokens (the configured encoding) of <see cref="Text"/>.</summary>
    public required int TokenCount { get; init; }
    /// <summary>True when even this chunk's text, with its context line, is longer than the embedding model's window.</summary>
    public bool OverWindow { get; init; }

    public static string MakeId(string studyId, int ordinal) => $"{studyId}#{ordinal}";
}
