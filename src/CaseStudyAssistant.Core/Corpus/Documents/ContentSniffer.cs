using System.Text;

namespace CaseStudyAssistant.Corpus.Documents;

/// <summary>Names what a file's first bytes say it is, so a file with the wrong extension gets a useful message.</summary>
internal static class ContentSniffer
{
    public const string Pdf = "a PDF";
    public const string Html = "an HTML page";

    /// <summary>True when the PDF header appears where readers look for it (the first 1024 bytes).</summary>
    public static bool IsPdf(ReadOnlySpan<byte> bytes) => bytes[..Math.Min(bytes.Length, 1024)].IndexOf("%PDF-"u8) >= 0;

    /// <summary>A short description ("a PDF", "a ZIP archive (e.g. .docx or .epub)", "an HTML page", …), or null for plain text.</summary>
    public static string? Describe(ReadOnlySpan<byte> bytes)
    {
        if (IsPdf(bytes)) return Pdf;
        if (bytes.StartsWith("PK\u0003\u0004"u8)) return "a ZIP archive (e.g. .docx, .pptx or .epub)";
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47])) return "a PNG image";
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF])) return "a JPEG image";
        if (bytes.StartsWith("GIF8"u8)) return "a GIF image";
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xD0, 0xCF, 0x11, 0xE0])) return "an old Office document (.doc, .xls or .ppt)";
        if (bytes.StartsWith("{\\rtf"u8)) return "an RTF document";
        if (LooksLikeHtml(bytes)) return Html;
        if (bytes[..Math.Min(bytes.Length, 8192)].IndexOf((byte)0) >= 0) return "binary data";
        return null;
    }

    private static bool LooksLikeHtml(ReadOnlySpan<byte> bytes)
    {
        var head = Encoding.Latin1.GetString(bytes[..Math.Min(bytes.Length, 2048)]).TrimStart('\uFEFF', '\u00EF', '\u00BB', '\u00BF', ' ', '\t', '\r', '\n');
        return head.StartsWith("<!doctype html", StringComparison.OrdinalIgnoreCase)
            || head.StartsWith("<html", StringComparison.OrdinalIgnoreCase)
            || (head.StartsWith('<') && head.Contains("<html", StringComparison.OrdinalIgnoreCase));
    }
}
