using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;
using CaseStudyAssistant.Corpus.Documents;
using SmartReader;

namespace CaseStudyAssistant.Corpus.Html;

/// <summary>
/// A saved web page as a study: AngleSharp parses the page and reads its metadata, SmartReader (a port of Mozilla's
/// Readability) finds the article among navigation, banners and comments, and the article's headings become sections.
/// </summary>
internal static partial class HtmlStudyReader
{
    /// <summary>An article shorter than this (in words) is not worth a study: the page probably held something else.</summary>
    private const int MinArticleWords = 40;

    static HtmlStudyReader() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    public static DocumentContent Read(byte[] bytes, string fileName)
    {
        var parser = new HtmlParser();
        IHtmlDocument page;
        using (var stream = new MemoryStream(bytes, writable: false)) page = parser.ParseDocument(stream);

        var meta = PageMetadata.Read(page, Encoding.UTF8.GetString(bytes, 0, Math.Min(bytes.Length, 4096)));
        // Scripts, styles and embedded widgets never hold article text.
        foreach (var e in page.QuerySelectorAll("script, style, noscript, template, iframe, svg").ToList()) e.Remove();

        Article article;
        try
        {
            var reader = new Reader(meta.Url ?? $"https://localhost/{Uri.EscapeDataString(fileName)}", page);
            reader.AddOptionToRegularExpression(RegularExpressions.UnlikelyCandidates, "cookie|consent");
            article = reader.GetArticle();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new CorpusFormatException($"the page could not be read as an article ({e.GetType().Name}: {FirstLine(e.Message)})");
        }
        if (!article.IsReadable || string.IsNullOrWhiteSpace(article.Content))
            throw new CorpusFormatException("no article content found in the page (only navigation, banners or boilerplate); save the article page itself");

        var title = meta.Title ?? NullIfBlank(article.Title) ?? NullIfBlank(page.Title);
        var sections = Sections(parser.ParseDocument(article.Content), title);
        var words = sections.Sum(s => s.Text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length);
        if (words < MinArticleWords)
            throw new CorpusFormatException($"no article content found in the page (only {words} words of text outside navigation and boilerplate)");

        var year = meta.Year ?? (article.PublicationDate is { } d && PageMetadata.PlausibleYear(d.Year) ? d.Year : (int?)null) ?? meta.UrlYear;
        var detected = new FrontMatter
        {
            Title = title,
            Company = meta.SiteName ?? NullIfBlank(article.SiteName) ?? meta.Domain,
            Year = year,
            Tags = meta.Keywords,
            SourceUrl = meta.Url,
        };
        return new DocumentContent(detected, sections, 0);
    }

    /// <summary>
    /// The article's blocks in order, grouped under its headings: the top heading level used becomes a section and the
    /// next ones "Section > Subsection", like a note's <c>##</c> and <c>###</c>. An <c>h1</c> repeating the title is dropped.
    /// </summary>
    private static List<StudySection> Sections(IHtmlDocument article, string? title)
    {
        var root = article.Body ?? (IElement)article.DocumentElement;
        var headings = root.QuerySelectorAll("h1, h2, h3, h4, h5, h6").Where(h => !IsTitle(h, title)).ToList();
        var topLevel = headings.Count == 0 ? 2 : headings.Min(Level);

        var sections = new List<StudySection>();
        string? top = null, sub = null;
        var text = new StringBuilder();
        void Flush()
        {
            var body = text.ToString().Trim();
            text.Clear();
            if (body.Length == 0) return;
            var heading = top is null ? MarkdownBody.LeadHeading : sub is null ? top : $"{top} > {sub}";
            // A lead that is only a byline or a date carries nothing worth indexing.
            if (top is null && body.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length < 5) return;
            sections.Add(new StudySection(heading, body));
        }
        void Line(string? s)
        {
            s = Clean(s);
            if (s.Length == 0) return;
            if (text.Length > 0) text.Append('\n');
            text.Append(s);
        }
        void Walk(IElement element)
        {
            // Text and inline elements between blocks form one line; each block starts a new one.
            var inline = new StringBuilder();
            void EndInline() { Line(inline.ToString()); inline.Clear(); }
            foreach (var node in element.ChildNodes)
            {
                if (node is IText t) { inline.Append(t.Data); continue; }
                if (node is not IElement child) continue;
                if (child.LocalName is "br") { EndInline(); continue; }
                if (child.LocalName is "img" or "picture" or "video" or "audio" or "hr" or "button") continue;
                if (!IsBlock(child)) { inline.Append(child.TextContent); continue; }
                EndInline();
                switch (child.LocalName)
                {
                    case "h1" or "h2" or "h3" or "h4" or "h5" or "h6":
                        if (IsTitle(child, title)) continue;
                        Flush();
                        var name = Clean(child.TextContent);
                        if (name.Length == 0) continue;
                        if (Level(child) <= topLevel) { top = name; sub = null; }
                        else sub = name;
                        break;
                    case "p" or "pre" or "figcaption" or "dt" or "dd" or "caption" or "summary":
                        Line(child.TextContent);
                        break;
                    case "li":
                        // The item's own text on one line, then its nested list items.
                        Line(string.Concat(child.ChildNodes.Where(n => n is not IElement { LocalName: "ul" or "ol" }).Select(n => n.TextContent)));
                        foreach (var nested in child.Children.Where(c => c.LocalName is "ul" or "ol")) Walk(nested);
                        break;
                    case "tr":
                        Line(string.Join(" | ", child.Children.Where(c => c.LocalName is "td" or "th").Select(c => Clean(c.TextContent)).Where(c => c.Length > 0)));
                        break;
                    default:
                        Walk(child);
                        break;
                }
            }
            EndInline();
        }
        Walk(root);
        Flush();
        return sections;
    }

    private static readonly HashSet<string> BlockNames = new(StringComparer.Ordinal)
    {
        "address", "article", "aside", "blockquote", "details", "div", "dl", "fieldset", "figcaption", "figure", "footer",
        "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table",
        "tbody", "thead", "tfoot", "tr", "ul", "summary", "caption", "dt", "dd",
    };

    private static bool IsBlock(IElement e) => BlockNames.Contains(e.LocalName);

    private static int Level(IElement h) => h.LocalName[1] - '0';

    private static bool IsTitle(IElement h, string? title) =>
        h.LocalName == "h1" && title is not null && string.Equals(Clean(h.TextContent), Clean(title), StringComparison.OrdinalIgnoreCase);

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    internal static string Clean(string? s) => s is null ? "" : Whitespace().Replace(s.Replace('\u00A0', ' '), " ").Trim();

    private static string? NullIfBlank(string? s) => string.IsNullOrWhiteSpace(s) ? null : Clean(s);

    private static string FirstLine(string s) => s.Split('\n')[0].Trim();
}
