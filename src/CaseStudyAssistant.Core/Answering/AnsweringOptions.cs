namespace CaseStudyAssistant.Answering;

public sealed class AnsweringOptions
{
    /// <summary>
    /// Below this evidence (IDF-weighted share of the question's terms found in the best study) the answer is a
    /// refusal that names the nearest studies. Calibrated with <c>csa eval</c>.
    /// </summary>
    public double MinEvidence { get; set; } = 0.35;
    /// <summary>Studies an extractive answer may draw on.</summary>
    public int MaxStudies { get; set; } = 4;
    /// <summary>A further study is cited only if its evidence is at least this share of the best study's.</summary>
    public double RelativeEvidence { get; set; } = 0.8;
    /// <summary>Sentences quoted from each cited study.</summary>
    public int SentencesPerStudy { get; set; } = 3;
}
