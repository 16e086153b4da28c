using UglyToad.PdfPig;
using UglyToad.PdfPig.Content;
using UglyToad.PdfPig.Core;
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
            pages.Add(new PdfPageLayout(number, page.Width, page.Height, blocks.Select(b => PdfBlock.From(b, page.Height)).ToList()));
        }

        if (letters == 0)
            throw new CorpusFormatException(imagePages > 0
                ? $"no extractable text: its {Plural(imagePages, "page")} hold only images, as in a scan; OCR it first (e.g. ocrmypdf)"
                : "no extractable text; OCR it first (e.g. ocrmypdf)");
        if (unreadable > letters * 0.3)
            throw new CorpusFormatException("text layer is unreadable (its fonts have no character map); OCR it first (e.g. ocrmypdf --force-ocr)");

        var info = PdfMetadata.Read(document);
        var printedFrom = RemoveDecorations(pages, info.Title);
        var layout = PdfLayout.Build(pages);
        if (layout.Sections.Count == 0)
            throw new CorpusFormatException("no extractable text besides running headers and page numbers; OCR it first if it is a scan");
        // A page printed from a browser names its address in the margin: that is its source, and its site the company.
        var detected = info with
        {
            Title = info.Title ?? layout.Title,
            SourceUrl = info.SourceUrl ?? printedFrom,
            Company = info.Company ?? Html.PageMetadata.RegistrableDomain(printedFrom),
        };
        return new DocumentContent(detected, layout.Sections, pages.Count);
    }

    /// <summary>
    /// Drops running headers, footers and page numbers from the top and bottom margins (body text never goes): blocks
    /// PdfPig's decoration classifier finds repeated across pages (numbers aside, so "Page 3" matches "Page 4"); lines
    /// that recur word for word at the same height on several pages; and, in a one-page document too, bare page numbers
    /// ("3", "2/5"), date stamps, addresses and the title, as a browser prints them around a saved page.
    /// Returns the web address printed in a margin (a browser prints the page's URL there), if any.
    /// </summary>
    private static string? RemoveDecorations(List<PdfPageLayout> pages, string? title)
    {
        var margins = pages.Select(p => (IReadOnlyList<TextBlock>)p.Blocks.Select(b => b.MarginSource).OfType<TextBlock>().ToList()).ToList();
        var repeatedBlocks = pages.Count >= 2 && margins.Any(m => m.Count > 0)
            ? DecorationTextBlockClassifier.Get(margins).SelectMany(d => d).ToHashSet()
            : [];
        var pagesWithLine = pages
            .SelectMany(p => p.Blocks.SelectMany(b => b.Lines).Where(l => l.InMargin).Select(l => (p.Number, Key: RepeatKey(l))).Distinct())
            .GroupBy(x => x.Key).ToDictionary(g => g.Key, g => g.Count());
        var minRepeats = Math.Max(2, (int)Math.Ceiling(pages.Count * 0.3));

        var url = pages.SelectMany(p => p.Blocks.SelectMany(b => b.Lines)).Where(l => l.InMargin)
            .Select(l => PdfLayout.Clean(l.Text)).FirstOrDefault(PdfLayout.IsWebUrl);
        bool IsFurniture(PdfTextLine line)
        {
            if (!line.InMargin) return false;
            var text = PdfLayout.Clean(line.Text);
            return PdfLayout.IsPrintFurniture(text) || pagesWithLine.GetValueOrDefault(RepeatKey(line)) >= minRepeats
                || (title is not null && string.Equals(text, title, StringComparison.OrdinalIgnoreCase));
        }

        foreach (var page in pages)
        {
            for (var i = page.Blocks.Count - 1; i >= 0; i--)
            {
                var block = page.Blocks[i];
                if (block.MarginSource is { } source && repeatedBlocks.Contains(source) && block.Lines.Count <= 3) { page.Blocks.RemoveAt(i); continue; }
                var kept = block.Lines.Where(l => !IsFurniture(l)).ToList();
                if (kept.Count == 0) page.Blocks.RemoveAt(i);
                else if (kept.Count < block.Lines.Count) page.Blocks[i] = block with { Lines = kept, Text = string.Join('\n', kept.Select(l => l.Text)) };
            }
        }
        return url;
    }

    /// <summary>A margin line's identity across pages: the same words at the same height.</summary>
    private static string RepeatKey(PdfTextLine line) => $"{Math.Round(line.Bottom / 3)}|{PdfLayout.Clean(line.Text).ToLowerInvariant()}";

    private static bool IsUnreadable(char c) => c is '\uFFFD' || (c >= '\uE000' && c <= '\uF8FF') || (char.IsControl(c) && c is not ('\t' or '\n' or '\r'));

    private static string Plural(int n, string word) => n == 1 ? $"1 {word}" : $"{n} {word}s";
}

/// <summary>One page's text blocks in reading order.</summary>
internal sealed record PdfPageLayout(int Number, double Width, double Height, List<PdfBlock> Blocks)
{
    /// <summary>Running headers and footers live in roughly the top 10% and bottom 8% of a page.</summary>
    public static bool InMargin(PdfRectangle box, double height) => box.Bottom >= height * 0.90 || box.Top <= height * 0.08;
}

/// <summary>A text block's lines with their font size and weight; <see cref="MarginSource"/> is set for blocks in a page margin.</summary>
internal sealed record PdfBlock(string Text, IReadOnlyList<PdfTextLine> Lines, TextBlock? MarginSource)
{
    public static PdfBlock From(TextBlock block, double pageHeight)
    {
        var lines = new List<PdfTextLine>(block.TextLines.Count);
        foreach (var line in block.TextLines)
        {
            var letters = line.Words.SelectMany(w => w.Letters).Where(l => !string.IsNullOrWhiteSpace(l.Value)).ToList();
            if (letters.Count == 0) continue;
            var size = letters.GroupBy(l => Math.Round(l.PointSize * 2) / 2).MaxBy(g => g.Count())!.Key;
            lines.Add(new PdfTextLine(line.Text, size, letters.Count(IsBold) * 2 > letters.Count, PdfPageLayout.InMargin(line.BoundingBox, pageHeight), line.BoundingBox.Bottom));
        }
        return new PdfBlock(block.Text, lines, PdfPageLayout.InMargin(block.BoundingBox, pageHeight) ? block : null);
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

/// <summary>A line of a block; <see cref="InMargin"/> when it lies in the top or bottom margin of its page.</summary>
internal sealed record PdfTextLine(string Text, double Size, bool Bold, bool InMargin, double Bottom);
