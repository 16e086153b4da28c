using CaseStudyAssistant.Chunking;
using CaseStudyAssistant.Corpus;
using CaseStudyAssistant.Retrieval;

namespace CaseStudyAssistant.Indexing;

/// <summary>
/// The text each encoding sees for a chunk: the chunk plus its study context (title, company, year, tags, heading),
/// so a chunk about "the ranking model" is still found by a question that names the company or the system.
/// </summary>
internal static class ChunkContext
{
    public static string ForEmbedding(CaseStudy study, Chunk chunk) => ForEmbedding(study, chunk.Heading, chunk.Text);

    public static string ForEmbedding(CaseStudy study, string heading, string text) =>
        $"{study.Title} ({study.Company}{(study.Year is { } y ? $", {y}" : "")}) — {heading}\n{text}";

    /// <summary>The study's title, company and tags as one text: the context every chunk and study is matched with.</summary>
    public static string Metadata(string title, string company, IEnumerable<string> tags) =>
        $"{title}\n{company}\n{string.Join(' ', tags)}";

    /// <summary>Terms of the whole study: what a study-level (document) ranking matches against.</summary>
    public static List<string> StudyTerms(CaseStudy study) =>
        TextAnalyzer.Instance.Analyze(Metadata(study.Title, study.Company, study.Tags) + "\n"
            + string.Join("\n", study.Sections.Select(s => s.Heading + "\n" + s.Text)));

    public static List<string> SparseTerms(CaseStudy study, Chunk chunk) =>
        TextAnalyzer.Instance.Analyze($"{Metadata(study.Title, study.Company, study.Tags)}\n{chunk.Heading}\n{chunk.Text}");
}
