using System.Text.RegularExpressions;

namespace CaseStudyAssistant.Chunking;

/// <summary>Splits plain text into sentences; each line (a list item, a table row) ends a sentence.</summary>
internal static partial class SentenceSplitter
{
    // A boundary is end punctuation, whitespace, then something that starts a sentence. Abbreviations such as
    // "e.g." and "vs." and decimals such as "3.5" are not boundaries.
    [GeneratedRegex(@"(?<!\b(?:e\.g|i\.e|vs|etc|approx|incl|Dr|Mr|Ms|No|Fig|cf|al|U\.S|Inc|Ltd|Corp|Jr|Sr)\.)(?<=[.!?…][""')\]]?)\s+(?=[\p{Lu}\p{N}""'(\[*•\-])")]
    private static partial Regex Boundary();

    public static IReadOnlyList<string> Split(string text)
    {
        var sentences = new List<string>();
        foreach (var rawLine in text.Split('\n'))
        {
            var line = rawLine.Trim();
            if (line.Length == 0) continue;
            foreach (var part in Boundary().Split(line))
            {
                var s = part.Trim();
                if (s.Length > 0) sentences.Add(s);
            }
        }
        return sentences;
    }
}
