using CaseStudyAssistant.Chunking;
using CaseStudyAssistant.Corpus;

namespace CaseStudyAssistant.Indexing;

/// <summary>The embedding model an index was built with; queries must use the same one.</summary>
public sealed record EmbeddingModelInfo(string Name, int Dimensions)
{
    public override string ToString() => $"{Name} ({Dimensions} dimensions)";
}

/// <summary>A study as the index holds it: its metadata and (for display) its sections.</summary>
public sealed record StudyRecord
{
    public required string Id { get; init; }
    public required string Title { get; init; }
    public required string Company { get; init; }
    public string? Industry { get; init; }
    public string? Category { get; init; }
    public int? Year { get; init; }
    public IReadOnlyList<string> Tags { get; init; } = [];
    public string? SourceUrl { get; init; }
    public string SourcePath { get; init; } = "";
    public string ContentHash { get; init; } = "";
    public int ChunkCount { get; init; }
    public IReadOnlyList<StudySection> Sections { get; init; } = [];
    /// <summary>The whole-study sparse vector, when the store keeps it in memory (lets evidence checks skip re-analysis).</summary>
    public SparseVector? Terms { get; init; }

    public static StudyRecord From(CaseStudy s, int chunkCount) => new()
    {
        Id = s.Id, Title = s.Title, Company = s.Company, Industry = s.Industry, Category = s.Category, Year = s.Year,
        Tags = s.Tags, SourceUrl = s.SourceUrl, SourcePath = s.SourcePath, ContentHash = s.ContentHash,
        ChunkCount = chunkCount, Sections = s.Sections,
    };
}

/// <summary>A chunk with its two encodings, ready to be stored.</summary>
public sealed record IndexedChunk(Chunk Chunk, float[] Dense, SparseVector Sparse);

/// <summary>A study to store: its chunks, and a sparse vector of the whole study for the study-level ranking.</summary>
public sealed record StudyUpsert(CaseStudy Study, IReadOnlyList<IndexedChunk> Chunks, SparseVector StudySparse);

/// <summary>One ingest's worth of writes, applied all-or-nothing.</summary>
public sealed record IndexChanges(IReadOnlyList<StudyUpsert> Upserts, IReadOnlyList<string> Deletions);

/// <summary>What an ingest needs to know about the index before writing.</summary>
public sealed record IndexState(
    EmbeddingModelInfo? Model,
    string? PipelineVersion,
    IReadOnlyDictionary<string, StoredStudy> Studies)
{
    public static readonly IndexState Empty = new(null, null, new Dictionary<string, StoredStudy>());
    public bool IsEmpty => Studies.Count == 0;
}

public sealed record StoredStudy(string Id, string ContentHash, string SourcePath);

public enum IndexWriteMode
{
    /// <summary>Write the changes in place, atomically.</summary>
    Incremental,
    /// <summary>Build a complete new index beside the old one and switch to it only when it is complete.</summary>
    Rebuild,
}

/// <summary>Raised when the index was built with another embedding model, dimension or format.</summary>
public sealed class IndexMismatchException(string message) : Exception(message);

/// <summary>
/// A scope in which every read of the index (this async flow) sees one generation, whatever ingests finish meanwhile.
/// <see cref="Generation"/> names that generation (it changes with every write).
/// </summary>
public sealed class IndexReadScope(string generation, Action? end = null) : IDisposable
{
    public string Generation { get; } = generation;
    public void Dispose() => end?.Invoke();
}
