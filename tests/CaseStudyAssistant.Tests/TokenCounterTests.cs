using System.Text.Json;
using CaseStudyAssistant.Chunking;

namespace CaseStudyAssistant.Tests;

public sealed class TokenCounterTests
{
    [Fact]
    public void Known_texts_have_their_exact_token_counts()
    {
        var cl = TiktokenCounter.For("cl100k_base");
        Assert.Equal(0, cl.CountTokens(""));
        Assert.Equal(2, cl.CountTokens("hello world"));
        Assert.True(cl.CountTokens("Latency fell by 40% after the ranking model moved to GPUs. Recall rose by 3 points.")
            > cl.CountTokens("Latency fell by 40% after the ranking model moved to GPUs."));
    }

    [Fact]
    public void Unknown_encoding_is_a_readable_error()
    {
        var e = Assert.Throws<ArgumentException>(() => TiktokenCounter.For("p50k_edit"));
        Assert.Contains("cl100k_base", e.Message);
    }

    [SharedFact("tokenizer/reference-counts.jsonl")]
    public void Counts_match_the_reference_tokenizers_on_every_text()
    {
        var cl = TiktokenCounter.For("cl100k_base");
        var o2 = TiktokenCounter.For("o200k_base");
        var rows = 0;
        var wrong = new List<string>();
        foreach (var line in File.ReadLines(Repo.Shared("tokenizer/reference-counts.jsonl")))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            var text = root.GetProperty("text").GetString()!;
            rows++;
            if (cl.CountTokens(text) != root.GetProperty("cl100k_base").GetInt32()) wrong.Add($"cl100k line {rows}");
            if (o2.CountTokens(text) != root.GetProperty("o200k_base").GetInt32()) wrong.Add($"o200k line {rows}");
        }
        Assert.True(rows >= 100, $"expected a real reference set, got {rows} lines");
        Assert.True(wrong.Count == 0, string.Join(", ", wrong.Take(20)));
    }
}
