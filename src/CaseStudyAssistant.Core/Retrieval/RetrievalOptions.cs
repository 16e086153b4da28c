namespace CaseStudyAssistant.Retrieval;

public sealed class RetrievalOptions
{
    /// <summary>Chunks returned by default (after per-study diversity).</summary>
    public int Top { get; set; } = 8;
    /// <summary>Candidates taken from each of the sparse and dense rankings before fusion.</summary>
    public int CandidatePool { get; set; } = 100;
    /// <summary>Reciprocal rank fusion constant: score = Σ 1 / (k + rank).</summary>
    public int RrfK { get; set; } = 60;
    /// <summary>At most this many chunks of one study, so answers can draw on several studies.</summary>
    public int MaxChunksPerStudy { get; set; } = 2;
    /// <summary>Whether the dense leg takes part (off = sparse BM25 only).</summary>
    public bool UseDense { get; set; } = true;
}
