using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace CaseStudyAssistant.Corpus;

/// <summary>The YAML block at the top of a study file, validated field by field.</summary>
internal sealed record FrontMatter
{
    public string? Id { get; init; }
    public string? Title { get; init; }
    public string? Company { get; init; }
    public string? Industry { get; init; }
    public string? Category { get; init; }
    public int? Year { get; init; }
    public IReadOnlyList<string> Tags { get; init; } = [];
    public string? SourceUrl { get; init; }

    public const int MinYear = 1950;
    public const int MaxYear = 2100;

    /// <summary>Splits <paramref name="text"/> into front matter and body; false when the text has no front matter.</summary>
    public static bool TrySplit(string text, out string yaml, out string body)
    {
        yaml = ""; body = text;
        var start = text.StartsWith('\uFEFF') ? 1 : 0;
        if (!text.AsSpan(start).StartsWith("---")) return false;
        var firstLineEnd = text.IndexOf('\n', start);
        if (firstLineEnd < 0 || text.AsSpan(start, firstLineEnd - start).Trim().ToString() != "---") return false;
        var pos = firstLineEnd + 1;
        while (pos <= text.Length)
        {
            var end = text.IndexOf('\n', pos);
            var line = (end < 0 ? text[pos..] : text[pos..end]).TrimEnd('\r');
            if (line is "---" or "...")
            {
                yaml = text[(firstLineEnd + 1)..pos];
                body = end < 0 ? "" : text[(end + 1)..];
                return true;
            }
            if (end < 0) break;
            pos = end + 1;
        }
        throw new CorpusFormatException("front matter starts with '---' but has no closing '---' line");
    }

    public static FrontMatter Parse(string yaml)
    {
        Dictionary<string, object> map;
        try
        {
            map = StrictYaml(yaml);
        }
        catch (Exception e) when (e is YamlException or InvalidOperationException)
        {
            // Hand-written notes often have "title: Foo: Bar", which strict YAML rejects; simple key: value lines
            // are still unambiguous, so read those leniently before giving up. (YamlDotNet reports some malformed
            // flow collections, such as "[a, b", as InvalidOperationException rather than YamlException.)
            var where = e is YamlException y ? $" at line {y.Start.Line + 1}" : "";
            map = LenientLines(yaml)
                ?? throw new CorpusFormatException($"invalid YAML in front matter{where}: {FirstSentence(e.Message)}");
        }

        string? Text(params string[] keys)
        {
            foreach (var key in keys)
            {
                if (!map.TryGetValue(key, out var node)) continue;
                if (node is string s) return string.IsNullOrWhiteSpace(s) ? null : s.Trim();
                throw new CorpusFormatException($"field '{key}' must be text, not a {(node is List<string> ? "list" : "mapping")}");
            }
            return null;
        }

        int? year = null;
        if (Text("year") is { } yearText)
        {
            if (!int.TryParse(yearText, NumberStyles.None, CultureInfo.InvariantCulture, out var y))
                throw new CorpusFormatException($"field 'year' must be a whole number, got '{yearText}'");
            if (y < MinYear || y > MaxYear)
                throw new CorpusFormatException($"field 'year' must be between {MinYear} and {MaxYear}, got {y}");
            year = y;
        }

        var tags = new List<string>();
        if (map.TryGetValue("tags", out var tagNode))
        {
            switch (tagNode)
            {
                case List<string> list: tags.AddRange(list.Where(t => !string.IsNullOrWhiteSpace(t)).Select(t => t.Trim())); break;
                case string s when !string.IsNullOrWhiteSpace(s):
                    tags.AddRange(s.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
                    break;
                case Mapping: throw new CorpusFormatException("field 'tags' must be a list of words, not a mapping");
            }
        }

        var url = Text("source_url", "url", "source");
        if (url is not null && !MarkdownBody.IsWebUrl(url))
            throw new CorpusFormatException($"field 'source_url' must be an http(s) URL, got '{url}'");

        var id = Text("id");
        if (id is not null && Slug.From(id).Length == 0)
            throw new CorpusFormatException($"field 'id' has no letters or digits: '{id}'");

        return new FrontMatter
        {
            Id = id,
            Title = Text("title"),
            Company = Text("company"),
            Industry = Text("industry"),
            Category = Text("category", "primary_category"),
            Year = year,
            Tags = tags,
            SourceUrl = url,
        };
    }

    private sealed class Mapping;
    private static readonly Mapping NestedMapping = new();

    /// <summary>Top-level fields: text, a list of texts, or (not accepted anywhere) a nested mapping.</summary>
    private static Dictionary<string, object> StrictYaml(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            throw new CorpusFormatException("front matter is not a YAML mapping of 'field: value' lines");
        var map = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (key, value) in root.Children)
        {
            if (key is not YamlScalarNode { Value: { } name }) continue;
            map[name] = value switch
            {
                YamlScalarNode s => s.Value ?? "",
                YamlSequenceNode seq => seq.Children.Select(c => c is YamlScalarNode item ? item.Value ?? ""
                    : throw new CorpusFormatException($"field '{name}' must be a list of words")).ToList(),
                _ => NestedMapping,
            };
        }
        return map;
    }

    private static Dictionary<string, object>? LenientLines(string yaml)
    {
        var map = new Dictionary<string, object>(StringComparer.Ordinal);
        string? listKey = null;
        foreach (var raw in yaml.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Trim().Length == 0 || line.TrimStart().StartsWith('#')) continue;
            if (listKey is not null && line.TrimStart().StartsWith("- "))
            {
                ((List<string>)map[listKey]).Add(Unquote(line.TrimStart()[2..]));
                continue;
            }
            var colon = line.IndexOf(':');
            if (colon <= 0 || !line[..colon].All(c => char.IsAsciiLetterOrDigit(c) || c == '_')) return null;
            var key = line[..colon];
            var value = line[(colon + 1)..].Trim();
            listKey = null;
            if (value.Length == 0) { map[key] = new List<string>(); listKey = key; }
            else if (value.StartsWith('[') && value.EndsWith(']'))
                map[key] = value[1..^1].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Unquote).ToList();
            else map[key] = Unquote(value);
        }
        // An empty list for a key that had no items is really an empty value.
        foreach (var key in map.Keys.ToList()) if (map[key] is List<string> { Count: 0 } && key != "tags") map[key] = "";
        return map;
    }

    private static string Unquote(string s)
    {
        s = s.Trim();
        return s.Length >= 2 && (s[0] == '"' && s[^1] == '"' || s[0] == '\'' && s[^1] == '\'') ? s[1..^1] : s;
    }

    private static string FirstSentence(string message)
    {
        var i = message.IndexOf(". ", StringComparison.Ordinal);
        return (i > 0 ? message[..i] : message).Trim().TrimEnd('.');
    }
}
