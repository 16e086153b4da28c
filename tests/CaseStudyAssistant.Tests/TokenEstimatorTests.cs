using System.Text.Json;
using CaseStudyAssistant.Chunking;
using Xunit.Abstractions;

namespace CaseStudyAssistant.Tests;

public sealed class TokenEstimatorTests(ITestOutputHelper output)
{
    [Fact]
    public void Empty_text_has_no_tokens_and_short_words_are_one_token_each()
    {
        Assert.Equal(0, TokenEstimator.Instance.CountTokens(""));
        Assert.Equal(2, TokenEstimator.Instance.CountTokens("hello world"));
        Assert.Equal(4, TokenEstimator.Instance.CountTokens("the model ranks items"));
    }

    [Fact]
    public void Longer_text_costs_more_tokens()
    {
        var one = TokenEstimator.Instance.CountTokens("Latency fell by 40% after the ranking model moved to GPUs.");
        var two = TokenEstimator.Instance.CountTokens("Latency fell by 40% after the ranking model moved to GPUs. Recall rose by 3 points on the offline benchmark.");
        Assert.InRange(one, 10, 20);
        Assert.True(two > one);
    }

    private sealed record Reference(string Text, int Cl100k, int O200k);

    private static List<Reference> LoadReferences()
    {
        var list = new List<Reference>();
        foreach (var line in File.ReadLines(Repo.Shared("tokenizer/reference-counts.jsonl")))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            list.Add(new Reference(root.GetProperty("text").GetString()!, root.GetProperty("cl100k_base").GetInt32(), root.GetProperty("o200k_base").GetInt32()));
        }
        return list;
    }

    private sealed record ErrorFigures(double MeanAbsRelative, double P95AbsRelative, double TotalRelative, long TotalReference, long TotalEstimated);

    private static ErrorFigures Measure(IReadOnlyList<Reference> refs, Func<Reference, int> reference)
    {
        var relative = new List<double>();
        long totalRef = 0, totalEst = 0;
        foreach (var r in refs)
        {
            var expected = reference(r);
            var estimated = TokenEstimator.Instance.CountTokens(r.Text);
            totalRef += expected; totalEst += estimated;
            if (expected > 0) relative.Add(Math.Abs(estimated - expected) / (double)expected);
        }
        relative.Sort();
        var p95 = relative[Math.Min(relative.Count - 1, (int)Math.Ceiling(0.95 * relative.Count) - 1)];
        return new ErrorFigures(relative.Average(), p95, (totalEst - totalRef) / (double)totalRef, totalRef, totalEst);
    }

    [SharedFact("tokenizer/reference-counts.jsonl")]
    public void Estimate_is_within_the_error_bounds_of_the_reference_tokenizers()
    {
        var refs = LoadReferences();
        Assert.True(refs.Count >= 100, $"expected a real reference set, got {refs.Count} lines");

        var cl = Measure(refs, r => r.Cl100k);
        var o2 = Measure(refs, r => r.O200k);
        output.WriteLine($"{refs.Count} reference texts");
        output.WriteLine($"cl100k_base: mean |rel err| {cl.MeanAbsRelative:P2}, p95 {cl.P95AbsRelative:P2}, total {cl.TotalEstimated} vs {cl.TotalReference} ({cl.TotalRelative:+0.00%;-0.00%})");
        output.WriteLine($"o200k_base:  mean |rel err| {o2.MeanAbsRelative:P2}, p95 {o2.P95AbsRelative:P2}, total {o2.TotalEstimated} vs {o2.TotalReference} ({o2.TotalRelative:+0.00%;-0.00%})");

        Assert.True(cl.MeanAbsRelative <= 0.06, $"mean relative error vs cl100k_base is {cl.MeanAbsRelative:P2}, over 6%");
        Assert.True(o2.MeanAbsRelative <= 0.07, $"mean relative error vs o200k_base is {o2.MeanAbsRelative:P2}, over 7%");
        Assert.True(Math.Abs(cl.TotalRelative) <= 0.03, $"total token count is off by {cl.TotalRelative:P2} vs cl100k_base, beyond ±3%");
        Assert.True(Math.Abs(o2.TotalRelative) <= 0.03, $"total token count is off by {o2.TotalRelative:P2} vs o200k_base, beyond ±3%");
        Assert.True(cl.P95AbsRelative <= 0.15, $"95th-percentile relative error vs cl100k_base is {cl.P95AbsRelative:P2}, over 15%");
        Assert.True(o2.P95AbsRelative <= 0.15, $"95th-percentile relative error vs o200k_base is {o2.P95AbsRelative:P2}, over 15%");
    }
}
