using UglyToad.PdfPig.Content;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Fonts.Standard14Fonts;
using UglyToad.PdfPig.Writer;

namespace CaseStudyAssistant.DocumentFixtures;

/// <summary>How a composed PDF is laid out.</summary>
public sealed record PdfStyle
{
    public int Columns { get; init; } = 1;
    public double BodySize { get; init; } = 10;
    public double TitleSize { get; init; } = 20;
    /// <summary>Headings are bold and this much larger than the body; 0 = bold at body size (bold-only headings).</summary>
    public double HeadingExtra { get; init; } = 2;
    /// <summary>Running header printed at the top of every page, or null.</summary>
    public string? RunningHeader { get; init; }
    /// <summary>Footer with the page number ("{0}" is replaced), or null.</summary>
    public string? Footer { get; init; } = "{0}";
    public bool SerifBody { get; init; }
    /// <summary>Where the body text starts on a page (PDF points from the bottom of an A4 page).</summary>
    public double TopStart { get; init; } = 770;
    /// <summary>More text printed on every page, as (text, x, y) for a page number: e.g. what a browser prints around a page.</summary>
    public Func<int, IEnumerable<(string Text, double X, double Y)>>? Furniture { get; init; }
}

/// <summary>
/// Lays out a paper with PdfPig's document builder: a title, headings, and paragraphs wrapped into one or two columns,
/// flowing onto new pages, with running headers and page numbers. A soft hyphen (U+00AD) in a word marks where it may
/// be broken at a line end; a broken word is printed with a hyphen, as typesetters do.
/// </summary>
public sealed class PdfComposer
{
    private const double Margin = 56, Gutter = 20, Bottom = 70, PageWidth = 595;
    private readonly PdfStyle _style;
    private readonly PdfDocumentBuilder _builder = new();
    private readonly PdfDocumentBuilder.AddedFont _regular, _bold, _small;
    private PdfPageBuilder? _page;
    private int _column;
    private double _y;
    /// <summary>Where columns start on the current page: below the title on the first page.</summary>
    private double _columnTop;

    private double TopStart => _style.TopStart;

    public PdfComposer(PdfStyle? style = null)
    {
        _style = style ?? new PdfStyle();
        _regular = _builder.AddStandard14Font(_style.SerifBody ? Standard14Font.TimesRoman : Standard14Font.Helvetica);
        _bold = _builder.AddStandard14Font(Standard14Font.HelveticaBold);
        _small = _builder.AddStandard14Font(Standard14Font.Helvetica);
    }

    public PdfDocumentBuilder.DocumentInformationBuilder Info => _builder.DocumentInformation;

    /// <summary>PdfPig's builder, e.g. to set an XMP packet.</summary>
    public PdfDocumentBuilder Builder => _builder;

    public int Pages => _builder.Pages.Count;

    private double ColumnWidth => (PageWidth - 2 * Margin - (_style.Columns - 1) * Gutter) / _style.Columns;

    private double ColumnLeft => Margin + _column * (ColumnWidth + Gutter);

    private void NewPage()
    {
        _page = _builder.AddPage(PageSize.A4);
        _column = 0;
        _y = _columnTop = TopStart;
        if (_style.Furniture is { } furniture)
            foreach (var (text, x, y) in furniture(_builder.Pages.Count)) _page.AddText(text, 8, new PdfPoint(x, y), _small);
        var number = _builder.Pages.Count;
        if (_style.RunningHeader is { } header) _page.AddText(header, 8, new PdfPoint(Margin, 805), _small);
        if (_style.Footer is { } footer) _page.AddText(string.Format(footer, number), 8, new PdfPoint(290, 36), _small);
    }

    private void Ensure(double height)
    {
        if (_page is null) NewPage();
        if (_y - height >= Bottom) return;
        if (_column + 1 < _style.Columns) { _column++; _y = _columnTop; }
        else NewPage();
    }

    public PdfComposer PageBreak() { NewPage(); return this; }

