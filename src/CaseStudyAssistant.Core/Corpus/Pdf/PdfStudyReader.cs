using UglyToad.PdfPig;
using UglyToad.PdfPig.Content;
using UglyToad.PdfPig.DocumentLayoutAnalysis;
using UglyToad.PdfPig.DocumentLayoutAnalysis.PageSegmenter;
using UglyToad.PdfPig.DocumentLayoutAnalysis.ReadingOrderDetector;
using UglyToad.PdfPig.DocumentLayoutAnalysis.WordExtractor;
using UglyToad.PdfPig.Util;
using UglyToad.PdfPig.Exceptions;
using CaseStudyAssistant.Corpus.Documents;

namespace CaseStudyAssistant.Corpus.Pdf;

/// <summary>
/// A PDF as a study. PdfPig reads the text layer and does the layout analysis: words from letters, blocks (Docstrum,
/// so two columns stay apart), reading order, and the running headers and footers repeated across pages. On top of that
/// this reader finds headings from the fonts, repairs hyphenation at line ends, and keeps each passage's page.
/// </summary>
internal static class PdfStudyReader
{
    public static DocumentContent Read(byte[] bytes)
    {
        PdfDocument document;
        try { document = PdfDocument.Open(bytes, new ParsingOptions { UseLenientParsing = true, SkipMissingFonts = true }); }
        catch (PdfDocumentEncryptedException) { throw Encrypted(); }
        catch (Exception e) when (e is not (OutOfMemoryException or CorpusFormatException)) { throw Corrupt(e); }
        using (document)
        {
            try { return Read(document); }
            catch (PdfDocumentEncryptedException) { throw Encrypted(); }
            catch (Exception e) when (e is not (OutOfMemoryException or CorpusFormatException)) { throw Corrupt(e); }
        }
    }

    private static CorpusFormatException Encrypted() =>
        new("PDF is encrypted or password-protected; save an unprotected copy (e.g. print it to a new PDF) and ingest that");

    private static CorpusFormatException Corrupt(Exception e) =>
        new($"PDF is corrupt or truncated and cannot be read ({e.Message.Split('\n')[0].Trim().TrimEnd('.')}); download it again");

    private static DocumentContent Read(PdfDocument document)
    {
        var pages = new List<PdfPageLayout>(document.NumberOfPages);
        long letters = 0, unreadable = 0;
        var imagePages = 0;
        for (var number = 1; number <= document.NumberOfPages; number++)
        {
            var page = document.GetPage(number);
            var pageLetters = page.Letters.Where(l => !string.IsNullOrWhiteSpace(l.Value)).ToList();
            letters += pageLetters.Count;
            unreadable += pageLetters.Count(l => l.Value.Any(IsUnreadable));
            if (pageLetters.Count == 0 && page.NumberOfImages > 0) imagePages++;
            // Rotated text (a margin stamp, a rotated table) would cut across the lines of the page. Spaces stay in:
            // the word extractor uses them to split words.
            var horizontal = page.Letters.Where(l => l.TextOrientation == TextOrientation.Horizontal).ToList();
            if (horizontal.Count(l => !string.IsNullOrWhiteSpace(l.Value)) < pageLetters.Count / 2) horizontal = [.. page.Letters];
            var words = DefaultWordExtractor.Instance.GetWords(horizontal).Where(w => !string.IsNullOrWhiteSpace(w.Text)).ToList();
            var blocks = words.Count == 0 ? [] : UnsupervisedReadingOrderDetector.Instance.Get(DocstrumBoundingBoxes.Instance.GetBlocks(words)).ToList();
            // Only a compact copy of each block is kept (letters are many); margin blocks keep their source for the
            // header and footer classifier.
            pages.Add(new PdfPageLayout(number, page.Width, page.Height,
                blocks.Select(b => PdfBlock.From(b, PdfPageLayout.InMargin(b, page.Height))).ToList()));
        }

        if (letters == 0)
            throw new CorpusFormatException(imagePages > 0
                ? $"no extractable text: its {Plural(imagePages, "page")} hold only images, as in a scan; OCR it first (e.g. ocrmypdf)"
                : "no extractable text; OCR it first (e.g. ocrmypdf)");
        if (unreadable > letters * 0.3)
            throw new CorpusFormatException("text layer is unreadable (its fonts have no character map); OCR it first (e.g. ocrmypdf --force-ocr)");

        RemoveDecorations(pages);
        var info = PdfMetadata.Read(document);
        var layout = PdfLayout.Build(pages);
        if (layout.Sections.Count == 0)
            throw new CorpusFormatException("no extractable text besides running headers and page numbers; OCR it first if it is a scan");
        var detected = info with { Title = info.Title ?? layout.Title };
        return new DocumentContent(detected, layout.Sections, pages.Count);
    }

