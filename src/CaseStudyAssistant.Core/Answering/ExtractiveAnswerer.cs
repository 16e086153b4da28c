using System.Text;
using System.Text.RegularExpressions;
using System.Numerics.Tensors;
using CaseStudyAssistant.Chunking;
using CaseStudyAssistant.Embedding;
using CaseStudyAssistant.Indexing;
using CaseStudyAssistant.Retrieval;

namespace CaseStudyAssistant.Answering;

/// <summary>
/// The offline answer: from each of the best-supported studies, the sentences closest to the question in meaning
/// and in its (IDF-weighted) terms, each pick favouring what the picks before it did not cover (maximal marginal
/// relevance), in the study's own order, each ending with the study's [n]; for the lead study also its headline
/// result. It never writes a claim of its own: every line is a quotation of the cited source, and when the studies
/// only touch the question it says which part they leave out.
/// </summary>
public sealed partial class ExtractiveAnswerer(AnsweringOptions options, Embedder? embedder = null) : IAnswerGenerator
{
    public string Mode => AnswerModes.Extractive;

    /// <summary>Extra sentences the lead study may contribute beyond <see cref="AnsweringOptions.SentencesPerStudy"/>.</summary>
    private const int LeadStudyBonusSentences = 3;
    private const int MinWords = 4;

    [GeneratedRegex(@"\d")]
    private static partial Regex Digit();

    private sealed record Candidate(string Sentence, string Heading, int Order, double Score, IReadOnlyList<string> Terms)
    {
        public float[]? Vector { get; set; }
        public double Similarity { get; set; }
    }

    /// <summary>How much a sentence that repeats an earlier pick (cosine to it) is held back.</summary>
    private const double RedundancyWeight = 0.5;

    /// <summary>Share of a term's weight left once a chosen sentence has covered it: favours sentences that add something new.</summary>
    private const double CoveredTermWeight = 0.2;

    /// <summary>Greedy selection: each pick is the sentence that adds the most still-uncovered question weight.</summary>
    private static List<Candidate> Pick(List<Candidate> all, IReadOnlyDictionary<string, double> weights, int count, double meaningWeight)
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
                if (c.Vector is { } v)
                {
                    var redundancy = picked.Where(p => p.Vector is not null).Select(p => (double)TensorPrimitives.Dot(v, p.Vector!)).DefaultIfEmpty(0).Max();
                    gain += meaningWeight * (c.Similarity - RedundancyWeight * Math.Max(0, redundancy));
                }
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

