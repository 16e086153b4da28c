using Microsoft.Extensions.AI;

namespace CaseStudyAssistant.Embedding;

/// <summary>
/// Marks an embedding request as a search query rather than a passage: some models (e.g. Arctic) embed queries
/// with an instruction prefix. Generators that make no distinction ignore it.
/// </summary>
internal static class EmbeddingInput
{
    public const string InputTypeKey = "input_type";
    public static readonly EmbeddingGenerationOptions Query = new() { AdditionalProperties = new() { [InputTypeKey] = "query" } };

    public static bool IsQuery(EmbeddingGenerationOptions? options) =>
        options?.AdditionalProperties?.TryGetValue(InputTypeKey, out var v) == true && v as string == "query";
}

/// <summary>
/// The input window of an embedding model, in its own tokens, exposed by generators through GetService so the
/// chunker can keep every chunk (with its context line) inside it.
/// </summary>
public interface IEmbeddingWindow
{
    int MaxTokens { get; }
    /// <summary>The model's tokens for a text, not counting the special tokens the model adds.</summary>
    int CountTokens(string text);
}
