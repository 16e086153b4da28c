using System.Text.RegularExpressions;
using CaseStudyAssistant.Corpus;
using CaseStudyAssistant.Indexing;
using CaseStudyAssistant.Retrieval;

namespace CaseStudyAssistant.Answering;

/// <summary>
/// The PDF page a retrieved chunk comes from. A PDF's sections are split at page boundaries and keep the page they
/// start on; a chunk is a part of one section, so the section under the chunk's heading that holds the chunk's text
/// gives the page. Notes and web pages have no pages.
/// </summary>
internal static partial class SectionPages
{
    private const int ProbeChars = 80;

    public static int? PageOf(StudyRecord study, ChunkRecord chunk)
    {
        if (!study.Sections.Any(s => s.Page is not null)) return null;
        var probe = Normalize(chunk.Text);
        if (probe.Length > ProbeChars) probe = probe[..ProbeChars];
        StudySection? fallback = null;
        foreach (var section in study.Sections.Where(s => s.Heading == chunk.Heading))
        {
            fallback ??= section;
            if (Normalize(section.Text).Contains(probe, StringComparison.Ordinal)) return section.Page;
        }
        return fallback?.Page;
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();

    private static string Normalize(string text) => Spaces().Replace(text, " ").Trim();
}
