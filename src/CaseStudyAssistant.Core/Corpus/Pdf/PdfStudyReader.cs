using UglyToad.PdfPig;
using UglyToad.PdfPig.Content;
using UglyToad.PdfPig.DocumentLayoutAnalysis;
using UglyToad.PdfPig.DocumentLayoutAnalysis.PageSegmenter;
using UglyToad.PdfPig.DocumentLayoutAnalysis.ReadingOrderDetector;
using UglyToad.PdfPig.DocumentLayoutAnalysis.WordExtractor;
using UglyToad.PdfPig.Exceptions;
using CaseStudyAssistant.Corpus.Documents;

namespace CaseStudyAssistant.Corpus.Pdf;

/// <summary>
/// A PDF as a study. PdfPig reads the text layer and does the layout analysis: words from letters, blocks (so two
/// columns stay apart), reading order, and the running headers and footers repeated across pages. On top of that
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
            // Rotated text (a margin stamp, a rotated table) would cut across the lines of the page.
            var horizontal = pageLetters.Where(l => l.TextOrientation == TextOrientation.Horizontal).ToList();
            if (horizontal.Count < pageLetters.Count / 2) horizontal = pageLetters;
            var words = NearestNeighbourWordExtractor.Instance.GetWords(horizontal).ToList();
            var blocks = words.Count == 0 ? [] : UnsupervisedReadingOrderDetector.Instance.Get(DocstrumBoundingBoxes.Instance.GetBlocks(words)).ToList();
            pages.Add(new PdfPageLayout(number, page.Width, page.Height, blocks));
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
        IReadOnlyList<IReadOnlyList<TextBlock>> decorations = pages.Count >= 2
            ? DecorationTextBlockClassifier.Get(pages.Select(p => (IReadOnlyList<TextBlock>)p.Blocks).ToList())
            : [.. pages.Select(_ => (IReadOnlyList<TextBlock>)[])];
        for (var i = 0; i < pages.Count; i++)
        {
            var page = pages[i];
            var repeated = decorations[i].ToHashSet();
            page.Blocks.RemoveAll(b => page.InMargin(b) && (repeated.Contains(b) || PdfLayout.IsPageNumber(b.Text)));
        }
    }

    private static bool IsUnreadable(char c) => c is '\uFFFD' || (c >= '\uE000' && c <= '\uF8FF') || (char.IsControl(c) && c is not ('\t' or '\n' or '\r'));

    private static string Plural(int n, string word) => n == 1 ? $"1 {word}" : $"{n} {word}s";
}

/// <summary>One page's text blocks in reading order.</summary>
internal sealed record PdfPageLayout(int Number, double Width, double Height, List<TextBlock> Blocks)
{
    /// <summary>Running headers and footers live in roughly the top 10% and bottom 8% of a page.</summary>
    public bool InMargin(TextBlock b) => b.BoundingBox.Bottom >= Height * 0.90 || b.BoundingBox.Top <= Height * 0.08;
}
