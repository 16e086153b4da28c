using System.Numerics.Tensors;
using CaseStudyAssistant.Indexing;
using CaseStudyAssistant.Retrieval;
using Microsoft.Extensions.AI;

namespace CaseStudyAssistant.Tests;

/// <summary>
/// A cheap deterministic embedding for tests (any dimension, no model to load): feature hashing of analyzed words, word pairs and character 4-grams into a
/// fixed number of signed dimensions, L2-normalised. No model download and no network. It captures lexical and
/// morphological closeness ("personalise" ~ "personalization", word order in pairs), not meaning: synonyms that
/// share no letters stay apart. A real embedding model plugs in through the same interface.
/// </summary>
internal sealed class HashingEmbeddingGenerator(int dimensions = 384) : IEmbeddingGenerator<string, Embedding<float>>
{
    public const string ModelName = "csa-hashing-v1";
    private readonly EmbeddingGeneratorMetadata _metadata = new("csa-offline", null, ModelName, dimensions);

    public int Dimensions => dimensions;

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var result = new GeneratedEmbeddings<Embedding<float>>();
        foreach (var value in values)
        {
            cancellationToken.ThrowIfCancellationRequested();
            result.Add(new Embedding<float>(Embed(value)) { ModelId = ModelName });
        }
        return Task.FromResult(result);
    }

    public float[] Embed(string text)
    {
        var vector = new float[dimensions];
        var terms = TextAnalyzer.Instance.Analyze(text);
        for (var i = 0; i < terms.Count; i++)
        {
            Add(vector, terms[i], 1f);
            if (i > 0) Add(vector, terms[i - 1] + " " + terms[i], 0.5f);
            var padded = $"<{terms[i]}>";
            for (var k = 0; k + 4 <= padded.Length; k++) Add(vector, padded.Substring(k, 4), 0.25f);
        }
        var norm = TensorPrimitives.Norm(vector);
        if (norm > 0) TensorPrimitives.Divide(vector, norm, vector);
        return vector;
    }

    private void Add(float[] vector, string feature, float weight)
    {
        var h = SparseEncoder.TermId(feature);
        vector[h % (uint)dimensions] += (h & 0x80000000) != 0 ? -weight : weight;
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(_metadata) ? _metadata :
        serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose() { }
}
