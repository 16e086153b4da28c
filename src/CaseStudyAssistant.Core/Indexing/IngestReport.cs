using CaseStudyAssistant.Corpus;
using CaseStudyAssistant.Corpus.Documents;

namespace CaseStudyAssistant.Indexing;

public sealed record IngestReport(
    int Added, int Updated, int Unchanged, int Removed, int Chunks, double Seconds,
    IReadOnlyList<RejectedFile> Rejected, string IndexLocation, bool Rebuilt)
{
    /// <summary>The PDFs and web pages read, and the time spent extracting their text.</summary>
    public DocumentStats Documents { get; init; } = DocumentStats.None;

    /// <summary>Links in the corpus folders that were not followed (loops, already read, broken).</summary>
    public IReadOnlyList<SkippedLink> SkippedLinks { get; init; } = [];

    public bool HasRejections => Rejected.Count > 0;
    public int Studies => Added + Updated + Unchanged;
    public EmbeddingModelInfo? Model { get; init; }
    /// <summary>Chunks the model embedded in this ingest; the others written came from the vector cache.</summary>
    public int ChunksEmbedded { get; init; }
    public int ChunksFromCache { get; init; }
    /// <summary>Chunks longer than the embedding model's window (cut off when embedded). The chunker aims for 0.</summary>
    public int ChunksOverWindow { get; init; }
    public double EmbedSeconds { get; init; }
    /// <summary>The embedding model's own tokens in the chunks written (0 when the model does not say).</summary>
    public long EmbeddingTokens { get; init; }
}

/// <summary>Progress of an ingest: a stage name, how far it has got, and for embedding the chunks per second.</summary>
public readonly record struct IngestProgress(string Stage, int Done, int Total, double? PerSecond = null);
