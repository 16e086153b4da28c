using CaseStudyAssistant.Retrieval;

namespace CaseStudyAssistant.Indexing;

/// <summary>
/// Turns analyzed terms into sparse vectors. Documents carry BM25's saturated term frequency (k1, b, against a fixed
/// average length so a weight never depends on the rest of the corpus); the store multiplies by IDF at query time
/// (Qdrant: <c>modifier: idf</c>; the embedded store: the same formula). Together that is BM25.
/// </summary>
public static class SparseEncoder
{
    public const float K1 = 1.2f;
    public const float B = 0.75f;
    /// <summary>Typical analyzed length of a chunk with its context; fixed so weights are corpus-independent.</summary>
    public const float AverageLength = 110f;
    /// <summary>Typical analyzed length of a whole study, for the study-level vectors.</summary>
    public const float AverageStudyLength = 500f;

    public static uint TermId(string term)
    {
        // FNV-1a, 32 bits: stable across processes and machines (string.GetHashCode is not).
        uint hash = 2166136261;
        foreach (var ch in term) { hash ^= ch; hash *= 16777619; }
        return hash;
    }

    public static SparseVector EncodeDocument(IReadOnlyCollection<string> terms, float averageLength = AverageLength)
    {
        var counts = Count(terms);
        var norm = K1 * (1 - B + B * terms.Count / averageLength);
        return Build(counts, tf => tf * (K1 + 1) / (tf + norm));
    }

    public static SparseVector EncodeQuery(IEnumerable<string> terms) => Build(Count(terms), _ => 1f);

    /// <summary>BM25 IDF as Qdrant computes it: ln(1 + (N − n + 0.5) / (n + 0.5)).</summary>
    public static double Idf(long documents, long containing) =>
        Math.Log(1 + (documents - containing + 0.5) / (containing + 0.5));

    private static Dictionary<uint, int> Count(IEnumerable<string> terms)
    {
        var counts = new Dictionary<uint, int>();
        foreach (var t in terms) counts[TermId(t)] = counts.GetValueOrDefault(TermId(t)) + 1;
        return counts;
    }

    private static SparseVector Build(Dictionary<uint, int> counts, Func<float, float> weight)
    {
        var ids = counts.Keys.Order().ToArray();
        return new SparseVector(ids, ids.Select(id => weight(counts[id])).ToArray());
    }
}
