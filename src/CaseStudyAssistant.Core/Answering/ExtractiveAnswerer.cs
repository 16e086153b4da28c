using System.Text;
using System.Text.RegularExpressions;
using CaseStudyAssistant.Chunking;
using CaseStudyAssistant.Indexing;
using CaseStudyAssistant.Retrieval;

namespace CaseStudyAssistant.Answering;

/// <summary>
/// The offline answer: from each of the best-supported studies, the sentences that carry most of the question's
/// (IDF-weighted) terms, in the study's own order, each ending with the study's [n]; for the lead study also its
/// headline result. It never writes a claim of its own: every line is a quotation of the cited source.
/// </summary>
public sealed partial class ExtractiveAnswerer(AnsweringOptions options) : IAnswerGenerator
{
    public string Mode => AnswerModes.Extractive;

    /// <summary>Extra sentences the lead study may contribute beyond <see cref="AnsweringOptions.SentencesPerStudy"/>.</summary>
    private const int LeadStudyBonusSentences = 3;
    private const int MinWords = 4;

    [GeneratedRegex(@"\d")]
    private static partial Regex Digit();

    private sealed record Candidate(string Sentence, string Heading, int Order, double Score, IReadOnlyList<string> Terms);

    /// <summary>Share of a term's weight left once a chosen sentence has covered it: favours sentences that add something new.</summary>
    private const double CoveredTermWeight = 0.2;

    /// <summary>Greedy selection: each pick is the sentence that adds the most still-uncovered question weight.</summary>
    private static List<Candidate> Pick(List<Candidate> all, IReadOnlyDictionary<string, double> weights, int count, bool wantsNumbers)
    {
        var remaining = all.Where(c => c.Score > 0).ToList();
        var left = weights.ToDictionary(kv => kv.Key, kv => kv.Value);
        var total = Math.Max(weights.Values.Sum(), 1e-9);
        var picked = new List<Candidate>();
        while (picked.Count < count && remaining.Count > 0)
        {
            Candidate? best = null; var bestGain = 0.0;
            foreach (var c in remaining)
            {
                var gain = c.Terms.Where(left.ContainsKey).Sum(t => left[t]) / total + (c.Score - Coverage(c, weights, total));
                if (gain > bestGain + 1e-12) { best = c; bestGain = gain; }
            }
            if (best is null) break;
            picked.Add(best); remaining.Remove(best);
            foreach (var t in best.Terms) if (left.ContainsKey(t)) left[t] = weights[t] * CoveredTermWeight;
        }
        return picked;
    }

    private static double Coverage(Candidate c, IReadOnlyDictionary<string, double> weights, double total) =>
        c.Terms.Where(weights.ContainsKey).Sum(t => weights[t]) / total;

