using Microsoft.Extensions.AI;
using OpenAI.Embeddings;
using MEAIEmbeddingOptions = Microsoft.Extensions.AI.EmbeddingGenerationOptions;

namespace CaseStudyAssistant.OpenAI;

/// <summary><see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> over the OpenAI SDK's embeddings endpoint.</summary>
public sealed class OpenAIEmbeddingGenerator(EmbeddingClient client, string model, int? dimensions, string provider, Uri endpoint, LlmResilience resilience)
    : IEmbeddingGenerator<string, Embedding<float>>
{
    private readonly EmbeddingGeneratorMetadata _metadata = new(provider, endpoint, model, dimensions);

    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, MEAIEmbeddingOptions? options = null, CancellationToken cancellationToken = default)
    {
        var inputs = values.ToList();
        var settings = new global::OpenAI.Embeddings.EmbeddingGenerationOptions();
        if ((options?.Dimensions ?? dimensions) is { } d) settings.Dimensions = d;
        var result = await resilience.ExecuteAsync(token => client.GenerateEmbeddingsAsync(inputs, settings, token), cancellationToken);
        var embeddings = new GeneratedEmbeddings<Embedding<float>>(result.Value.Select(e => new Embedding<float>(e.ToFloats()) { ModelId = model }));
        if (result.Value.Usage is { } u) embeddings.Usage = new UsageDetails { InputTokenCount = u.InputTokenCount, TotalTokenCount = u.TotalTokenCount };
        return embeddings;
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(_metadata) ? _metadata :
        serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose() { }
}
