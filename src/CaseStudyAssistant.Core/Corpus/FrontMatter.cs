using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace CaseStudyAssistant.Corpus;

/// <summary>The YAML block at the top of a study file, validated field by field.</summary>
public sealed record FrontMatter
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
        YamlMappingNode map;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(yaml));
            if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode m)
                throw new CorpusFormatException("front matter is not a YAML mapping of 'field: value' lines");
            map = m;
        }
        catch (YamlException e)
        {
            // Front matter starts on line 2 of the file.
            throw new CorpusFormatException($"invalid YAML in front matter at line {e.Start.Line + 1}: {FirstSentence(e.Message)}");
        }

        string? Text(params string[] keys)
        {
            foreach (var key in keys)
            {
                if (!map.Children.TryGetValue(new YamlScalarNode(key), out var node)) continue;
                if (node is YamlScalarNode s) return string.IsNullOrWhiteSpace(s.Value) ? null : s.Value.Trim();
                throw new CorpusFormatException($"field '{key}' must be text, not a {(node is YamlSequenceNode ? "list" : "mapping")}");
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
        if (map.Children.TryGetValue(new YamlScalarNode("tags"), out var tagNode))
        {
            switch (tagNode)
            {
                case YamlSequenceNode seq:
                    foreach (var item in seq)
                    {
                        if (item is not YamlScalarNode s) throw new CorpusFormatException("field 'tags' must be a list of words");
                        if (!string.IsNullOrWhiteSpace(s.Value)) tags.Add(s.Value.Trim());
                    }
                    break;
                case YamlScalarNode s when !string.IsNullOrWhiteSpace(s.Value):
                    tags.AddRange(s.Value.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
                    break;
                case YamlMappingNode:
                    throw new CorpusFormatException("field 'tags' must be a list of words, not a mapping");
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

    private static string FirstSentence(string message)
    {
        var i = message.IndexOf(". ", StringComparison.Ordinal);
        return (i > 0 ? message[..i] : message).Trim().TrimEnd('.');
    }
}
