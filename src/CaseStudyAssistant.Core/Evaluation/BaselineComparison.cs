using System.Text.Json;

namespace CaseStudyAssistant.Evaluation;

/// <summary>Per-question and headline differences between this run and an earlier JSON report.</summary>
public sealed record BaselineComparison(
    IReadOnlyList<string> Regressions, IReadOnlyList<string> Improvements,
    IReadOnlyDictionary<string, (double? Before, double? After)> Headline)
{
    public static BaselineComparison Compare(EvalReport current, string baselineJsonPath)
    {
        if (!File.Exists(baselineJsonPath)) throw new EvalFormatException($"baseline report not found: {baselineJsonPath}");
        JsonElement root;
        try { root = JsonDocument.Parse(File.ReadAllText(baselineJsonPath)).RootElement; }
        catch (JsonException e) { throw new EvalFormatException($"{baselineJsonPath}: not a JSON report ({e.Message.Split('.')[0]})"); }
        if (!root.TryGetProperty("questions", out var questions) || questions.ValueKind != JsonValueKind.Array)
            throw new EvalFormatException($"{baselineJsonPath}: not an eval report written by 'csa eval --json' (no 'questions' list)");

        var before = new Dictionary<string, (double Ndcg, bool? Refused, bool Answerable)>(StringComparer.Ordinal);
        foreach (var q in questions.EnumerateArray())
        {
            var id = q.GetProperty("id").GetString()!;
            var ndcg = q.TryGetProperty("ndcg@10", out var n) && n.ValueKind == JsonValueKind.Number ? n.GetDouble() : 0;
            bool? refused = q.TryGetProperty("refused", out var r) && r.ValueKind is JsonValueKind.True or JsonValueKind.False ? r.GetBoolean() : null;
            var answerable = q.TryGetProperty("relevant_ranks", out var rr) && rr.ValueKind == JsonValueKind.Object && rr.EnumerateObject().Any();
            before[id] = (ndcg, refused, answerable);
        }

        var regressions = new List<string>();
        var improvements = new List<string>();
        foreach (var q in current.Questions)
        {
            if (!before.TryGetValue(q.Id, out var old)) continue;
            var delta = q.Ndcg10 - old.Ndcg;
            if (q.Relevant.Count > 0 && delta < -0.001) regressions.Add($"{q.Id}: ndcg@10 {old.Ndcg:0.000} → {q.Ndcg10:0.000}");
            if (q.Relevant.Count > 0 && delta > 0.001) improvements.Add($"{q.Id}: ndcg@10 {old.Ndcg:0.000} → {q.Ndcg10:0.000}");
            if (old.Refused is { } wasRefused && q.Refused is { } isRefused && wasRefused != isRefused)
            {
                var nowRight = isRefused == (q.Relevant.Count == 0);
                (nowRight ? improvements : regressions).Add($"{q.Id}: {(isRefused ? "now refused" : "now answered")} ({(nowRight ? "correct" : "wrong")})");
            }
        }

        var headline = new Dictionary<string, (double?, double?)>();
        foreach (var m in Metrics.All)
        {
            double? old = root.TryGetProperty(m, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;
            headline[m] = (old, current.Overall[m]);
        }
        return new BaselineComparison(regressions, improvements, headline);
    }
}
