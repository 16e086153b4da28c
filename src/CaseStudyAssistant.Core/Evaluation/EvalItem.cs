using System.Text.Json;

namespace CaseStudyAssistant.Evaluation;

/// <summary>One labelled question: which studies answer it (none = unanswerable) and facts a good answer states.</summary>
public sealed record EvalItem(string Id, string Question, IReadOnlyList<string> Relevant, string Type, IReadOnlyList<string> AnswerFacts)
{
    public bool Answerable => Relevant.Count > 0;
}

internal sealed class EvalFormatException(string message) : Exception(message);

public static class EvalDataset
{
    public static readonly string[] Types = ["fact", "paraphrase", "multi", "numeric", "unanswerable"];

    /// <summary>Reads JSONL; a malformed line is an error naming the file and line number.</summary>
    public static IReadOnlyList<EvalItem> Load(string path)
    {
        if (!File.Exists(path)) throw new EvalFormatException($"questions file not found: {path}");
        var items = new List<EvalItem>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var lineNo = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            string Where() => $"{path}:{lineNo}";
            JsonElement root;
            try { root = JsonDocument.Parse(line).RootElement; }
            catch (JsonException e) { throw new EvalFormatException($"{Where()}: not valid JSON ({e.Message.Split('.')[0]})"); }
            if (root.ValueKind != JsonValueKind.Object) throw new EvalFormatException($"{Where()}: each line must be a JSON object");

            string Text(string name, bool required = true)
            {
                if (root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(v.GetString())) return v.GetString()!;
                if (!required && !root.TryGetProperty(name, out _)) return "";
                throw new EvalFormatException($"{Where()}: field '{name}' must be a non-empty string");
            }
            List<string> List(string name)
            {
                if (!root.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return [];
                if (v.ValueKind != JsonValueKind.Array || v.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
                    throw new EvalFormatException($"{Where()}: field '{name}' must be a list of strings");
                return v.EnumerateArray().Select(e => e.GetString()!).ToList();
            }

            var id = Text("id");
            if (!ids.Add(id)) throw new EvalFormatException($"{Where()}: duplicate question id '{id}'");
            if (!root.TryGetProperty("relevant", out _)) throw new EvalFormatException($"{Where()}: field 'relevant' is missing (use [] for an unanswerable question)");
            var relevant = List("relevant");
            if (relevant.GroupBy(r => r).FirstOrDefault(g => g.Count() > 1) is { } twice)
                throw new EvalFormatException($"{Where()}: field 'relevant' lists '{twice.Key}' twice");
            var type = root.TryGetProperty("type", out _) ? Text("type") : (relevant.Count == 0 ? "unanswerable" : "fact");
            if (!Types.Contains(type)) throw new EvalFormatException($"{Where()}: field 'type' must be one of {string.Join(", ", Types)}, got '{type}'");
            if (type == "unanswerable" && relevant.Count > 0) throw new EvalFormatException($"{Where()}: an 'unanswerable' question must have relevant: []");
            if (type != "unanswerable" && relevant.Count == 0) throw new EvalFormatException($"{Where()}: type '{type}' needs at least one relevant study id");
            items.Add(new EvalItem(id, Text("question"), relevant, type, List("answer_facts")));
        }
        if (items.Count == 0) throw new EvalFormatException($"{path}: no questions in the file");
        return items;
    }
}
