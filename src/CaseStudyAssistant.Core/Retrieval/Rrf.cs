namespace CaseStudyAssistant.Retrieval;

/// <summary>
/// Reciprocal rank fusion as Qdrant computes it (1.17+): a point at 0-based rank r in a list of weight w scores
/// 1 / ((r + 1) / w + k − 1); with w = 1 that is the classic 1 / (k + r). Both stores use this, so they rank alike.
/// </summary>
public static class Rrf
{
    public static double Score(int rank0, int k, double weight) => 1.0 / ((rank0 + 1) / weight + k - 1);
}
