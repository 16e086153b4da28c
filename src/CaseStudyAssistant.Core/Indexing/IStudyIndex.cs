using CaseStudyAssistant.Retrieval;

namespace CaseStudyAssistant.Indexing;

/// <summary>
/// The store seam: the embedded single-file store and Qdrant both implement it, and rank alike (same sparse
/// weights and IDF, same fusion and candidate pools).
/// </summary>
public interface IStudyIndex : IDisposable
{
    /// <summary>Where the index lives, for messages (a file path or a server URL and collection).</summary>
    string Location { get; }

    /// <summary>
    /// Serialises writers: an ingest holds this from before it reads the state until its changes are applied. With
    /// <paramref name="wait"/> false a held lock fails at once (<see cref="StoreException"/>).
    /// </summary>
    Task<IDisposable> LockForWriteAsync(bool wait, Action? onWaiting, CancellationToken ct = default);

    /// <summary>Pins the current generation for the reads of this async flow (a web request) until disposed.</summary>
    Task<IndexReadScope> BeginReadAsync(CancellationToken ct = default);

    Task<IndexState> GetStateAsync(CancellationToken ct = default);

    /// <summary>
    /// Applies an ingest's changes. A rebuild is all-or-nothing in every store (readers switch to it only when it is
    /// complete). An incremental ingest is one transaction in the embedded store; Qdrant has no transactions, so it
    /// writes study by study, each study's content hash last, and an interrupted ingest is completed by the next one.
    /// </summary>
    Task ApplyAsync(IndexChanges changes, EmbeddingModelInfo model, string pipelineVersion, IndexWriteMode mode, CancellationToken ct = default);

    Task<StoreSearchResult> SearchAsync(HybridQuery query, CancellationToken ct = default);

    Task<TermStatistics> GetTermStatisticsAsync(IReadOnlyCollection<uint> termIds, CancellationToken ct = default);

    Task<IReadOnlyList<StudyRecord>> ListStudiesAsync(SearchFilter filter, CancellationToken ct = default);

    Task<StudyRecord?> GetStudyAsync(string id, CancellationToken ct = default);
}
