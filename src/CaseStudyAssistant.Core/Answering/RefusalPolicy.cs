using CaseStudyAssistant.Retrieval;

namespace CaseStudyAssistant.Answering;

/// <summary>
/// Where an answer becomes a refusal, for every mode: before generation when the evidence does not cover the
/// question, after it when the model says its sources do not answer the question or the written answer keeps
/// nothing citable.
/// </summary>
internal static class RefusalPolicy
{
    public const string NothingSupported = "No sentence of the model's answer was supported by the sources it cited.";

    /// <summary>Whether an answer is to be written at all.</summary>
    public static bool Covers(RetrievalResult retrieval, AnsweringOptions options) =>
        retrieval.Chunks.Count > 0 && Assistant.Covers(retrieval.Evidence, options);

    /// <summary>
    /// An answer keeps something citable when it cites a source, or, when unsupported sentences are kept (marked),
    /// when it states anything at all.
    /// </summary>
    public static bool KeepsSomething(int citedSources, int checkedSentences, bool keepUnsupported) =>
        citedSources > 0 || keepUnsupported && checkedSentences > 0;

    /// <summary>The answer a draft becomes: itself, or a refusal that keeps its account of what the model wrote.</summary>
    public static Answer Judge(AnswerDraft draft, bool keepUnsupported)
    {
        var written = draft.Answer;
        if (!draft.SaysNotCovered && KeepsSomething(written.Citations.Count, written.CheckedSentences, keepUnsupported)) return written;
        var refusal = Refusals.For(draft.WrittenFrom);
        return written with
        {
            Text = refusal.Text, Refused = true, Citations = [], Nearest = refusal.Nearest,
            Notice = written.UnsupportedSentences.Count > 0 ? NothingSupported : null,
        };
    }
}
