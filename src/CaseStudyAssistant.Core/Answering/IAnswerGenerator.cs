using CaseStudyAssistant.Retrieval;

namespace CaseStudyAssistant.Answering;

/// <summary>Writes an answer from retrieved evidence (extractive offline; LLM-backed when one is configured).</summary>
public interface IAnswerGenerator
{
    string Mode { get; }
    /// <summary>
    /// Writes a draft from evidence that covers the question; whether it stands or becomes a refusal is the
    /// decision of <see cref="Assistant"/>. A generator that writes while a model streams reports its
    /// sources and checked text to <paramref name="stream"/>. <paramref name="keepUnsupported"/>: sentences a generated
    /// answer cannot back with a citation are kept and marked instead of dropped (an extractive answer quotes its
    /// sources, so it has none).
    /// </summary>
    Task<AnswerDraft> GenerateAsync(RetrievalResult retrieval, DraftStream? stream = null, CancellationToken ct = default, bool keepUnsupported = false);
}
