using System.Diagnostics;
using CaseStudyAssistant.Indexing;
using CaseStudyAssistant.Embedding;

namespace CaseStudyAssistant.Retrieval;

public sealed record RetrievedChunk(int Rank, StoreHit Hit, IReadOnlyList<string> MatchedTerms, int? StudyRank)
{
    public StudyRecord Study => Hit.Study;
    public ChunkRecord Chunk => Hit.Chunk;
}

/// <summary>Hits in final order, the question's terms, and how strongly the best study covers them (0–1).</summary>
public sealed record RetrievalResult(
    string Question, IReadOnlyList<RetrievedChunk> Chunks, IReadOnlyList<string> QueryTerms,
    IReadOnlyDictionary<string, double> TermWeights, Evidence Evidence, double EmbedMs, double SearchMs)
{
    public IReadOnlyDictionary<string, double> StudyEvidence => Evidence.PerStudy;

    /// <summary>The same retrieval with only its first <paramref name="top"/> chunks.</summary>
    public RetrievalResult Take(int top) => Chunks.Count <= top ? this : this with { Chunks = Chunks.Take(top).ToList() };
}

/// <summary>
/// Hybrid retrieval above the store: encodes the question both ways, asks the store for fused candidates, keeps
/// at most a few chunks per study, and measures the evidence (IDF-weighted share of the question's terms that the
/// best study contains) used to decide whether the corpus answers the question at all. A deeper retrieval (a larger
/// <c>top</c>) extends the default one: its first chunks and its evidence are those of the default retrieval.
/// </summary>
public sealed class Retriever(IStudyIndex index, Embedder embedder, RetrievalOptions options)
{
    private EmbeddingModelInfo? _checkedModel;
    private readonly EvidenceScorer _evidence = new();

    /// <summary>Chunks a retrieval returns when no <c>top</c> is asked for.</summary>
    public int DefaultTop => options.Top;

    public async Task<RetrievalResult> RetrieveAsync(string question, SearchFilter? filter = null, int? top = null, CancellationToken ct = default)
    {
        await EnsureCompatibleAsync(ct);
        var clock = Stopwatch.StartNew();
        var terms = TextAnalyzer.Instance.Analyze(question);
        var sparse = SparseEncoder.EncodeQuery(terms);
        float[] dense = [];
        if (options.DenseWeight > 0)
            using (Telemetry.Source.StartActivity("csa.retrieve.embed"))
                dense = await embedder.EmbedQueryAsync(question, ct);
        var embedMs = clock.Elapsed.TotalMilliseconds;
        clock.Restart();

        var limit = top ?? options.Top;
        var defaultHits = HitsFor(options.Top);
        using var search = Telemetry.Source.StartActivity("csa.retrieve.search");
        var found = await index.SearchAsync(new HybridQuery
        {
            Dense = dense, Sparse = sparse, Filter = filter ?? SearchFilter.None,
            CandidatePool = options.CandidatePool, RrfK = options.RrfK, SparseWeight = options.SparseWeight, DenseWeight = options.DenseWeight,
            Limit = Math.Max(HitsFor(limit), defaultHits),
            StudyPool = options.StudyWeight > 0 ? options.CandidatePool : 0,
        }, ct);
        search?.SetTag("csa.hits", found.Chunks.Count);
        search?.Dispose();
        var studyRanks = found.Studies.Select((id, i) => (id, i)).ToDictionary(x => x.id, x => x.i, StringComparer.Ordinal);
        // The store's hits come best first, so its first defaultHits are the hits of a default retrieval. They are
        // ranked and measured on their own, and deeper hits only follow them: with the study ranking added, a deeper
        // hit could otherwise overtake them, and a deeper top would change the chunks and evidence of the default one.
        var head = FuseStudyRanking(found.Chunks.Take(defaultHits).ToList(), studyRanks);
        var hits = head.Concat(FuseStudyRanking(found.Chunks.Skip(defaultHits).ToList(), studyRanks)).ToList();

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
        var candidates = head.Select(h => h.Study).DistinctBy(s => s.Id).ToList();
        var similarity = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var h in head)
            if (h.DenseScore is { } cosine) similarity[h.Study.Id] = Math.Max(similarity.GetValueOrDefault(h.Study.Id, -1), cosine);
        var evidence = _evidence.Score(question, unique, stats, candidates) with
        {
            Similarity = similarity.Count == 0 ? 0 : similarity.Values.Max(), PerStudySimilarity = similarity,
        };
        var termWeights = unique.ToDictionary(t => t, t => stats.Idf(SparseEncoder.TermId(t)));
        var chunks = kept.Select((h, i) => new RetrievedChunk(i + 1, h, Matched(unique, h), studyRanks.TryGetValue(h.Study.Id, out var sr) ? sr + 1 : null)).ToList();
        return new RetrievalResult(question, chunks, unique, termWeights, evidence, embedMs, clock.Elapsed.TotalMilliseconds);
    }

    /// <summary>Store hits asked for to keep <paramref name="top"/> chunks after the per-study cap.</summary>
    private int HitsFor(int top) => Math.Max(top * options.MaxChunksPerStudy * 4, options.CandidatePool);

    /// <summary>
    /// Adds the study-level ranking into each chunk's fused score (same RRF form), so a study that matches the
    /// question across its sections lifts its best passages; the chunk legs still decide which passages show.
    /// </summary>
    private List<StoreHit> FuseStudyRanking(IReadOnlyList<StoreHit> hits, Dictionary<string, int> studyRanks)
    {
        if (studyRanks.Count == 0 || options.StudyWeight <= 0) return hits.ToList();
        return hits
            .Select(h => studyRanks.TryGetValue(h.Study.Id, out var rank) ? h with { Score = h.Score + Rrf.Score(rank, options.RrfK, options.StudyWeight) } : h)
            .OrderByDescending(h => h.Score).ThenBy(h => h.Chunk.Id, StringComparer.Ordinal)
            .ToList();
    }

    private async Task EnsureCompatibleAsync(CancellationToken ct)
    {
        if (_checkedModel is not null) return;
        var state = await index.GetStateAsync(ct);
        if (state.Model is { } indexed) IndexCompatibility.Check(indexed, await embedder.ModelAsync(ct), index.Location);
        _checkedModel = state.Model ?? new EmbeddingModelInfo("", 0);
    }

    private static List<string> Matched(List<string> terms, StoreHit hit)
    {
        var found = TextAnalyzer.Instance.Analyze($"{ChunkContext.Metadata(hit.Study.Title, hit.Study.Company, hit.Study.Tags)}\n{hit.Chunk.Heading}\n{hit.Chunk.Text}").ToHashSet();
        return terms.Where(found.Contains).ToList();
    }
}
