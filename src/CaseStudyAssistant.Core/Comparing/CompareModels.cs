using CaseStudyAssistant.Indexing;
using CaseStudyAssistant.Answering;
using CaseStudyAssistant.Retrieval;

namespace CaseStudyAssistant.Comparing;

/// <summary>What to compare: a topic, and either filters that pick the studies or the exact studies to use.</summary>
public sealed record CompareRequest
{
    public required string Topic { get; init; }
    public SearchFilter Filter { get; init; } = SearchFilter.None;
    /// <summary>Exactly these studies, in this order (empty: pick the most relevant ones).</summary>
    public IReadOnlyList<string> StudyIds { get; init; } = [];
    public int Max { get; init; } = DefaultMax;

    public const int DefaultMax = 5;
    public const int MaxStudies = 10;
}

/// <summary>The columns of the matrix, each filled from the study section of the same kind.</summary>
internal static class CompareColumns
{
    public const string Problem = "problem", Approach = "approach", Decisions = "decisions", Stack = "stack", Results = "results";

    public static readonly IReadOnlyList<string> All = [Problem, Approach, Decisions, Stack, Results];

    public static string Title(string column) => column switch
    {
        Problem => "Problem and scale",
        Approach => "Approach",
        Decisions => "Key decisions",
        Stack => "Stack",
        Results => "Results",
        _ => column,
    };

    public static bool Matches(string column, string heading) => column switch
    {
        Problem => Practice.StudySections.IsProblem(heading),
        Approach => Practice.StudySections.IsApproach(heading),
        Decisions => Practice.StudySections.IsDecisions(heading),
        Stack => Practice.StudySections.IsStack(heading),
        Results => Practice.StudySections.IsResults(heading),
        _ => false,
    };
}

/// <summary>Where a cell's text comes from: row <see cref="N"/> of the matrix (the study) and its section.</summary>
public sealed record CellCitation(int N, string DocId, string Section, string? Url);

internal static class CellSources
{
    /// <summary>A sentence or bullet quoted from the section.</summary>
    public const string Extract = "extract";
    /// <summary>Condensed by the model from the section, and checked against it.</summary>
    public const string Llm = "llm";
    /// <summary>The study has no such section.</summary>
    public const string None = "none";
}

/// <summary>One cell: a short extract (or the model's condensed text) and its citation; never a value the study does not state.</summary>
public sealed record CompareCell(string Text, CellCitation? Citation, string Source, string? Flag = null)
{
    public const string NotDescribedText = "not described";
    public static readonly CompareCell NotDescribed = new(NotDescribedText, null, CellSources.None);
    public bool IsDescribed => Citation is not null;
}

public sealed record ComparedStudy(int N, string DocId, string Title, string Company, int? Year, string? Url, IReadOnlyDictionary<string, CompareCell> Cells)
{
    public string SourceLine => $"[{N}] {Title} — {Company}{(Year is { } y ? $", {y}" : "")}{(Url is null ? "" : $" — {Url}")}";
}

/// <summary>A key-decision bullet or stack component of one study, as quoted.</summary>
public sealed record StudyQuote(int N, string DocId, string Section, string Text);

/// <summary>A shared pattern or a difference between studies, with the quotes it rests on.</summary>
public sealed record ComparePoint(string Text, IReadOnlyList<string> Studies, IReadOnlyList<StudyQuote> Quotes, string Source = CellSources.Extract, string? Flag = null);

/// <summary>The matrix, what the studies share and where they differ, and notices (a shortfall, a fallback).</summary>
public sealed record Comparison
{
    public required string Topic { get; init; }
    public IReadOnlyList<ComparedStudy> Studies { get; init; } = [];
    public IReadOnlyList<ComparePoint> Patterns { get; init; } = [];
    public IReadOnlyList<ComparePoint> Differences { get; init; } = [];
    public IReadOnlyList<string> Notices { get; init; } = [];
    public bool Refused { get; init; }
    /// <summary>When refused: the closest studies.</summary>
    public IReadOnlyList<NearestStudy> Nearest { get; init; } = [];
    public string Mode { get; init; } = AnswerModes.Extractive;
    public string? Model { get; init; }
    public IReadOnlyList<PromptInfo> Prompts { get; init; } = [];
}

/// <summary>A compare request that cannot be served as asked (an unknown study id, conflicting options).</summary>
public sealed class CompareException(string message, string? hint = null) : Exception(message)
{
    public string? Hint { get; } = hint;
}
