using System.Diagnostics;
using CaseStudyAssistant.Indexing;
using Microsoft.Extensions.AI;

namespace CaseStudyAssistant.Retrieval;

public sealed record RetrievedChunk(int Rank, StoreHit Hit, IReadOnlyList<string> MatchedTerms)
{
    public StudyRecord Study => Hit.Study;
    public ChunkRecord Chunk => Hit.Chunk;
}

/// <summary>Hits in final order, the question's terms, and how strongly the best study covers them (0–1).</summary>
public sealed record RetrievalResult(
    string Question, IReadOnlyList<RetrievedChunk> Chunks, IReadOnlyList<string> QueryTerms,
    double Evidence, IReadOnlyDictionary<string, double> StudyEvidence, double EmbedMs, double SearchMs);

/// <summary>
/// Hybrid retrieval above the store: encodes the question both ways, asks the store for fused candidates, keeps
/// at most a few chunks per study, and measures the evidence (IDF-weighted share of the question's terms that the
/// best study contains) used to decide whether the corpus answers the question at all.
/// </summary>
public sealed class Retriever(IStudyIndex index, IEmbeddingGenerator<string, Embedding<float>> embedder, RetrievalOptions options)
{
    private EmbeddingModelInfo? _checkedModel;

    public async Task<RetrievalResult> RetrieveAsync(string question, SearchFilter? filter = null, int? top = null, CancellationToken ct = default)
    {
        await EnsureCompatibleAsync(ct);
        var clock = Stopwatch.StartNew();
        var terms = TextAnalyzer.Instance.Analyze(question);
        var sparse = SparseEncoder.EncodeQuery(terms);
        var dense = options.UseDense ? (await embedder.GenerateAsync([question], cancellationToken: ct))[0].Vector.ToArray() : [];
        var embedMs = clock.Elapsed.TotalMilliseconds;
        clock.Restart();

        var limit = top ?? options.Top;
        var hits = await index.SearchAsync(new HybridQuery
        {
            Dense = dense, Sparse = sparse, Filter = filter ?? SearchFilter.None,
            CandidatePool = options.CandidatePool, RrfK = options.RrfK,
            Limit = Math.Max(limit * options.MaxChunksPerStudy * 4, 50),
        }, ct);

        var perStudy = new Dictionary<string, int>(StringComparer.Ordinal);
        var kept = new List<StoreHit>();
        foreach (var hit in hits)
        {
            var n = perStudy.GetValueOrDefault(hit.Study.Id);
            if (n >= options.MaxChunksPerStudy) continue;
            perStudy[hit.Study.Id] = n + 1;
            kept.Add(hit);
            if (kept.Count == limit) break;
        }

        var unique = terms.Distinct().ToList();
        var stats = await index.GetTermStatisticsAsync(unique.Select(SparseEncoder.TermId).ToList(), ct);
        var (evidence, studyEvidence) = Evidence(unique, stats, hits);
        var chunks = kept.Select((h, i) => new RetrievedChunk(i + 1, h, Matched(unique, h))).ToList();
        return new RetrievalResult(question, chunks, unique, evidence, studyEvidence, embedMs, clock.Elapsed.TotalMilliseconds);
    }

    private async Task EnsureCompatibleAsync(CancellationToken ct)
    {
        if (_checkedModel is not null) return;
        var meta = embedder.GetService<EmbeddingGeneratorMetadata>();
        var state = await index.GetStateAsync(ct);
        if (state.Model is { } indexed && meta?.DefaultModelId is { } name && meta.DefaultModelDimensions is { } dims)
            IndexCompatibility.Check(indexed, new EmbeddingModelInfo(name, dims), index.Location);
        _checkedModel = state.Model ?? new EmbeddingModelInfo("", 0);
    }

    /// <summary>Per study: the IDF mass of question terms found in its retrieved chunks and metadata, over the question's total.</summary>
    private static (double Best, Dictionary<string, double> PerStudy) Evidence(List<string> terms, TermStatistics stats, IReadOnlyList<StoreHit> hits)
    {
        var perStudy = new Dictionary<string, double>(StringComparer.Ordinal);
        if (terms.Count == 0) return (0, perStudy);
        var weights = terms.ToDictionary(t => t, t => stats.Idf(SparseEncoder.TermId(t)));
        var total = weights.Values.Sum();
        foreach (var group in hits.GroupBy(h => h.Study.Id))
        {
            var study = group.First().Study;
            var found = new HashSet<string>(StringComparer.Ordinal);
            found.UnionWith(TextAnalyzer.Instance.Analyze($"{study.Title} {study.Company} {string.Join(' ', study.Tags.Select(t => t.Replace('-', ' ')))}"));
            foreach (var h in group) found.UnionWith(TextAnalyzer.Instance.Analyze(h.Chunk.Heading + "\n" + h.Chunk.Text));
            perStudy[group.Key] = total <= 0 ? 0 : terms.Where(found.Contains).Sum(t => weights[t]) / total;
        }
        return (perStudy.Count == 0 ? 0 : perStudy.Values.Max(), perStudy);
    }

    private static List<string> Matched(List<string> terms, StoreHit hit)
    {
        var found = TextAnalyzer.Instance.Analyze($"{hit.Study.Title} {hit.Study.Company} {string.Join(' ', hit.Study.Tags)} {hit.Chunk.Heading}\n{hit.Chunk.Text}").ToHashSet();
        return terms.Where(found.Contains).ToList();
    }
}