    /// <summary>
    /// Drops running headers, footers and page numbers: the blocks PdfPig's decoration classifier finds repeated across
    /// pages, and bare page numbers, as long as they sit in the top or bottom margin (body text never goes).
    /// </summary>
    private static void RemoveDecorations(List<PdfPageLayout> pages)
    {
        var margins = pages.Select(p => (IReadOnlyList<TextBlock>)p.Blocks.Select(b => b.MarginSource).OfType<TextBlock>().ToList()).ToList();
        var repeated = pages.Count >= 2 && margins.Any(m => m.Count > 0)
            ? DecorationTextBlockClassifier.Get(margins).SelectMany(d => d).ToHashSet()
            : [];
        foreach (var page in pages)
            page.Blocks.RemoveAll(b => b.MarginSource is { } source && (repeated.Contains(source) || PdfLayout.IsPageNumber(b.Text)));
    }

    private static bool IsUnreadable(char c) => c is '\uFFFD' || (c >= '\uE000' && c <= '\uF8FF') || (char.IsControl(c) && c is not ('\t' or '\n' or '\r'));

    private static string Plural(int n, string word) => n == 1 ? $"1 {word}" : $"{n} {word}s";
}

/// <summary>One page's text blocks in reading order.</summary>
internal sealed record PdfPageLayout(int Number, double Width, double Height, List<PdfBlock> Blocks)
{
    /// <summary>Running headers and footers live in roughly the top 10% and bottom 8% of a page.</summary>
    public static bool InMargin(TextBlock b, double height) => b.BoundingBox.Bottom >= height * 0.90 || b.BoundingBox.Top <= height * 0.08;
}

/// <summary>A text block's lines with their font size and weight; <see cref="MarginSource"/> is set for blocks in a page margin.</summary>
internal sealed record PdfBlock(string Text, IReadOnlyList<PdfTextLine> Lines, TextBlock? MarginSource)
{
    public static PdfBlock From(TextBlock block, bool inMargin)
    {
        var lines = new List<PdfTextLine>(block.TextLines.Count);
        foreach (var line in block.TextLines)
        {
            var letters = line.Words.SelectMany(w => w.Letters).Where(l => !string.IsNullOrWhiteSpace(l.Value)).ToList();
            if (letters.Count == 0) continue;
            var size = letters.GroupBy(l => Math.Round(l.PointSize * 2) / 2).MaxBy(g => g.Count())!.Key;
            lines.Add(new PdfTextLine(line.Text, size, letters.Count(IsBold) * 2 > letters.Count));
        }
        return new PdfBlock(block.Text, lines, inMargin ? block : null);
    }

    private static bool IsBold(Letter l)
    {
        if (l.FontDetails is { } f && (f.IsBold || f.Weight >= 600)) return true;
        var name = l.FontName ?? "";
        return name.Contains("Bold", StringComparison.OrdinalIgnoreCase) || name.Contains("Black", StringComparison.OrdinalIgnoreCase)
            || name.Contains("Heavy", StringComparison.OrdinalIgnoreCase) || name.Contains("Semibold", StringComparison.OrdinalIgnoreCase)
            || name.Contains("Demi", StringComparison.OrdinalIgnoreCase);
    }
}

internal sealed record PdfTextLine(string Text, double Size, bool Bold);
