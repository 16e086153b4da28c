using CaseStudyAssistant.Chunking;
using CaseStudyAssistant.Corpus;
using CaseStudyAssistant.Retrieval;

namespace CaseStudyAssistant.Indexing;

/// <summary>
/// The text each encoding sees for a chunk: the chunk plus its study context (title, company, year, tags, heading),
/// so a chunk about "the ranking model" is still found by a question that names the company or the system.
/// </summary>
public static class ChunkContext
{
    public static string ForEmbedding(CaseStudy study, Chunk chunk) =>
        $"{study.Title} ({study.Company}{(study.Year is { } y ? $", {y}" : "")}) — {chunk.Heading}\n{chunk.Text}";

    /// <summary>Terms of the whole study: what a study-level (document) ranking matches against.</summary>
    public static List<string> StudyTerms(CaseStudy study)
    {
        var analyzer = TextAnalyzer.Instance;
        var terms = analyzer.Analyze(study.Title);
        terms.AddRange(analyzer.Analyze(study.Company));
        terms.AddRange(analyzer.Analyze(string.Join(' ', study.Tags.Select(t => t.Replace('-', ' ')))));
        foreach (var section in study.Sections) terms.AddRange(analyzer.Analyze(section.Heading + "\n" + section.Text));
        return terms;
    }

    public static List<string> SparseTerms(CaseStudy study, Chunk chunk)
    {
        var analyzer = TextAnalyzer.Instance;
        var terms = analyzer.Analyze(study.Title);
        terms.AddRange(analyzer.Analyze(study.Company));
        terms.AddRange(analyzer.Analyze(string.Join(' ', study.Tags.Select(t => t.Replace('-', ' ')))));
        terms.AddRange(analyzer.Analyze(chunk.Heading));
        terms.AddRange(analyzer.Analyze(chunk.Text));
        return terms;
    }
}
