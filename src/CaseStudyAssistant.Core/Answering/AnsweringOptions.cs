namespace CaseStudyAssistant.Answering;

public sealed class AnsweringOptions
{
    /// <summary>
    /// With no dense ranking (no embedding model): below this lexical evidence (IDF-weighted share of the question's
    /// terms found in the best study) the answer is a refusal that names the nearest studies.
    /// </summary>
    public double MinEvidence { get; set; } = 0.35;
    /// <summary>
    /// With a dense ranking, a question is covered when evidence + <see cref="SimilarityWeight"/> × similarity (the
    /// cosine to the nearest chunk) reaches this, or the lexical evidence alone reaches <see cref="StrongEvidence"/>.
    /// Calibrated on the eval sets (README, "Refusal").
    /// </summary>
    public double MinCoverage { get; set; } = 1.4;
    public double SimilarityWeight { get; set; } = 2.0;
    public double StrongEvidence { get; set; } = 0.7;
    /// <summary>Studies an extractive answer may draw on.</summary>
    public int MaxStudies { get; set; } = 4;
    /// <summary>A further study is cited only if its evidence is at least this share of the best study's.</summary>
    public double RelativeEvidence { get; set; } = 0.8;
    /// <summary>Extractive answers: weight of a sentence's similarity to the question against its share of the question's terms.</summary>
    public double MeaningWeight { get; set; } = 0.6;
    /// <summary>Sentences quoted from each cited study.</summary>
    public int SentencesPerStudy { get; set; } = 3;
    /// <summary>The chat model's context window, in tokens; sources fill what the prompt and the answer leave.</summary>
    public int ContextTokens { get; set; } = 8000;
    /// <summary>Tokens kept free for the model's answer.</summary>
    public int AnswerTokens { get; set; } = 700;
    /// <summary>Longest answer the model is asked for, in sentences.</summary>
    public int MaxSentences { get; set; } = 8;
    /// <summary>A cited sentence is supported when at least this share of its content words occur in the cited source.</summary>
    public double SupportOverlap { get; set; } = 0.5;
    /// <summary>Research mode: calls the model may make to the case-study functions for one answer (1–50).</summary>
    public int MaxToolCalls { get; set; } = 6;
    /// <summary>Research mode: passages one search returns.</summary>
    public int ResearchTop { get; set; } = 8;
    /// <summary>Research mode: the most tokens of one study that get_study returns.</summary>
    public int ResearchStudyTokens { get; set; } = 1500;
}
