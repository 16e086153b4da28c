namespace CaseStudyAssistant.Retrieval;

public sealed class RetrievalOptions
{
    /// <summary>Chunks returned by default (after per-study diversity).</summary>
    public int Top { get; set; } = 8;
    /// <summary>Candidates taken from each of the sparse and dense rankings before fusion.</summary>
    public int CandidatePool { get; set; } = 100;
    /// <summary>Reciprocal rank fusion constant (see <see cref="Rrf"/>).</summary>
    public int RrfK { get; set; } = 60;
    /// <summary>At most this many chunks of one study, so answers can draw on several studies.</summary>
    public int MaxChunksPerStudy { get; set; } = 2;
    /// <summary>Fusion weight of the study-level (whole-study BM25) ranking; 0 turns it off.</summary>
    public double StudyWeight { get; set; } = 0.7;
    /// <summary>Fusion weight of the sparse (BM25) ranking.</summary>
    public double SparseWeight { get; set; } = 1.0;
    /// <summary>
    /// Fusion weight of the dense (embedding) ranking; 0 turns the dense leg off. When not set: 0.7 with the bundled
    /// local model (<see cref="LocalModelDenseWeight"/>), 1.0 when Llm:EmbeddingModel names a server's embedding model
    /// (<see cref="ServerModelDenseWeight"/>: a model worth naming should count fully in fusion). Chosen on the eval sets (README).
    /// </summary>
    public double DenseWeight { get; set; } = LocalModelDenseWeight;

    public const double LocalModelDenseWeight = 0.7;
    public const double ServerModelDenseWeight = 1.0;
}
