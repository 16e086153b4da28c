using System.Collections.Concurrent;
using Microsoft.Extensions.AI;

namespace CaseStudyAssistant.Embedding;

/// <summary>
/// The bundled models, each loaded at most once per process (loading takes a second or two and ~100 MB) and shared
/// by every host and thread; ONNX Runtime sessions are safe to call concurrently.
/// </summary>
internal static class LocalEmbeddingModels
{
    public const string Default = "all-minilm-l6-v2";
    private static readonly ConcurrentDictionary<string, Lazy<IEmbeddingGenerator<string, Embedding<float>>>> Loaded = new(StringComparer.OrdinalIgnoreCase);

    public static IReadOnlyList<string> Names => LocalModel.All.Select(m => m.Name).ToList();

    public static bool IsLocal(string name) => LocalModel.Find(name) is not null;

    public static IEmbeddingGenerator<string, Embedding<float>> Shared(string name, int threads = 0, int batchSize = 8)
    {
        var model = LocalModel.Find(name) ?? throw new ArgumentException(
            $"unknown embedding model '{name}' (Embedding:Model); bundled models: {string.Join(", ", Names)}; or configure Llm:EmbeddingModel for an OpenAI-compatible one");
        return Loaded.GetOrAdd(model.Name, _ => new(() => new SharedModel(new OnnxEmbeddingGenerator(model, threads, batchSize)))).Value;
    }

    /// <summary>Lives as long as the process: hosts that dispose their services leave the loaded model alone.</summary>
    private sealed class SharedModel(IEmbeddingGenerator<string, Embedding<float>> inner) : DelegatingEmbeddingGenerator<string, Embedding<float>>(inner)
    {
        protected override void Dispose(bool disposing) { }
    }
}
