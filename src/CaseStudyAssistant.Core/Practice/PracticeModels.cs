using CaseStudyAssistant.Indexing;
using CaseStudyAssistant.Answering;
using CaseStudyAssistant.Retrieval;

namespace CaseStudyAssistant.Practice;

public enum Difficulty { Junior, Senior, Staff }

/// <summary>What to generate: filters, an optional topic, difficulty, how many, and the seed that makes it repeatable.</summary>
public sealed record PracticeRequest
{
    public SearchFilter Filter { get; init; } = SearchFilter.None;
    public string? Topic { get; init; }
    public Difficulty Difficulty { get; init; } = Difficulty.Senior;
    public int Count { get; init; } = 3;
    public int Seed { get; init; }
}

/// <summary>One interview question set in a real study's situation, with probes and a rubric grounded in that study.</summary>
public sealed record PracticeItem(
    string Prompt,
    IReadOnlyList<string> FollowUps,
    IReadOnlyList<string> StrongAnswerCovers,
    Difficulty Difficulty,
    IReadOnlyList<Citation> Citations);

internal static class PracticeCitation
{
    /// <summary>A practice item cites the study it is set in.</summary>
    public static Citation For(Indexing.StudyRecord study) =>
        new(1, study.Id, study.Title, study.Company, study.Year, study.SourceUrl, $"{study.Id}#0", "Problem");
}

public sealed record PracticeSet(IReadOnlyList<PracticeItem> Items, int Seed, string Generator, string? Model, IReadOnlyList<PromptInfo> Prompts, string? Notice);

public interface IPracticeGenerator
{
    Task<PracticeSet> GenerateAsync(PracticeRequest request, CancellationToken ct = default);
}
