using System.Diagnostics;
using System.Security.Cryptography;
using CaseStudyAssistant.Corpus.Html;
using CaseStudyAssistant.Corpus.Pdf;

namespace CaseStudyAssistant.Corpus.Documents;

/// <summary>
/// Reads one saved article or paper (<c>.pdf</c>, <c>.html</c>, <c>.htm</c>) and its optional sidecar
/// <c>NAME.meta.yaml</c>. Every problem is a <see cref="CorpusFormatException"/> with a one-line reason.
/// </summary>
internal static class DocumentFile
{
    public static bool IsDocument(string path) => KindOf(path) is not null;

    public static DocumentKind? KindOf(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".pdf" => DocumentKind.Pdf,
        ".html" or ".htm" => DocumentKind.Html,
        _ => null,
    };

    /// <summary>
    /// Checks the file (size, content type) and reads its sidecar. A web page's text is read at once (its canonical
    /// URL can match a catalog row); a PDF's only when <paramref name="extract"/> is set, else by <see cref="Extract"/>.
    /// </summary>
    public static DocumentDraft Read(string path, string relativePath, string displayPath, long maxBytes, bool extract, out DocumentStats stats)
    {
        var kind = KindOf(path) ?? throw new ArgumentException($"not a document: {path}");
        var bytes = ReadChecked(path, kind, maxBytes);
        var (sidecar, sidecarHash) = ReadSidecar(path);
        var draft = new DocumentDraft
        {
            Kind = kind,
            RelativePath = relativePath,
            DisplayPath = displayPath,
            FullPath = path,
            FileHash = Convert.ToHexStringLower(SHA256.HashData(bytes)),
            Sidecar = sidecar,
            SidecarHash = sidecarHash,
        };
        stats = DocumentStats.None;
        return extract || kind == DocumentKind.Html ? Extract(draft, bytes, out stats) : draft;
    }

    /// <summary>Reads the document's text (again from disk when <paramref name="bytes"/> is not given).</summary>
    public static DocumentDraft Extract(DocumentDraft draft, byte[]? bytes, out DocumentStats stats)
    {
        if (bytes is null)
        {
            bytes = ReadChecked(draft.FullPath, draft.Kind, long.MaxValue);
            draft = draft with { FileHash = Convert.ToHexStringLower(SHA256.HashData(bytes)) };
        }
        var clock = Stopwatch.StartNew();
        if (draft.Kind == DocumentKind.Pdf)
        {
            var pdf = PdfStudyReader.Read(bytes);
            stats = new DocumentStats(1, pdf.Pages, clock.Elapsed.TotalSeconds, 0, 0);
            return draft with { Content = pdf };
        }
        var html = HtmlStudyReader.Read(bytes, Path.GetFileName(draft.FullPath));
        stats = new DocumentStats(0, 0, 0, 1, clock.Elapsed.TotalSeconds);
        return draft with { Content = html };
    }

    private static byte[] ReadChecked(string path, DocumentKind kind, long maxBytes)
    {
        var length = new FileInfo(path).Length;
        if (length == 0) throw new CorpusFormatException("file is empty");
        if (length > maxBytes)
            throw new CorpusFormatException($"file is {Size(length)}, over the {Size(maxBytes)} limit for one document (setting Corpus:MaxDocumentMegabytes)");
        var bytes = File.ReadAllBytes(path);
        var what = ContentSniffer.Describe(bytes);
        if (kind == DocumentKind.Pdf)
        {
            if (!ContentSniffer.IsPdf(bytes))
                throw new CorpusFormatException($"is not a PDF: the file holds {what ?? "plain text"}; check its extension");
        }
        else
        {
            if (what == ContentSniffer.Pdf) throw new CorpusFormatException("is a PDF saved with an .html extension; rename it to .pdf");
            if (what is not null && what != ContentSniffer.Html)
                throw new CorpusFormatException($"is not an HTML page: the file holds {what}; check its extension");
        }
        return bytes;
    }

    /// <summary>The sidecar beside <paramref name="documentPath"/>: <c>NAME.meta.yaml</c> (or <c>.meta.yml</c>).</summary>
    public static string? SidecarPath(string documentPath)
    {
        var stem = Path.Combine(Path.GetDirectoryName(documentPath) ?? "", Path.GetFileNameWithoutExtension(documentPath));
        foreach (var candidate in new[] { stem + ".meta.yaml", stem + ".meta.yml" })
            if (File.Exists(candidate)) return candidate;
        return null;
    }

    private static (FrontMatter?, string?) ReadSidecar(string documentPath)
    {
        if (SidecarPath(documentPath) is not { } path) return (null, null);
        var name = Path.GetFileName(path);
        string text;
        try { text = File.ReadAllText(path); }
        catch (IOException e) { throw new CorpusFormatException($"sidecar {name} cannot be read: {e.Message}"); }
        var yaml = FrontMatter.TrySplit(text, out var fenced, out _) ? fenced : text;
        try
        {
            var fm = string.IsNullOrWhiteSpace(yaml) ? new FrontMatter() : FrontMatter.Parse(yaml);
            return (fm, Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text))));
        }
        catch (CorpusFormatException e) { throw new CorpusFormatException($"sidecar {name}: {e.Message}"); }
    }

    internal static string Size(long bytes) => bytes >= 1024 * 1024 ? $"{bytes / (1024.0 * 1024):0.#} MB" : $"{bytes / 1024.0:0.#} KB";
}
