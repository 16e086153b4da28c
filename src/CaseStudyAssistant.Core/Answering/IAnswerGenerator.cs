using CaseStudyAssistant.Retrieval;

namespace CaseStudyAssistant.Answering;

/// <summary>Writes an answer from retrieved evidence (extractive offline; LLM-backed when one is configured).</summary>
public interface IAnswerGenerator
{
    string Mode { get; }
    /// <summary>Writes the answer; with <paramref name="stream"/>, reports the sources before any text, then the text as it comes.</summary>
    Task<Answer> GenerateAsync(RetrievalResult retrieval, AnswerStream? stream = null, CancellationToken ct = default);
}
