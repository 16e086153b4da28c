using CaseStudyAssistant.Retrieval;

namespace CaseStudyAssistant.Answering;

/// <summary>
/// What an answer generator wrote, before the assistant decides whether it stands: <see cref="Answer"/> holds its
/// text, the sources it cites and the accounting of its sentences (never a refusal); <see cref="WrittenFrom"/> is
/// the evidence it was written from, which names the nearest studies if it is refused.
/// </summary>
public sealed record AnswerDraft(Answer Answer, RetrievalResult WrittenFrom)
{
    /// <summary>The model replied that its sources do not answer the question.</summary>
    public bool SaysNotCovered { get; init; }
}