    public Task<Answer> GenerateAsync(RetrievalResult retrieval, AnswerStream? stream = null, CancellationToken ct = default)
    {
        var studies = SelectStudies(retrieval, options);
        var wantsNumbers = AsksForNumbers(retrieval.Question);
        var text = new StringBuilder();
        var citations = new List<Citation>();

        foreach (var group in studies)
        {
            var study = group[0].Study;
            var lead = citations.Count == 0;
            var all = Candidates(study, group, retrieval.TermWeights, wantsNumbers);
            var picked = Pick(all, retrieval.TermWeights, options.SentencesPerStudy + (lead ? LeadStudyBonusSentences : 0), wantsNumbers);
            if (picked.Count == 0) continue;
            if (lead && !picked.Any(c => IsResults(c.Heading)) && HeadlineResult(all) is { } result) picked.Add(result);

            var n = citations.Count + 1;
            var best = group[0].Chunk;
            citations.Add(new Citation(n, study.Id, study.Title, study.Company, study.Year, study.SourceUrl, best.Id, best.Heading,
                string.Join(" ", picked.OrderBy(c => c.Order).Select(c => Clean(c.Sentence))), SectionPages.PageOf(study, best)));
            if (text.Length > 0) text.Append("\n\n");
            text.Append($"{study.Company} — {study.Title}{(study.Year is { } y ? $" ({y})" : "")}:");
            foreach (var c in picked.OrderBy(c => c.Order)) text.Append($"\n- {Clean(c.Sentence)} [{n}]");
        }

        if (citations.Count == 0)
        {
            // Nothing quotable: say so rather than answer with nothing.
            var refusal = Refusals.For(retrieval);
            stream?.OnSources?.Invoke([]);
            stream?.OnText?.Invoke(refusal.Text);
            return Task.FromResult(refusal);
        }
        stream?.OnSources?.Invoke(citations);
        stream?.OnText?.Invoke(text.ToString());
        return Task.FromResult(new Answer
        {
            Question = retrieval.Question,
            Text = text.ToString(),
            Refused = false,
            Mode = Mode,
            Citations = citations,
            Evidence = retrieval.Evidence.Best,
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
            .Where(g => g == first || retrieval.StudyEvidence.GetValueOrDefault(g[0].Study.Id) >= Math.Max(options.MinEvidence, options.RelativeEvidence * best))
            .Take(options.MaxStudies)
            .ToList();
    }

    /// <summary>Every sentence of the study (its stored sections, else its retrieved chunks), scored against the question.</summary>
    private static List<Candidate> Candidates(StudyRecord study, List<RetrievedChunk> retrieved, IReadOnlyDictionary<string, double> weights, bool wantsNumbers)
    {
        var sections = study.Sections.Count > 0
            ? study.Sections.Select(s => (s.Heading, s.Text)).ToList()
            : retrieved.OrderBy(c => c.Chunk.Ordinal).Select(c => (c.Chunk.Heading, c.Chunk.Text)).ToList();
        var total = weights.Values.Sum();
        var list = new List<Candidate>();
        var order = 0;
        foreach (var (heading, body) in sections)
        {
            foreach (var sentence in SentenceSplitter.Split(body))
            {
                order++;
                var terms = TextAnalyzer.Instance.Analyze(sentence);
                // A lead-in ("It added three checks:") says nothing without the list that follows it.
                if (TextAnalyzer.Words(sentence).Count() < MinWords || sentence.EndsWith(':')) continue;
                var coverage = total <= 0 ? 0 : terms.Distinct().Where(weights.ContainsKey).Sum(t => weights[t]) / total;
                var score = coverage;
                if (coverage > 0 && wantsNumbers && Digit().IsMatch(sentence)) score += 0.15;
                if (coverage > 0 && wantsNumbers && IsResults(heading)) score += 0.15;
                if (IsStack(heading)) score *= 0.8;
                list.Add(new Candidate(sentence, heading, order, score, terms.Distinct().ToList()));
            }
        }
        return list.DistinctBy(c => c.Sentence).ToList();
    }

    /// <summary>The lead study's most quantified result, so an answer says what the system achieved.</summary>
    private static Candidate? HeadlineResult(List<Candidate> all) =>
        all.Where(c => IsResults(c.Heading) && Digit().IsMatch(c.Sentence))
            .OrderByDescending(c => c.Score).ThenBy(c => c.Order).FirstOrDefault();

    private static bool IsResults(string heading) =>
        heading.Contains("result", StringComparison.OrdinalIgnoreCase) || heading.Contains("impact", StringComparison.OrdinalIgnoreCase)
        || heading.Contains("outcome", StringComparison.OrdinalIgnoreCase);

    private static bool IsStack(string heading) =>
        heading.StartsWith("stack", StringComparison.OrdinalIgnoreCase) || heading.Contains("tech stack", StringComparison.OrdinalIgnoreCase);

    private static bool AsksForNumbers(string question)
    {
        var q = question.ToLowerInvariant();
        string[] cues = ["how much", "how many", "what percent", "how large", "how big", "how fast", "by how", "%", "figure",
            "number", "metric", "result", "latency", "improve", "reduc", "increase", "cut", "gain", "lift", "faster", "cheaper", "cost", "accuracy", "scale"];
        return cues.Any(q.Contains);
    }

    private static string Clean(string sentence) => sentence.TrimStart('-', '*', '•', ' ').Trim();
}
