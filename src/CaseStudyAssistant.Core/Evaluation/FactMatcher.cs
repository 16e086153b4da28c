using System.Text.RegularExpressions;
using CaseStudyAssistant.Retrieval;

namespace CaseStudyAssistant.Evaluation;

/// <summary>
/// Decides whether an answer states a labelled fact. Every number in the fact must appear in the answer exactly
/// (as written, ignoring thousands separators: "53,000" = "53000"); and the fact's content words (analyzed: lower-cased,
/// stop words dropped, stemmed) must be present in the answer at a share of at least <see cref="WordShare"/>
/// (<see cref="WordShareWithNumbers"/> when the fact has numbers, whose match already carries most of its meaning).
/// </summary>
internal static partial class FactMatcher
{
    public const double WordShare = 0.6;
    public const double WordShareWithNumbers = 0.4;

    [GeneratedRegex(@"\d+(?:[.,]\d+)*")]
    private static partial Regex Number();

    [GeneratedRegex(@"\[\d+(?:\s*[,;]\s*\d+)*\]")]
    private static partial Regex CitationMarker();

    public static bool IsStated(string fact, string answer)
    {
        // "[1]" is a citation, not a number the answer states.
        answer = CitationMarker().Replace(answer, " ");
        var answerNumbers = Numbers(answer);
        var factNumbers = Numbers(fact);
        if (!factNumbers.All(answerNumbers.Contains)) return false;
        var words = TextAnalyzer.Instance.Analyze(Number().Replace(fact, " ")).Distinct().ToList();
        if (words.Count == 0) return factNumbers.Count > 0;
        var answerWords = TextAnalyzer.Instance.Analyze(answer).ToHashSet(StringComparer.Ordinal);
        var share = words.Count(answerWords.Contains) / (double)words.Count;
        return share >= (factNumbers.Count > 0 ? WordShareWithNumbers : WordShare);
    }

    private static HashSet<string> Numbers(string text) =>
        Number().Matches(text).Select(m => m.Value.Replace(",", "")).ToHashSet(StringComparer.Ordinal);
}
