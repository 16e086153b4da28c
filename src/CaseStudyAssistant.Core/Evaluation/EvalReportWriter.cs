using System.Globalization;
using System.Security;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CaseStudyAssistant.Evaluation;

/// <summary>The report as JSON (for CI and --baseline), JUnit XML (for dashboards) and Markdown (for pull requests).</summary>
public static class EvalReportWriter
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string ToJson(EvalReport report)
    {
        var root = new JsonObject();
        foreach (var m in Metrics.All) root[m] = report.Overall[m];
        // With a language model: its unsupported-sentence rate, and which model and prompts produced the answers.
        if (report.LlmAnswers)
        {
            root[Metrics.UnsupportedRate] = report.Overall[Metrics.UnsupportedRate];
            root["model"] = report.Model;
            root["prompts"] = new JsonArray(report.Prompts.Select(p => (JsonNode)new JsonObject { ["name"] = p.Name, ["hash"] = p.Hash }).ToArray());
        }
        var byType = new JsonObject();
        foreach (var (type, metrics) in report.ByType)
        {
            var o = new JsonObject();
            foreach (var m in Metrics.All) o[m] = metrics[m];
            o["n"] = report.Questions.Count(q => q.Type == type);
            byType[type] = o;
        }
        root["by_type"] = byType;
        root["n"] = report.N;
        root["questions"] = new JsonArray(report.Questions.Select(q => (JsonNode)new JsonObject
        {
            ["id"] = q.Id, ["type"] = q.Type, ["question"] = q.Question,
            ["relevant_ranks"] = new JsonObject(q.RelevantRanks.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)(kv.Value is { } r ? JsonValue.Create(r) : null)))),
            ["ranked"] = new JsonArray(q.Ranked.Select(id => (JsonNode)JsonValue.Create(id)!).ToArray()),
            ["ndcg@10"] = q.Ndcg10,
            ["refused"] = q.Refused,
            ["cited"] = new JsonArray(q.Cited.Select(id => (JsonNode)JsonValue.Create(id)!).ToArray()),
            ["facts_found"] = new JsonArray(q.FactsFound.Select(f => (JsonNode)JsonValue.Create(f)!).ToArray()),
            ["facts_missed"] = new JsonArray(q.FactsMissed.Select(f => (JsonNode)JsonValue.Create(f)!).ToArray()),
            ["evidence"] = q.Evidence,
            ["similarity"] = q.Similarity,
            ["latency_ms"] = q.LatencyMs,
        }).ToArray());
        return root.ToJsonString(Indented);
    }

    /// <summary>A question fails when no relevant study is in the top K, or when its refusal is wrong.</summary>
    public static string? FailureOf(QuestionResult q, int topK)
    {
        if (q.Relevant.Count > 0 && !q.Ranked.Take(topK).Any(q.Relevant.Contains)) return $"no relevant study in the top {topK} (relevant: {string.Join(", ", q.Relevant)}; got: {string.Join(", ", q.Ranked.Take(topK))})";
        if (q.Relevant.Count > 0 && q.Refused == true) return "refused a question the corpus answers";
        if (q.Relevant.Count == 0 && q.Refused == false) return $"answered a question the corpus does not cover (cited: {string.Join(", ", q.Cited)})";
        return null;
    }

    public static string ToJUnit(EvalReport report, string suiteName)
    {
        var failures = report.Questions.Count(q => FailureOf(q, report.TopK) is not null);
        var sb = new StringBuilder();
        sb.AppendLine("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
        sb.AppendLine($"<testsuites tests=\"{report.N}\" failures=\"{failures}\">");
        sb.AppendLine($"  <testsuite name=\"{Xml(suiteName)}\" tests=\"{report.N}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\">");
        foreach (var q in report.Questions)
        {
            var time = ((q.LatencyMs ?? 0) / 1000).ToString("0.000", CultureInfo.InvariantCulture);
            sb.Append($"    <testcase classname=\"{Xml(suiteName)}.{Xml(q.Type)}\" name=\"{Xml(q.Id)}: {Xml(Trim(q.Question, 120))}\" time=\"{time}\"");
            if (FailureOf(q, report.TopK) is { } failure)
                sb.AppendLine($">\n      <failure message=\"{Xml(failure)}\" type=\"eval\">{Xml(q.Question)}</failure>\n    </testcase>");
            else sb.AppendLine(" />");
        }
        sb.AppendLine("  </testsuite>");
        sb.AppendLine("</testsuites>");
        return sb.ToString();
    }

    public static string ToMarkdown(EvalReport report, string title)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"### {title}");
        sb.AppendLine();
        sb.AppendLine($"{report.N} questions · retriever `{report.Retriever}` · top {report.TopK}" +
            (report.LlmAnswers ? $" · model `{report.Model}` · prompts {string.Join(", ", report.Prompts.Select(p => $"`{p.Name}@{p.Hash}`"))}" : " · offline answers"));
        sb.AppendLine();
        var types = report.ByType.Keys.ToList();
        sb.AppendLine($"| metric | overall |{(report.Baseline is null ? "" : " FTS5 baseline |")} {string.Join(" | ", types)} |");
        sb.AppendLine($"|---|---|{(report.Baseline is null ? "" : "---|")}{string.Concat(types.Select(_ => "---|"))}");
        foreach (var m in report.LlmAnswers ? [.. Metrics.All, Metrics.UnsupportedRate] : Metrics.All)
        {
            sb.Append($"| {m} | {Format(report.Overall[m])} |");
            if (report.Baseline is not null) sb.Append($" {Format(report.Baseline[m])} |");
            foreach (var t in types) sb.Append($" {Format(report.ByType[t][m])} |");
            sb.AppendLine();
        }
        var failing = report.Questions.Where(q => FailureOf(q, report.TopK) is not null).ToList();
        if (failing.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine($"<details><summary>{failing.Count} failing question(s)</summary>");
            sb.AppendLine();
            foreach (var q in failing) sb.AppendLine($"- `{q.Id}` ({q.Type}): {FailureOf(q, report.TopK)}");
            sb.AppendLine();
            sb.AppendLine("</details>");
        }
        return sb.ToString();
    }

    public static string Format(double? value) => value is { } v ? v.ToString("0.000", CultureInfo.InvariantCulture) : "–";

    private static string Trim(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "…";
    private static string Xml(string s) => SecurityElement.Escape(s) ?? "";
}
