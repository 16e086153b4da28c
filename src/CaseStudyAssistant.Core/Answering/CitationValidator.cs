using System.Text;
using System.Text.RegularExpressions;
using CaseStudyAssistant.Chunking;
using CaseStudyAssistant.Retrieval;

namespace CaseStudyAssistant.Answering;

/// <summary>A numbered source given to the model: one study and the passages of it that were retrieved.</summary>
public sealed record ContextSource(Citation Citation, string Text);

public sealed record CitationCheck(string Text, IReadOnlyList<Citation> Cited, IReadOnlyList<string> Removed, IReadOnlyList<string> Unsupported);

/// <summary>
/// Checks a generated answer against the sources it was given: citations of sources that were not provided are
/// removed (and reported), and every sentence that cites something must share enough content words — or its
/// numbers — with the cited sources, else it is flagged as unsupported. Only sources actually cited are kept.
/// </summary>
public static partial class CitationValidator
{
    [GeneratedRegex(@"\[(\d+(?:\s*[,;]\s*\d+)*)\]")]
    private static partial Regex CitationGroup();

    [GeneratedRegex(@"\d+(?:[.,]\d+)*")]
    private static partial Regex Number();

    [GeneratedRegex(@"[ \t]+([.,;:!?])")]
    private static partial Regex SpaceBeforePunctuation();

    public static CitationCheck Validate(string answer, IReadOnlyList<ContextSource> sources, double supportOverlap)
    {
        var byNumber = sources.ToDictionary(s => s.Citation.N);
        var removed = new List<string>();
        var text = CitationGroup().Replace(answer, m =>
        {
            var numbers = m.Groups[1].Value.Split([',', ';'], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToList();
            var kept = numbers.Where(byNumber.ContainsKey).Distinct().ToList();
            removed.AddRange(numbers.Where(n => !byNumber.ContainsKey(n)).Select(n => $"[{n}]"));
            return kept.Count == 0 ? "" : string.Concat(kept.Select(n => $"[{n}]"));
        });
        text = SpaceBeforePunctuation().Replace(text, "$1").Trim();

        var cited = new SortedSet<int>();
        var unsupported = new List<string>();
        foreach (var sentence in SentenceSplitter.Split(text))
        {
            var numbers = CitationGroup().Matches(sentence).SelectMany(m => m.Groups[1].Value.Split([',', ';'], StringSplitOptions.TrimEntries)).Select(int.Parse).Distinct().ToList();
            if (numbers.Count == 0) continue;
            cited.UnionWith(numbers);
            var claim = SpaceBeforePunctuation().Replace(CitationGroup().Replace(sentence, ""), "$1");
            var evidence = string.Join("\n", numbers.Select(n => byNumber[n].Text));
            if (!IsSupported(claim, evidence, supportOverlap)) unsupported.Add(claim.Trim());
        }
        return new CitationCheck(text, cited.Select(n => byNumber[n].Citation).ToList(), removed.Distinct().ToList(), unsupported);
    }

    /// <summary>Supported when the claim's numbers all appear in the evidence, or enough of its content words do.</summary>
    public static bool IsSupported(string claim, string evidence, double overlap)
    {
        var claimNumbers = Number().Matches(claim).Select(m => m.Value.Replace(",", "")).ToHashSet();
        var evidenceNumbers = Number().Matches(evidence).Select(m => m.Value.Replace(",", "")).ToHashSet();
        if (claimNumbers.Count > 0 && !claimNumbers.All(evidenceNumbers.Contains)) return false;
        var words = TextAnalyzer.Instance.Analyze(Number().Replace(claim, " ")).Distinct().ToList();
        if (words.Count == 0) return claimNumbers.Count > 0;
        var evidenceWords = TextAnalyzer.Instance.Analyze(evidence).ToHashSet(StringComparer.Ordinal);
        var share = words.Count(evidenceWords.Contains) / (double)words.Count;
        return claimNumbers.Count > 0 ? share >= overlap / 2 : share >= overlap;
    }

    /// <summary>The numbered sources as the prompt shows them, each delimited so its text reads as data.</summary>
    public static string FormatSources(IEnumerable<ContextSource> sources)
    {
        var sb = new StringBuilder();
        foreach (var s in sources)
        {
            var c = s.Citation;
            // Angle brackets inside a source cannot close its tag early.
            var body = s.Text.Replace("<", "‹").Replace(">", "›");
            sb.Append($"<source id=\"{c.N}\" title=\"{Attr(c.Title)}\" company=\"{Attr(c.Company)}\" year=\"{c.Year}\">\n{body}\n</source>\n\n");
        }
        return sb.ToString().TrimEnd();
    }

    private static string Attr(string s) => s.Replace("\"", "'").Replace("<", "‹").Replace(">", "›");
}
