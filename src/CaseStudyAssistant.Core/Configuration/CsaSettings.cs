using CaseStudyAssistant.Answering;
using CaseStudyAssistant.Chunking;
using CaseStudyAssistant.Retrieval;

namespace CaseStudyAssistant.Configuration;

/// <summary>
/// All settings, bound from appsettings.json, then environment variables (prefix <c>CSA_</c>, sections joined by
/// <c>__</c>, e.g. <c>CSA_INDEX__PATH</c>), then command-line flags.
/// </summary>
public sealed class CsaSettings
{
    public IndexSettings Index { get; set; } = new();
    public CorpusSettings Corpus { get; set; } = new();
    public EmbeddingSettings Embedding { get; set; } = new();
    public ChunkingOptions Chunking { get; set; } = new();
    public RetrievalOptions Retrieval { get; set; } = new();
    public AnsweringOptions Answering { get; set; } = new();
    public PromptSettings Prompts { get; set; } = new();
    public ChatSettings Chat { get; set; } = new();
}

public sealed class PromptSettings
{
    /// <summary>Folder of prompt files; found beside the executable or the solution when not set.</summary>
    public string? Path { get; set; }
}

public sealed class IndexSettings
{
    /// <summary>The embedded store's file; relative paths are taken from the current directory.</summary>
    public string Path { get; set; } = System.IO.Path.Combine(".csa", "index.db");
    public string Store { get; set; } = "embedded";
}

public sealed class ChatSettings
{
    public const string FileName = "chat.db";

    /// <summary>The chat sessions' file; <c>chat.db</c> in the folder of Index:Path when not set.</summary>
    public string? Path { get; set; }

    public string ResolvePath(string indexPath) =>
        string.IsNullOrWhiteSpace(Path) ? System.IO.Path.Combine(System.IO.Path.GetDirectoryName(indexPath) ?? "", FileName) : Path;
}

public sealed class CorpusSettings
{
    /// <summary>The project's own corpus folder; found next to the solution when not set.</summary>
    public string? Path { get; set; }

    /// <summary>Saved PDFs and web pages larger than this are rejected rather than read.</summary>
    public double MaxDocumentMegabytes { get; set; } = 50;
}

public sealed class EmbeddingSettings
{
    /// <summary>
    /// The bundled sentence-embedding model (all-minilm-l6-v2 or snowflake-arctic-embed-xs), run locally. Ignored when
    /// Llm:EmbeddingModel names a model of an OpenAI-compatible server.
    /// </summary>
    public string Model { get; set; } = Embedding.LocalEmbeddingModels.Default;
    /// <summary>The vector cache file; the per-user default (local application data, csa/embeddings.db) when not set.</summary>
    public string? CachePath { get; set; }
    /// <summary>Threads ONNX Runtime may use for one batch (0 = one per core).</summary>
    public int Threads { get; set; }
    /// <summary>Passages per model call.</summary>
    public int BatchSize { get; set; } = 8;
}
