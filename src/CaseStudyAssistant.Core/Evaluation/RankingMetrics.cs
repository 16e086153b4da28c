namespace CaseStudyAssistant.Evaluation;

/// <summary>Document-level ranking metrics with binary relevance; a study counts once, at its best rank.</summary>
internal static class RankingMetrics
{
    public static double Recall(IReadOnlyList<string> ranked, IReadOnlyCollection<string> relevant, int k) =>
        relevant.Count == 0 ? 0 : ranked.Take(k).Count(relevant.Contains) / (double)relevant.Count;

    public static double Hit(IReadOnlyList<string> ranked, IReadOnlyCollection<string> relevant, int k) =>
        ranked.Take(k).Any(relevant.Contains) ? 1 : 0;

    public static double ReciprocalRank(IReadOnlyList<string> ranked, IReadOnlyCollection<string> relevant, int k)
    {
        for (var i = 0; i < Math.Min(k, ranked.Count); i++) if (relevant.Contains(ranked[i])) return 1.0 / (i + 1);
        return 0;
    }

    public static double Ndcg(IReadOnlyList<string> ranked, IReadOnlyCollection<string> relevant, int k)
    {
        if (relevant.Count == 0) return 0;
        double dcg = 0, ideal = 0;
        for (var i = 0; i < Math.Min(k, ranked.Count); i++) if (relevant.Contains(ranked[i])) dcg += 1 / Math.Log2(i + 2);
        for (var i = 0; i < Math.Min(k, relevant.Count); i++) ideal += 1 / Math.Log2(i + 2);
        return dcg / ideal;
    }

    /// <summary>Nearest-rank percentile of an unsorted sample.</summary>
    public static double Percentile(IEnumerable<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
    }
}
