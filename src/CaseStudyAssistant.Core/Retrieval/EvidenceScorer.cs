using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using CaseStudyAssistant.Indexing;

namespace CaseStudyAssistant.Retrieval;

/// <summary>
/// How well the retrieved studies cover a question, the basis of the decision to answer or refuse: lexically (the
/// IDF-weighted share of the question's terms a study contains) and by meaning (the cosine between the question's
/// embedding and the study's nearest chunk).
/// </summary>
public sealed record Evidence(double Best, IReadOnlyDictionary<string, double> PerStudy, IReadOnlyList<string> MissingNames)
{
    public double Similarity { get; init; }
    public IReadOnlyDictionary<string, double> PerStudySimilarity { get; init; } = new Dictionary<string, double>();
}

/// <summary>
/// Scores each candidate study by the IDF-weighted share of the question's terms that the whole study contains
/// (terms the corpus has never seen weigh the most, so a question about something absent scores low). Words that
/// only make conversation ("hey", "quick question") do not count. Names in the question (capitalised words such as
/// companies and systems) must appear in one of the top studies, else the evidence is scaled down: a question about
/// Zillow is not answered by a study about someone else. Names that only say who is asking ("my manager Bob", "I'm
/// at Acme") are exempt, and left out of the evidence when the corpus has never seen them.
/// </summary>
internal sealed partial class EvidenceScorer
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
        var incidentalNames = IncidentalNames(question);
        var subjects = Names(question).Where(n => !incidentalNames.Contains(n)).ToList();
        var incidental = incidentalNames.SelectMany(n => TextAnalyzer.Instance.Analyze(n)).ToHashSet();
        var weights = terms.Distinct()
            .Where(t => !Filler.Contains(t) && !(incidental.Contains(t) && stats.DocumentFrequency.GetValueOrDefault(SparseEncoder.TermId(t)) == 0))
            .ToDictionary(t => t, t => stats.Idf(SparseEncoder.TermId(t)));
        var total = weights.Values.Sum();
        foreach (var study in studies.Take(StudiesScored))
        {
            Func<string, bool> contains = study.Terms is { } vector
                ? t => vector.WeightOf(SparseEncoder.TermId(t)) > 0
                : TermsOf(study).Terms.Contains;
            perStudy[study.Id] = total <= 0 ? 0 : weights.Where(kv => contains(kv.Key)).Sum(kv => kv.Value) / total;
        }

        if (subjects.Count == 0) return new Evidence(perStudy.Values.DefaultIfEmpty(0).Max(), perStudy, []);
        var top = studies.Take(StudiesForNames).Select(s => TermsOf(s).Words).ToList();
        var missing = subjects.Where(n => !top.Any(words => words.Contains(n))).ToList();
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

    /// <summary>Stemmed words that carry no topic in a question: greetings, politeness, who is asking and why.</summary>
    private static readonly HashSet<string> Filler = TextAnalyzer.Instance.Analyze(
        "hey hi hello hiya greetings thanks thank please quick question questions curious wondering wonder quickly " +
        "manager boss colleague colleagues coworker friend friends interviewer interview asked asking ask wants wanted " +
        "help explain describe briefly short summary overview basically actually really exactly generally typically " +
        "folks guys everyone anybody somebody").ToHashSet(StringComparer.Ordinal);

    // A name: one or more capitalised words ("Spotify Wrapped", "Apple Notes").
    private const string Name = @"[\p{Lu}][\p{L}\p{N}]*(?:[-.][\p{L}\p{N}]+)*(?:\s+[\p{Lu}][\p{L}\p{N}]*(?:[-.][\p{L}\p{N}]+)*)*";

    [GeneratedRegex(
        @"\b(?:my|our|a|the)\s+(?:[\p{Ll}-]+\s+){0,2}?(?:manager|boss|colleague|coworker|co-worker|friend|teammate|lead|cto|ceo|vp|interviewer|mentor|professor|teacher|client|customer|company|startup|team|name)\s+(?:is\s+|at\s+|from\s+)?(" + Name + @")"
        + @"|\b(?:I'm|I am|this is|I work at|I work for|we are|we're|interview(?:ing)? (?:at|with)|team at|job at|work at)\s+(" + Name + @")"
        + @"|^\s*(?:hi|hey|hello|dear|yo)\s+(" + Name + @")"
        + @"|\b(?:at|for|from|with)\s+(" + Name + @")(?=\s*,|\s+(?:we|I|our|my)\b|\s*\))"
        + @"|(" + Name + @")\s+(?:asked|asks|wants|wanted|says|said|told|here|thinks|wonders)\b", RegexOptions.IgnoreCase)]
    private static partial Regex IncidentalPattern();

    /// <summary>
    /// Names that say who is asking rather than what is asked: "my manager Bob", "I'm at Acme", "Hi Sam", "Priya
    /// asked", "(asking for my team at Globex)". Capitalisation is matched case-insensitively only in the lead words.
    /// </summary>
    public static HashSet<string> IncidentalNames(string question)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match m in IncidentalPattern().Matches(question))
            for (var g = 1; g < m.Groups.Count; g++)
                if (m.Groups[g].Success && char.IsUpper(m.Groups[g].Value[0]))
                    foreach (var part in TextAnalyzer.Words(m.Groups[g].Value)) found.Add(part);
        return found;
    }

    private (HashSet<string> Terms, HashSet<string> Words) TermsOf(StudyRecord study) =>
        _cache.GetOrAdd($"{study.Id}\n{study.ContentHash}", _ =>
        {
            var text = ChunkContext.Metadata(study.Title, study.Company, study.Tags) + "\n"
                + string.Join("\n", study.Sections.Select(s => s.Heading + "\n" + s.Text));
            return (TextAnalyzer.Instance.Analyze(text).ToHashSet(StringComparer.Ordinal), TextAnalyzer.Words(text).ToHashSet(StringComparer.Ordinal));
        });
}
