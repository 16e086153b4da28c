using System.Text;
using System.Text.RegularExpressions;
using CaseStudyAssistant.Chunking;
using CaseStudyAssistant.Retrieval;

namespace CaseStudyAssistant.Answering;

/// <summary>
/// The offline answer: from each of the best-supported studies, the sentences of its retrieved chunks that share
/// the most (IDF-weighted) terms with the question, in the study's own order, each ending with the study's [n].
/// It never writes a sentence of its own, so every claim is a quotation of a cited source.
/// </summary>
public sealed partial class ExtractiveAnswerer(AnsweringOptions options) : IAnswerGenerator
{
    public string Mode => AnswerModes.Extractive;

    [GeneratedRegex(@"\d")]
    private static partial Regex Digit();

    public Task<Answer> GenerateAsync(RetrievalResult retrieval, CancellationToken ct = default)
    {
        var studies = SelectStudies(retrieval, options);
        var terms = retrieval.QueryTerms.ToHashSet(StringComparer.Ordinal);
        var wantsNumbers = AsksForNumbers(retrieval.Question);
        var text = new StringBuilder();
        var citations = new List<Citation>();

        foreach (var group in studies)
        {
            var n = citations.Count + 1;
            var study = group[0].Study;
            var candidates = group
                .SelectMany(c => SentenceSplitter.Split(c.Chunk.Text).Select((s, i) => (Chunk: c, Sentence: s, Order: c.Chunk.Ordinal * 1000 + i)))
                .DistinctBy(x => x.Sentence)
                .Select(x => (x.Chunk, x.Sentence, x.Order, Score: SentenceScore(x.Sentence, terms, wantsNumbers)))
                .Where(x => x.Score > 0)
                .OrderByDescending(x => x.Score).ThenBy(x => x.Order)
                .Take(options.SentencesPerStudy)
                .OrderBy(x => x.Order)
                .ToList();
            if (candidates.Count == 0) continue;

            var best = candidates.OrderByDescending(c => c.Score).First().Chunk;
            citations.Add(new Citation(n, study.Id, study.Title, study.Company, study.Year, study.SourceUrl, best.Chunk.Id, best.Chunk.Heading));
            if (text.Length > 0) text.Append("\n\n");
            text.Append($"{study.Company} — {study.Title}{(study.Year is { } y ? $" ({y})" : "")}:");
            foreach (var c in candidates) text.Append($"\n- {Clean(c.Sentence)} [{n}]");
        }

        return Task.FromResult(new Answer
        {
            Question = retrieval.Question,
            Text = text.ToString(),
            Refused = false,
            Mode = Mode,
            Citations = citations,
            Evidence = retrieval.Evidence,
        });
    }

    /// <summary>The best-supported study, then others whose evidence comes close to it, in retrieval order.</summary>
    public static List<List<RetrievedChunk>> SelectStudies(RetrievalResult retrieval, AnsweringOptions options)
    {
        var groups = retrieval.Chunks.GroupBy(c => c.Study.Id).Select(g => g.ToList()).ToList();
        if (groups.Count == 0) return [];
        var best = groups.Max(g => retrieval.StudyEvidence.GetValueOrDefault(g[0].Study.Id));
        var first = groups[0];
        return groups
            .Where(g => g == first || retrieval.StudyEvidence.GetValueOrDefault(g[0].Study.Id) >= options.RelativeEvidence * best)
            .Take(options.MaxStudies)
            .ToList();
    }

    private static double SentenceScore(string sentence, HashSet<string> terms, bool wantsNumbers)
    {
        var words = TextAnalyzer.Instance.Analyze(sentence);
        if (words.Count == 0) return 0;
        var matched = words.Where(terms.Contains).Distinct().Count();
        if (matched == 0) return 0;
        var score = matched + 0.1 * Math.Min(words.Count, 30) / 30.0;
        if (wantsNumbers && Digit().IsMatch(sentence)) score += 1;
        return score;
    }

    private static bool AsksForNumbers(string question)
    {
        var q = question.ToLowerInvariant();
        return q.Contains("how much") || q.Contains("how many") || q.Contains("what percent") || q.Contains("how large")
            || q.Contains("how big") || q.Contains("how fast") || q.Contains("by how") || q.Contains('%')
            || q.Contains("figure") || q.Contains("number") || q.Contains("metric") || q.Contains("result")
            || q.Contains("latency") || q.Contains("improve") || q.Contains("reduc") || q.Contains("increase");
    }

    private static string Clean(string sentence) => sentence.TrimStart('-', '*', '•', ' ').Trim();
}
