using CaseStudyAssistant.Retrieval;

namespace CaseStudyAssistant.Answering;

/// <summary>Writes an answer from retrieved evidence (extractive offline; LLM-backed when one is configured).</summary>
public interface IAnswerGenerator
{
    string Mode { get; }
    Task<Answer> GenerateAsync(RetrievalResult retrieval, CancellationToken ct = default);
}
