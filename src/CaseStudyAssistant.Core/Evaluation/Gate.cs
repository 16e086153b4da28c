using System.Globalization;

namespace CaseStudyAssistant.Evaluation;

/// <summary>A CI threshold: <c>--min ndcg@10=0.95</c> (at least) or <c>--max false_refusal_rate=0.05</c> (at most).</summary>
public sealed record Gate(string Metric, double Threshold, bool AtMost)
{
    public static Gate Parse(string text, bool atMost)
    {
        var eq = text.IndexOf('=');
        var flag = atMost ? "--max" : "--min";
        if (eq <= 0) throw new EvalFormatException($"{flag} '{text}' must look like METRIC=VALUE, e.g. {flag} ndcg@10=0.95");
        var metric = text[..eq].Trim();
        if (!Metrics.All.Contains(metric) && metric != Metrics.UnsupportedRate) throw new EvalFormatException($"{flag}: unknown metric '{metric}'; known: {string.Join(", ", Metrics.All.Append(Metrics.UnsupportedRate))}");
        if (!double.TryParse(text[(eq + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
            throw new EvalFormatException($"{flag} {metric}: '{text[(eq + 1)..]}' is not a number");
        return new Gate(metric, value, atMost);
    }

    /// <summary>Null when the gate holds; otherwise a one-line reason.</summary>
    public string? Check(IReadOnlyDictionary<string, double?> metrics)
    {
        if (metrics.GetValueOrDefault(Metric) is not { } actual)
            return $"{Metric} was not measured ({(Metric == Metrics.UnsupportedRate ? "needs LLM answers" : "needs answers: not available with --retriever fts5")})";
        var ok = AtMost ? actual <= Threshold : actual >= Threshold;
        return ok ? null : $"{Metric} = {actual:0.000} is {(AtMost ? "above" : "below")} the gate {Threshold:0.000}";
    }
}
