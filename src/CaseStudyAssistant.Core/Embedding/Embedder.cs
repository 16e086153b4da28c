using CaseStudyAssistant.Indexing;
using Microsoft.Extensions.AI;

namespace CaseStudyAssistant.Embedding;

/// <summary>
/// The pipeline's one way to embed: passages (chunks, answer sentences, rubric points) through the vector cache,
/// questions directly and marked as queries. Knows which model it is, for the index's model check.
/// </summary>
public sealed class Embedder(IEmbeddingGenerator<string, Embedding<float>> generator, EmbeddingCache cache)
{
    private EmbeddingModelInfo? _model;
    private CachedEmbeddingGenerator? _cached;

    public IEmbeddingGenerator<string, Embedding<float>> Generator => generator;
    public IEmbeddingWindow? Window => generator.GetService<IEmbeddingWindow>();

    public async Task<EmbeddingModelInfo> ModelAsync(CancellationToken ct = default)
    {
        if (_model is not null) return _model;
        var meta = generator.GetService<EmbeddingGeneratorMetadata>();
        if (meta?.DefaultModelId is { } name && meta.DefaultModelDimensions is { } dims) return _model = new EmbeddingModelInfo(name, dims);
        var probe = await generator.GenerateAsync(["dimension probe"], cancellationToken: ct);
        return _model = new EmbeddingModelInfo(meta?.DefaultModelId ?? probe[0].ModelId ?? "unknown", probe[0].Vector.Length);
    }

    private async Task<CachedEmbeddingGenerator> CachedAsync(CancellationToken ct)
    {
        if (_cached is not null) return _cached;
        var model = await ModelAsync(ct);
        return _cached = new CachedEmbeddingGenerator(generator, cache, model.Name, model.Dimensions);
    }

    /// <summary>Passages embedded and read from the cache by this process.</summary>
    public (long Cached, long Embedded) Counts => _cached?.Counts ?? (0, 0);

    public async Task<float[][]> EmbedPassagesAsync(IReadOnlyList<string> passages, CancellationToken ct = default)
    {
        if (passages.Count == 0) return [];
        var cached = await CachedAsync(ct);
        var result = await cached.GenerateAsync(passages, cancellationToken: ct);
        return result.Select(e => e.Vector.ToArray()).ToArray();
    }

    public async Task<float[]> EmbedQueryAsync(string question, CancellationToken ct = default) =>
        (await generator.GenerateAsync([question], EmbeddingInput.Query, ct))[0].Vector.ToArray();
}
