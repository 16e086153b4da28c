namespace CaseStudyAssistant.Indexing;

/// <summary>Term ids (sorted ascending, unique) and their weights; the shape Qdrant's sparse vectors take.</summary>
public sealed record SparseVector(uint[] Indices, float[] Values)
{
    public static readonly SparseVector Empty = new([], []);
    public int Count => Indices.Length;

    public float WeightOf(uint id)
    {
        var i = Array.BinarySearch(Indices, id);
        return i >= 0 ? Values[i] : 0f;
    }

    public byte[] ToBytes()
    {
        var bytes = new byte[Indices.Length * 8];
        Buffer.BlockCopy(Indices, 0, bytes, 0, Indices.Length * 4);
        Buffer.BlockCopy(Values, 0, bytes, Indices.Length * 4, Values.Length * 4);
        return bytes;
    }

    public static SparseVector FromBytes(byte[] bytes)
    {
        var n = bytes.Length / 8;
        var ids = new uint[n]; var values = new float[n];
        Buffer.BlockCopy(bytes, 0, ids, 0, n * 4);
        Buffer.BlockCopy(bytes, n * 4, values, 0, n * 4);
        return new SparseVector(ids, values);
    }
}
