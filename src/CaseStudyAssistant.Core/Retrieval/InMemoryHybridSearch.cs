using System.Numerics.Tensors;
using CaseStudyAssistant.Indexing;

namespace CaseStudyAssistant.Retrieval;

/// <summary>
/// Exact hybrid search over chunks held in memory: BM25 from the sparse weights (IDF over chunks, as Qdrant
/// computes it), cosine over the dense vectors, each leg cut to the candidate pool, fused by reciprocal rank.
/// </summary>
internal sealed class InMemoryHybridSearch
{
    private readonly StudyRecord[] _studyOf;
    private readonly ChunkRecord[] _chunks;
    private readonly float[] _dense;
    private readonly int _dimensions;
    private readonly Dictionary<uint, (int[] Chunks, float[] Weights)> _postings;
    private readonly StudyRecord[] _studies;
    private readonly Dictionary<uint, (int[] Chunks, float[] Weights)> _studyPostings;

    public int Count => _chunks.Length;
    private const int ParallelThreshold = 20_000;
    private const int Block = 8_192;

    public InMemoryHybridSearch(
        IReadOnlyList<(StudyRecord Study, ChunkRecord Chunk, float[] Dense, SparseVector Sparse)> items,
        IReadOnlyList<(StudyRecord Study, SparseVector Sparse)> studies,
        int dimensions)
    {
        _studies = studies.Select(s => s.Study).ToArray();
        _studyPostings = Postings(studies.Select(s => s.Sparse).ToList());
        _dimensions = dimensions;
        _studyOf = items.Select(i => i.Study).ToArray();
        _chunks = items.Select(i => i.Chunk).ToArray();
        _dense = new float[items.Count * dimensions];
        for (var c = 0; c < items.Count; c++)
            if (items[c].Dense.Length == dimensions) items[c].Dense.AsSpan().CopyTo(_dense.AsSpan(c * dimensions, dimensions));
        _postings = Postings(items.Select(i => i.Sparse).ToList());
    }

    private static Dictionary<uint, (int[] Chunks, float[] Weights)> Postings(IReadOnlyList<SparseVector> vectors)
    {
        var lists = new Dictionary<uint, (List<int> C, List<float> W)>();
        for (var c = 0; c < vectors.Count; c++)
        {
            var sparse = vectors[c];
            for (var k = 0; k < sparse.Count; k++)
            {
                if (!lists.TryGetValue(sparse.Indices[k], out var list)) lists[sparse.Indices[k]] = list = ([], []);
                list.C.Add(c); list.W.Add(sparse.Values[k]);
            }
        }
        return lists.ToDictionary(kv => kv.Key, kv => (kv.Value.C.ToArray(), kv.Value.W.ToArray()));
    }

    /// <summary>BM25 over postings: IDF from the postings' own document count, times the stored weight.</summary>
    private static double[] Bm25(Dictionary<uint, (int[] Chunks, float[] Weights)> postings, int documents, SparseVector query)
    {
        var scores = new double[documents];
        for (var k = 0; k < query.Count; k++)
        {
            if (!postings.TryGetValue(query.Indices[k], out var posting)) continue;
            var weight = query.Values[k] * SparseEncoder.Idf(documents, posting.Chunks.Length);
            for (var i = 0; i < posting.Chunks.Length; i++) scores[posting.Chunks[i]] += weight * posting.Weights[i];
        }
        return scores;
    }

    public TermStatistics Statistics(IEnumerable<uint> ids) =>
        new(_chunks.Length, ids.Distinct().ToDictionary(id => id, id => (long)(_postings.TryGetValue(id, out var p) ? p.Chunks.Length : 0)));

