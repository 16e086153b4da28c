using Microsoft.Extensions.AI;

namespace CaseStudyAssistant.Embedding;

/// <summary>
/// Passage embeddings through the <see cref="EmbeddingCache"/>: cached texts are read back, only the others reach
/// the model, and their vectors are stored. Query embeddings pass straight through (they rarely repeat).
/// </summary>
internal sealed class CachedEmbeddingGenerator(IEmbeddingGenerator<string, Embedding<float>> inner, EmbeddingCache cache, string model, int dimensions)
    : DelegatingEmbeddingGenerator<string, Embedding<float>>(inner)
{
    private long _hits, _misses;

    /// <summary>Passages read from the cache and passages embedded by the model, since this generator was made.</summary>
    public (long Cached, long Embedded) Counts => (Interlocked.Read(ref _hits), Interlocked.Read(ref _misses));

    public override async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var texts = values as IReadOnlyList<string> ?? values.ToList();
        if (EmbeddingInput.IsQuery(options)) return await base.GenerateAsync(texts, options, cancellationToken);

        var vectors = cache.Get(model, texts, dimensions);
        var missing = Enumerable.Range(0, texts.Count).Where(i => vectors[i] is null).ToList();
        Interlocked.Add(ref _hits, texts.Count - missing.Count);
        Interlocked.Add(ref _misses, missing.Count);
        if (missing.Count > 0)
        {
            var embedded = await base.GenerateAsync(missing.Select(i => texts[i]).ToList(), options, cancellationToken);
            var fresh = new List<(string, float[])>(missing.Count);
            for (var k = 0; k < missing.Count; k++)
            {
                var v = embedded[k].Vector.ToArray();
                vectors[missing[k]] = v;
                fresh.Add((texts[missing[k]], v));
            }
            cache.Put(model, fresh);
        }
        return new GeneratedEmbeddings<Embedding<float>>(vectors.Select(v => new Embedding<float>(v!) { ModelId = model }));
    }
}
