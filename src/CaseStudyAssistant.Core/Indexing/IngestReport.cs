using CaseStudyAssistant.Corpus;
using CaseStudyAssistant.Corpus.Documents;

namespace CaseStudyAssistant.Indexing;

public sealed record IngestReport(
    int Added, int Updated, int Unchanged, int Removed, int Chunks, double Seconds,
    IReadOnlyList<RejectedFile> Rejected, string IndexLocation, bool Rebuilt)
{
    /// <summary>The PDFs and web pages read, and the time spent extracting their text.</summary>
    public DocumentStats Documents { get; init; } = DocumentStats.None;

    public bool HasRejections => Rejected.Count > 0;
    public int Studies => Added + Updated + Unchanged;
}

/// <summary>Progress of an ingest: a stage name and how far it has got.</summary>
public readonly record struct IngestProgress(string Stage, int Done, int Total);