    public StoreSearchResult Search(HybridQuery query)
    {
        if (_chunks.Length == 0) return new([], []);
        bool[]? allowed = null;
        if (!query.Filter.IsEmpty)
        {
            allowed = new bool[_chunks.Length];
            for (var c = 0; c < _chunks.Length; c++) allowed[c] = query.Filter.Matches(_studyOf[c]);
        }

        double[] sparseScores;
        int[] sparseTop;
        using (Telemetry.Source.StartActivity("csa.search.sparse"))
        {
            sparseScores = Bm25(_postings, _chunks.Length, query.Sparse);
            sparseTop = TopK(sparseScores, allowed, query.CandidatePool, requirePositive: true);
        }

        int[] denseTop = [];
        double[]? denseScores = null;
        if (query.DenseWeight > 0 && query.Dense.Length == _dimensions && TensorPrimitives.Norm(query.Dense) > 0)
        {
            using var denseLeg = Telemetry.Source.StartActivity("csa.search.dense");
            var scores = denseScores = new double[_chunks.Length];
            var q = query.Dense;
            // Large stores score in blocks on all cores; small ones are not worth the hand-off.
            void Score(int from, int to)
            {
                for (var c = from; c < to; c++)
                    if (allowed is null || allowed[c]) scores[c] = TensorPrimitives.Dot(q, _dense.AsSpan(c * _dimensions, _dimensions));
            }
            if (_chunks.Length < ParallelThreshold) Score(0, _chunks.Length);
            else Parallel.For(0, (_chunks.Length + Block - 1) / Block, b => Score(b * Block, Math.Min(_chunks.Length, (b + 1) * Block)));
            // Like Qdrant's dense search: the nearest chunks, whatever the sign of their cosine.
            denseTop = TopK(denseScores, allowed, query.CandidatePool, requirePositive: false);
        }

        using var fusion = Telemetry.Source.StartActivity("csa.search.fusion");
        var fused = new Dictionary<int, (double Score, int? SparseRank, int? DenseRank)>();
        for (var r = 0; r < sparseTop.Length; r++)
            fused[sparseTop[r]] = (Rrf.Score(r, query.RrfK, query.SparseWeight), r + 1, null);
        for (var r = 0; r < denseTop.Length; r++)
        {
            var prior = fused.GetValueOrDefault(denseTop[r]);
            fused[denseTop[r]] = (prior.Score + Rrf.Score(r, query.RrfK, query.DenseWeight), prior.SparseRank, r + 1);
        }

        var hits = fused
            .OrderByDescending(kv => kv.Value.Score).ThenBy(kv => _chunks[kv.Key].Id, StringComparer.Ordinal)
            .Take(query.Limit)
            .Select(kv => new StoreHit(_studyOf[kv.Key], _chunks[kv.Key], kv.Value.Score, kv.Value.SparseRank, kv.Value.DenseRank,
                kv.Value.SparseRank is null ? null : sparseScores[kv.Key],
                kv.Value.DenseRank is null || denseScores is null ? null : denseScores[kv.Key]))
            .ToList();
        fusion?.Dispose();
        return new StoreSearchResult(hits, query.StudyPool > 0 ? SearchStudies(query) : []);
    }

    private List<string> SearchStudies(HybridQuery query)
    {
        using var _ = Telemetry.Source.StartActivity("csa.search.studies");
        var scores = Bm25(_studyPostings, _studies.Length, query.Sparse);
        bool[]? allowed = query.Filter.IsEmpty ? null : _studies.Select(query.Filter.Matches).ToArray();
        return TopK(scores, allowed, query.StudyPool, requirePositive: true).Select(i => _studies[i].Id).ToList();
    }

    private static int[] TopK(double[] scores, bool[]? allowed, int k, bool requirePositive)
    {
        var heap = new PriorityQueue<int, double>();
        for (var c = 0; c < scores.Length; c++)
        {
            if (allowed is not null && !allowed[c]) continue;
            if (requirePositive && scores[c] <= 0) continue;
            if (heap.Count < k) heap.Enqueue(c, scores[c]);
            else if (heap.TryPeek(out _, out var min) && scores[c] > min) { heap.Dequeue(); heap.Enqueue(c, scores[c]); }
        }
        var result = new int[heap.Count];
        for (var i = result.Length - 1; i >= 0; i--) result[i] = heap.Dequeue();
        return result;
    }
}