    /// <summary>Continue at the top of the next column (or page).</summary>
    public PdfComposer ColumnBreak()
    {
        if (_page is null) NewPage();
        if (_column + 1 < _style.Columns) { _column++; _y = _columnTop; }
        else NewPage();
        return this;
    }

    /// <summary>A large title across the page top (first page).</summary>
    public PdfComposer Title(string title)
    {
        if (_page is null) NewPage();
        foreach (var line in Wrap(title, _bold, _style.TitleSize, PageWidth - 2 * Margin))
        {
            _page!.AddText(line, _style.TitleSize, new PdfPoint(Margin, _y), _bold);
            _y -= _style.TitleSize * 1.3;
        }
        _y -= 14;
        _columnTop = _y;
        return this;
    }

    /// <summary>A line in the body font across the page (e.g. authors), below the title.</summary>
    public PdfComposer Byline(string text)
    {
        if (_page is null) NewPage();
        _page!.AddText(text, _style.BodySize, new PdfPoint(Margin, _y), _regular);
        _y -= 30;
        _columnTop = _y;
        return this;
    }

    public PdfComposer Heading(string text, int level = 1)
    {
        var size = _style.BodySize + (_style.HeadingExtra <= 0 ? 0 : level == 1 ? _style.HeadingExtra : _style.HeadingExtra / 2);
        Ensure(size * 3.5);
        _y -= size * 0.8;
        foreach (var line in Wrap(text, _bold, size, ColumnWidth))
        {
            _page!.AddText(line, size, new PdfPoint(ColumnLeft, _y), _bold);
            _y -= size * 1.4;
        }
        _y -= 4;
        return this;
    }

    public PdfComposer Paragraph(string text)
    {
        foreach (var line in Wrap(text, _regular, _style.BodySize, ColumnWidth)) WriteBodyLine(line);
        _y -= _style.BodySize * 0.9;
        return this;
    }

    /// <summary>Exactly these lines, as one paragraph (for tests that need a given line break, e.g. "extrac-" / "tion").</summary>
    public PdfComposer Lines(params string[] lines)
    {
        foreach (var line in lines) WriteBodyLine(line);
        _y -= _style.BodySize * 0.9;
        return this;
    }

    private void WriteBodyLine(string line)
    {
        Ensure(_style.BodySize * 1.4);
        _page!.AddText(line, _style.BodySize, new PdfPoint(ColumnLeft, _y), _regular);
        _y -= _style.BodySize * 1.4;
    }

    public byte[] Build() => _builder.Build();

    private double Width(string text, PdfDocumentBuilder.AddedFont font, double size)
    {
        if (text.Length == 0) return 0;
        var letters = _page!.MeasureText(text, size, new PdfPoint(0, 0), font);
        return letters.Count == 0 ? 0 : letters[^1].EndBaseLine.X - letters[0].StartBaseLine.X;
    }

    /// <summary>Greedy line breaking; a word that does not fit is broken at a soft hyphen when it has one.</summary>
    private List<string> Wrap(string text, PdfDocumentBuilder.AddedFont font, double size, double width)
    {
        if (_page is null) NewPage();
        var lines = new List<string>();
        var current = "";
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var plain = word.Replace("\u00AD", "");
            var candidate = current.Length == 0 ? plain : current + " " + plain;
            if (Width(candidate, font, size) <= width) { current = candidate; continue; }
            var broken = false;
            var points = Enumerable.Range(0, word.Length).Where(i => word[i] == '\u00AD').Reverse();
            foreach (var at in points)
            {
                var head = word[..at].Replace("\u00AD", "") + "-";
                var withHead = current.Length == 0 ? head : current + " " + head;
                if (Width(withHead, font, size) > width) continue;
                lines.Add(withHead);
                current = word[(at + 1)..].Replace("\u00AD", "");
                broken = true;
                break;
            }
            if (broken) continue;
            if (current.Length > 0) lines.Add(current);
            current = plain;
        }
        if (current.Length > 0) lines.Add(current);
        return lines;
    }
}
