using System.Diagnostics;
using CaseStudyAssistant.Answering;
using CaseStudyAssistant.Indexing;
using CaseStudyAssistant.Retrieval;

namespace CaseStudyAssistant.Evaluation;

public enum RetrieverKind { Default, Fts5 }

/// <summary>Runs labelled questions through retrieval and the answerer and scores them.</summary>
public sealed class EvalRunner(IStudyIndex index, Retriever retriever, Assistant assistant)
{
    /// <summary>Documents considered for ranking metrics (ndcg@10 needs ten).</summary>
    private const int RankDepth = 10;

    public async Task<EvalReport> RunAsync(IReadOnlyList<EvalItem> items, int topK, RetrieverKind kind, IProgress<int>? progress = null, CancellationToken ct = default)
    {
        var studies = await index.ListStudiesAsync(SearchFilter.None, ct);
        var known = studies.Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
        var unknown = items.SelectMany(i => i.Relevant).Where(id => !known.Contains(id)).Distinct().Order().ToList();
        var warnings = new List<string>();
        if (unknown.Count > 0) warnings.Add($"{unknown.Count} relevant id(s) are not in the index: {string.Join(", ", unknown)}");

        using var fts = new Fts5Baseline(studies);
        var depth = Math.Max(RankDepth, topK);
        var results = new List<QuestionResult>();
        string? model = null;
        IReadOnlyList<PromptInfo> prompts = [];
        var baselineResults = new List<QuestionResult>();
        foreach (var item in items)
        {
            ct.ThrowIfCancellationRequested();
            var baselineRanked = fts.Search(item.Question, depth);
            var baseline = Score(item, baselineRanked);
            baselineResults.Add(baseline);
            if (kind == RetrieverKind.Fts5) { results.Add(baseline); progress?.Report(results.Count); continue; }

            // One retrieval per question: deep enough for the ranking metrics, and cut to the default top it is the
            // retrieval a plain ask makes, so the answer is the one csa ask gives.
            var clock = Stopwatch.StartNew();
            var retrieval = await retriever.RetrieveAsync(item.Question, top: depth * 4, ct: ct);
            var ranked = retrieval.Chunks.Select(c => c.Study.Id).Distinct().Take(depth).ToList();
            var answer = await assistant.AnswerAsync(retrieval.Take(retriever.DefaultTop), clock, ct);
            var latency = clock.Elapsed.TotalMilliseconds;
            var found = item.AnswerFacts.Where(f => !answer.Refused && FactMatcher.IsStated(f, answer.Text)).ToList();
            results.Add(Score(item, ranked) with
            {
                Refused = answer.Refused,
                Cited = answer.Citations.Select(c => c.DocId).Distinct().ToList(),
                FactsFound = found,
                FactsMissed = item.AnswerFacts.Except(found).ToList(),
                Evidence = Math.Round(answer.Evidence, 4),
                Similarity = Math.Round(answer.Similarity, 4),
                LatencyMs = Math.Round(latency, 3),
                Answer = answer.Text,
                Mode = answer.Mode,
                CheckedSentences = answer.CheckedSentences,
                UnsupportedSentences = answer.UnsupportedSentences.Count,
            });
            if (answer.Mode == AnswerModes.Llm) { model = answer.Model; prompts = answer.Prompts; }
            progress?.Report(results.Count);
        }

        return new EvalReport
        {
            Retriever = kind == RetrieverKind.Fts5 ? "fts5" : "default",
            TopK = topK,
            Overall = Aggregate(results, topK),
            ByType = results.GroupBy(r => r.Type).OrderBy(g => Array.IndexOf(EvalDataset.Types, g.Key))
                .ToDictionary(g => g.Key, g => Aggregate(g.ToList(), topK)),
            Questions = results,
            Baseline = kind == RetrieverKind.Fts5 ? null : Aggregate(baselineResults, topK),
            Warnings = warnings,
            Model = model,
            Prompts = prompts,
        };
    }

    private static QuestionResult Score(EvalItem item, IReadOnlyList<string> ranked) => new()
    {
        Id = item.Id, Type = item.Type, Question = item.Question, Relevant = item.Relevant, Ranked = ranked,
        RelevantRanks = item.Relevant.ToDictionary(id => id, id => ranked.ToList().IndexOf(id) is var i && i >= 0 ? i + 1 : (int?)null),
        Ndcg10 = Math.Round(RankingMetrics.Ndcg(ranked, item.Relevant.ToHashSet(), RankDepth), 4),
    };

    /// <summary>Retrieval and answer-quality metrics over answerable items; refusal rate over unanswerable ones.</summary>
    public static IReadOnlyDictionary<string, double?> Aggregate(IReadOnlyList<QuestionResult> results, int topK)
    {
        var answerable = results.Where(r => r.Relevant.Count > 0).ToList();
        var unanswerable = results.Where(r => r.Relevant.Count == 0).ToList();
        double? Mean(IEnumerable<double> values) { var list = values.ToList(); return list.Count == 0 ? null : Math.Round(list.Average(), 4); }
        var answered = answerable.Where(r => r.Refused == false).ToList();
        var withAnswers = results.Any(r => r.Refused is not null);
        var latencies = results.Where(r => r.LatencyMs is not null).Select(r => r.LatencyMs!.Value).ToList();
        return new Dictionary<string, double?>
        {
            [Metrics.Recall5] = Mean(answerable.Select(r => RankingMetrics.Recall(r.Ranked, r.Relevant.ToHashSet(), 5))),
            [Metrics.Recall10] = Mean(answerable.Select(r => RankingMetrics.Recall(r.Ranked, r.Relevant.ToHashSet(), 10))),
            [Metrics.Hit5] = Mean(answerable.Select(r => RankingMetrics.Hit(r.Ranked, r.Relevant.ToHashSet(), 5))),
            [Metrics.Mrr10] = Mean(answerable.Select(r => RankingMetrics.ReciprocalRank(r.Ranked, r.Relevant.ToHashSet(), 10))),
            [Metrics.Ndcg10] = Mean(answerable.Select(r => r.Ndcg10)),
            [Metrics.RefusalRate] = withAnswers ? Mean(unanswerable.Select(r => r.Refused == true ? 1.0 : 0.0)) : null,
            [Metrics.FalseRefusalRate] = withAnswers ? Mean(answerable.Select(r => r.Refused == true ? 1.0 : 0.0)) : null,
            [Metrics.CitationPrecision] = withAnswers ? Mean(answered.Where(r => r.Cited.Count > 0).Select(r => r.Cited.Count(r.Relevant.Contains) / (double)r.Cited.Count)) : null,
            [Metrics.FactRecall] = withAnswers ? Mean(answerable.Where(r => r.FactsFound.Count + r.FactsMissed.Count > 0)
                .Select(r => r.FactsFound.Count / (double)(r.FactsFound.Count + r.FactsMissed.Count))) : null,
            [Metrics.LatencyP50] = latencies.Count == 0 ? null : Math.Round(RankingMetrics.Percentile(latencies, 0.5), 3),
            [Metrics.LatencyP95] = latencies.Count == 0 ? null : Math.Round(RankingMetrics.Percentile(latencies, 0.95), 3),
            [Metrics.UnsupportedRate] = results.Sum(r => r.CheckedSentences) is var cited and > 0
                ? Math.Round(results.Sum(r => r.UnsupportedSentences) / (double)cited, 4) : null,
        };
    }
}
