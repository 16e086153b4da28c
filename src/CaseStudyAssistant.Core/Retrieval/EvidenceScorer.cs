using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using CaseStudyAssistant.Indexing;

namespace CaseStudyAssistant.Retrieval;

/// <summary>How well the retrieved studies cover a question: the basis of the decision to answer or refuse.</summary>
public sealed record Evidence(double Best, IReadOnlyDictionary<string, double> PerStudy, IReadOnlyList<string> MissingNames);

/// <summary>
/// Scores each candidate study by the IDF-weighted share of the question's terms that the whole study contains
/// (terms the corpus has never seen weigh the most, so a question about something absent scores low). Names in the
/// question (capitalised words such as companies and systems) must appear in one of the top studies; when one does
/// not, the evidence is scaled down: a question about "Zillow" is not answered by a study about someone else.
/// </summary>
public sealed partial class EvidenceScorer
{
    public const int StudiesScored = 10;
    public const int StudiesForNames = 3;
    public const double MissingNamePenalty = 0.5;

    private readonly ConcurrentDictionary<string, (HashSet<string> Terms, HashSet<string> Words)> _cache = new();

    [GeneratedRegex(@"\b[\p{Lu}][\p{L}\p{N}]*(?:[-.][\p{L}\p{N}]+)*|\b[\p{Ll}]+[\p{Lu}][\p{L}\p{N}]*")]
    private static partial Regex CapitalisedWord();

    public Evidence Score(string question, IReadOnlyList<string> terms, TermStatistics stats, IReadOnlyList<StudyRecord> studies)
    {
        var perStudy = new Dictionary<string, double>(StringComparer.Ordinal);
        if (terms.Count == 0 || studies.Count == 0) return new Evidence(0, perStudy, []);
        var weights = terms.Distinct().ToDictionary(t => t, t => stats.Idf(SparseEncoder.TermId(t)));
        var total = weights.Values.Sum();
        foreach (var study in studies.Take(StudiesScored))
        {
            Func<string, bool> contains = study.Terms is { } vector
                ? t => vector.WeightOf(SparseEncoder.TermId(t)) > 0
                : TermsOf(study).Terms.Contains;
            perStudy[study.Id] = total <= 0 ? 0 : weights.Where(kv => contains(kv.Key)).Sum(kv => kv.Value) / total;
        }

        var names = Names(question);
        if (names.Count == 0) return new Evidence(perStudy.Values.DefaultIfEmpty(0).Max(), perStudy, []);
        var top = studies.Take(StudiesForNames).Select(s => TermsOf(s).Words).ToList();
        var missing = names.Where(n => !top.Any(words => words.Contains(n))).ToList();
        var best = perStudy.Values.DefaultIfEmpty(0).Max();
        return new Evidence(missing.Count > 0 ? best * MissingNamePenalty : best, perStudy, missing);
    }

    /// <summary>
    /// Capitalised words that are not the question's first word, plus words with inner capitals ("OpenAI"),
    /// lower-cased; acronyms the analyzer knows (LLM, RAG, …) and stop words are not names.
    /// </summary>
    public static List<string> Names(string question)
    {
        var names = new List<string>();
        foreach (Match m in CapitalisedWord().Matches(question))
        {
            var atStart = question[..m.Index].Trim().Length == 0 || question[..m.Index].TrimEnd().EndsWith('.') || question[..m.Index].TrimEnd().EndsWith('?');
            var word = m.Value.EndsWith("'s") ? m.Value[..^2] : m.Value;
            var lower = word.ToLowerInvariant();
            var innerCapital = word.Skip(1).Any(char.IsUpper);
            if (atStart && !innerCapital) continue;
            if (TextAnalyzer.Instance.IsStopWord(lower) || TextAnalyzer.IsKnownAcronym(lower)) continue;
            if (word.All(c => char.IsUpper(c) || char.IsDigit(c)) && word.Length <= 3) continue;
            foreach (var part in TextAnalyzer.Words(word)) if (!names.Contains(part) && part.Length > 1) names.Add(part);
        }
        return names;
    }

    private (HashSet<string> Terms, HashSet<string> Words) TermsOf(StudyRecord study) =>
        _cache.GetOrAdd($"{study.Id}\n{study.ContentHash}", _ =>
        {
            var text = ChunkContext.Metadata(study.Title, study.Company, study.Tags) + "\n"
                + string.Join("\n", study.Sections.Select(s => s.Heading + "\n" + s.Text));
            return (TextAnalyzer.Instance.Analyze(text).ToHashSet(StringComparer.Ordinal), TextAnalyzer.Words(text).ToHashSet(StringComparer.Ordinal));
        });
}
