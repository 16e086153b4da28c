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

public sealed class CorpusSettings
{
    /// <summary>The project's own corpus folder; found next to the solution when not set.</summary>
    public string? Path { get; set; }

    /// <summary>Saved PDFs and web pages larger than this are rejected rather than read.</summary>
    public double MaxDocumentMegabytes { get; set; } = 50;
}

public sealed class EmbeddingSettings
{
    public int Dimensions { get; set; } = 384;
}
