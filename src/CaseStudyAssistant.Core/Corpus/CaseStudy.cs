using System.Text.Json.Serialization;

namespace CaseStudyAssistant.Corpus;

/// <summary>One engineering case study, as read from the corpus.</summary>
public sealed record CaseStudy
{
    public required string Id { get; init; }
    public required string Title { get; init; }
    public required string Company { get; init; }
    public string? Industry { get; init; }
    public string? Category { get; init; }
    public int? Year { get; init; }
    public IReadOnlyList<string> Tags { get; init; } = [];
    public string? SourceUrl { get; init; }
    public IReadOnlyList<StudySection> Sections { get; init; } = [];
    /// <summary>Where the study came from (file path, or file path and line for catalog rows).</summary>
    public required string SourcePath { get; init; }
    /// <summary>SHA-256 of the source content; unchanged content is skipped on re-ingest.</summary>
    public required string ContentHash { get; init; }
    /// <summary>A catalog row's <c>file</c> column: the saved document (PDF, HTML) the row describes.</summary>
    internal string? CatalogFile { get; init; }
    /// <summary>A saved PDF the index already holds in this exact version: its text was not read again (no sections).</summary>
    internal bool TextNotRead { get; init; }

    /// <summary>Shown for a saved article or paper whose company could not be found (never guessed).</summary>
    public const string UnknownCompany = "unknown";

    public string Citation => Year is { } y ? $"{Title} — {Company}, {y}" : $"{Title} — {Company}";
}

/// <summary>A <c>##</c> section of a study, as plain text (list items one per line).</summary>
public sealed record StudySection(string Heading, string Text)
{
    /// <summary>The PDF page this text starts on (1-based); null for notes and web pages.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Page { get; init; }
}