    /// <summary>Written whole (nothing to stream); with nothing quotable it cites nothing, which makes it a refusal.</summary>
    public async Task<AnswerDraft> GenerateAsync(RetrievalResult retrieval, DraftStream? stream = null, CancellationToken ct = default, bool keepUnsupported = false)
    {
        var studies = SelectStudies(retrieval, options);
        var wantsNumbers = AsksForNumbers(retrieval.Question);
        var text = new StringBuilder();
        var citations = new List<Citation>();
        var candidates = studies.Select(g => Candidates(g[0].Study, g, retrieval.TermWeights, wantsNumbers)).ToList();
        await AddMeaningAsync(retrieval.Question, candidates.SelectMany(c => c).ToList(), ct);

        for (var gi = 0; gi < studies.Count; gi++)
        {
            var group = studies[gi];
            var study = group[0].Study;
            var lead = citations.Count == 0;
            var all = candidates[gi];
            var picked = Pick(all, retrieval.TermWeights, options.SentencesPerStudy + (lead ? LeadStudyBonusSentences : 0), options.MeaningWeight);
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

        if (citations.Count > 0 && PartialCoverage(retrieval, citations) is { } notice) text.Insert(0, notice + "\n\n");
        return new AnswerDraft(new Answer
        {
            Question = retrieval.Question,
            Text = text.ToString(),
            Refused = false,
            Mode = Mode,
            Citations = citations,
            Evidence = retrieval.Evidence.Best,
        }, retrieval);
    }

    /// <summary>Each candidate's cosine to the question, so selection weighs meaning, not just shared words.</summary>
    private async Task AddMeaningAsync(string question, List<Candidate> all, CancellationToken ct)
    {
        if (embedder is null || all.Count == 0 || options.MeaningWeight <= 0) return;
        var query = await embedder.EmbedQueryAsync(question, ct);
        var vectors = await embedder.EmbedPassagesAsync(all.Select(c => c.Sentence).ToList(), ct);
        for (var i = 0; i < all.Count; i++)
        {
            all[i].Vector = vectors[i];
            all[i].Similarity = query.Length == vectors[i].Length ? TensorPrimitives.Dot(query, vectors[i]) : 0;
        }
    }

    /// <summary>
    /// When a heavy share of the question's weight lies in words that none of the cited studies contain, the answer
    /// opens by saying what the studies cover and which part of the question they do not.
    /// </summary>
    private static string? PartialCoverage(RetrievalResult retrieval, List<Citation> citations)
    {
        var cited = citations.Select(c => c.DocId).ToHashSet(StringComparer.Ordinal);
        var studies = retrieval.Chunks.Select(c => c.Study).Where(s => cited.Contains(s.Id)).DistinctBy(s => s.Id).ToList();
        if (studies.Count == 0 || retrieval.TermWeights.Count == 0) return null;
        // The stored whole-study term vector answers "does the study contain this term" without analysing it again.
        var contains = studies.Select(s => s.Terms is { } terms
            ? (Func<string, bool>)(t => terms.WeightOf(SparseEncoder.TermId(t)) > 0)
            : TextAnalyzer.Instance.Analyze(ChunkContext.Metadata(s.Title, s.Company, s.Tags) + "\n"
                + string.Join("\n", s.Sections.Select(x => x.Heading + "\n" + x.Text))).ToHashSet().Contains).ToList();
        var missing = retrieval.TermWeights.Where(kv => !contains.Any(c => c(kv.Key))).ToList();
        var total = retrieval.TermWeights.Values.Sum();
        if (total <= 0 || missing.Sum(kv => kv.Value) / total < MissingShareForNotice) return null;
        var missingStems = missing.Select(kv => kv.Key).ToHashSet();
        var words = TextAnalyzer.Words(retrieval.Question).Where(w => TextAnalyzer.Instance.Analyze(w) is [var stem] && missingStems.Contains(stem)).Distinct().ToList();
        if (words.Count == 0) return null;
        var lead = studies[0];
        return $"The closest studies cover {lead.Title} ({lead.Company}){(studies.Count > 1 ? " and related work" : "")}, not {string.Join(", ", words.Select(w => $"'{w}'"))}; what they say:";
    }

    private const double MissingShareForNotice = 0.3;

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
                // A lead-in ("It added three checks:") says nothing without the list that follows it, and a fragment
                // ("Tier 2, LLM judgment.") says nothing out of its context.
                if (TextAnalyzer.Words(sentence).Count() < MinWords || sentence.EndsWith(':') || IsFragment(sentence)) continue;
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

    /// <summary>Short and verbless: a label or list fragment rather than a statement.</summary>
    private static bool IsFragment(string sentence)
    {
        var words = TextAnalyzer.Words(sentence).ToList();
        if (words.Count >= FragmentWords) return false;
        return !words.Any(w => w.EndsWith("ed") || w.EndsWith("es") || w.EndsWith("s") && w.Length > 3 || CommonVerbs.Contains(w));
    }

    private const int FragmentWords = 7;
    private static readonly HashSet<string> CommonVerbs = ["is", "are", "was", "were", "has", "have", "had", "can", "runs", "run", "use", "uses", "cut", "set", "put", "became", "made", "built", "grew", "fell", "rose", "took"];

    private static string Clean(string sentence) => sentence.TrimStart('-', '*', '•', ' ').Trim();
}
