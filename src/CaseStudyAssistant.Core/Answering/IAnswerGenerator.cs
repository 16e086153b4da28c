using CaseStudyAssistant.Retrieval;

namespace CaseStudyAssistant.Answering;

/// <summary>Writes an answer from retrieved evidence (extractive offline; LLM-backed when one is configured).</summary>
public interface IAnswerGenerator
{
    string Mode { get; }
    /// <summary>
    /// Writes the answer; with <paramref name="stream"/>, reports the sources before any text, then the text as it
    /// comes. <paramref name="keepUnsupported"/>: sentences a generated answer cannot back with a citation are kept
    /// and marked instead of dropped (an extractive answer quotes its sources, so it has none).
    /// </summary>
    Task<Answer> GenerateAsync(RetrievalResult retrieval, AnswerStream? stream = null, CancellationToken ct = default, bool keepUnsupported = false);
}
