using CaseStudyAssistant.Retrieval;

namespace CaseStudyAssistant.Practice;

public sealed record CoverageFeedback(IReadOnlyList<string> Covered, IReadOnlyList<string> Missed)
{
    public double Share => Covered.Count + Missed.Count == 0 ? 0 : Covered.Count / (double)(Covered.Count + Missed.Count);
}

/// <summary>
/// Which rubric points an answer covers, without a chat model: a point counts as covered when the answer shares enough
/// of its content words (analyzed: stemmed, acronyms linked both ways, so "LLM" meets "large language model"), or,
/// with an embedding model, when one of the answer's sentences says the same thing in other words.
/// </summary>
internal static class RubricCoverage
{
    public const double RequiredShare = 0.34;
    /// <summary>Cosine between a rubric point and an answer sentence at which the sentence is taken to make the point.</summary>
    public const double RequiredSimilarity = 0.55;

    public static async Task<CoverageFeedback> AssessAsync(string answer, IReadOnlyList<string> rubric, Embedding.Embedder? embedder, CancellationToken ct = default)
    {
        var lexical = Assess(answer, rubric);
        var sentences = Chunking.SentenceSplitter.Split(answer).Where(s => s.Length > 0).ToList();
        if (embedder is null || lexical.Missed.Count == 0 || sentences.Count == 0) return lexical;
        var points = lexical.Missed.Select(Body).ToList();
        var said = await embedder.EmbedPassagesAsync(sentences, ct);
        var wanted = await embedder.EmbedPassagesAsync(points, ct);
        var paraphrased = lexical.Missed.Where((_, i) => said.Any(v => v.Length == wanted[i].Length && System.Numerics.Tensors.TensorPrimitives.Dot(v, wanted[i]) >= RequiredSimilarity)).ToHashSet();
        return new CoverageFeedback(
            rubric.Where(p => lexical.Covered.Contains(p) || paraphrased.Contains(p)).ToList(),
            rubric.Where(p => lexical.Missed.Contains(p) && !paraphrased.Contains(p)).ToList());
    }

    private static string Body(string point) => point.Contains(": ") ? point[(point.IndexOf(": ", StringComparison.Ordinal) + 2)..] : point;

    public static CoverageFeedback Assess(string answer, IReadOnlyList<string> rubric)
    {
        var said = TextAnalyzer.Instance.Analyze(answer).ToHashSet(StringComparer.Ordinal);
        var covered = new List<string>();
        var missed = new List<string>();
        foreach (var point in rubric)
        {
            var terms = TextAnalyzer.Instance.Analyze(Body(point)).Distinct().ToList();
            var hits = terms.Count(said.Contains);
            var needed = Math.Max(Math.Min(2, terms.Count), (int)Math.Ceiling(RequiredShare * terms.Count));
            (terms.Count > 0 && hits >= needed ? covered : missed).Add(point);
        }
        return new CoverageFeedback(covered, missed);
    }
}
