namespace CaseStudyAssistant.Corpus.Documents;

/// <summary>What a PDF or HTML reader found in one file: detected metadata, sections, and (for PDFs) the page count.</summary>
internal sealed record DocumentContent(FrontMatter Detected, IReadOnlyList<StudySection> Sections, int Pages);

/// <summary>
/// A saved article or paper that has been read but not yet turned into a study: its sidecar and any catalog row
/// can still override what was detected.
/// </summary>
internal sealed record DocumentDraft
{
    public required DocumentKind Kind { get; init; }
    public required string RelativePath { get; init; }
    public required string DisplayPath { get; init; }
    /// <summary>The file on disk, for reading its text later (a PDF's text is only extracted when it changed).</summary>
    public required string FullPath { get; init; }
    /// <summary>The extracted text and metadata; null until read (see <see cref="DocumentFile.Extract"/>).</summary>
    public DocumentContent? Content { get; init; }
    /// <summary>SHA-256 of the file's bytes.</summary>
    public required string FileHash { get; init; }
    /// <summary>The sidecar <c>NAME.meta.yaml</c>, when there is one.</summary>
    public FrontMatter? Sidecar { get; init; }
    public string? SidecarHash { get; init; }
}

internal enum DocumentKind { Pdf, Html }

/// <summary>How much reading saved documents took, for <c>csa bench</c> and the ingest report.</summary>
public sealed record DocumentStats(int PdfFiles, int PdfPages, double PdfSeconds, int HtmlFiles, double HtmlSeconds)
{
    public static readonly DocumentStats None = new(0, 0, 0, 0, 0);

    public double PdfPagesPerSecond => PdfSeconds > 0 ? PdfPages / PdfSeconds : 0;

    public DocumentStats Add(DocumentStats o) =>
        new(PdfFiles + o.PdfFiles, PdfPages + o.PdfPages, PdfSeconds + o.PdfSeconds, HtmlFiles + o.HtmlFiles, HtmlSeconds + o.HtmlSeconds);
}
