using CaseStudyAssistant.Retrieval;

namespace CaseStudyAssistant.Practice;

public sealed record CoverageFeedback(IReadOnlyList<string> Covered, IReadOnlyList<string> Missed)
{
    public double Share => Covered.Count + Missed.Count == 0 ? 0 : Covered.Count / (double)(Covered.Count + Missed.Count);
}

/// <summary>
/// Which rubric points an answer covers, without a model: a point counts as covered when the answer shares enough
/// of its content words (analyzed: stemmed, acronyms linked both ways, so "LLM" meets "large language model").
/// </summary>
public static class RubricCoverage
{
    public const double RequiredShare = 0.34;

    public static CoverageFeedback Assess(string answer, IReadOnlyList<string> rubric)
    {
        var said = TextAnalyzer.Instance.Analyze(answer).ToHashSet(StringComparer.Ordinal);
        var covered = new List<string>();
        var missed = new List<string>();
        foreach (var point in rubric)
        {
            var body = point.Contains(": ") ? point[(point.IndexOf(": ", StringComparison.Ordinal) + 2)..] : point;
            var terms = TextAnalyzer.Instance.Analyze(body).Distinct().ToList();
            var hits = terms.Count(said.Contains);
            var needed = Math.Max(Math.Min(2, terms.Count), (int)Math.Ceiling(RequiredShare * terms.Count));
            (terms.Count > 0 && hits >= needed ? covered : missed).Add(point);
        }
        return new CoverageFeedback(covered, missed);
    }
}
