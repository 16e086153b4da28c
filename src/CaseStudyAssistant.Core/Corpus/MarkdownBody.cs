using System.Text;
using Markdig;
using Markdig.Extensions.Tables;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace CaseStudyAssistant.Corpus;

/// <summary>The readable content of a markdown body: its first H1, its sections as plain text, and its links.</summary>
internal sealed record MarkdownBody(string? Title, IReadOnlyList<StudySection> Sections, IReadOnlyList<string> Links)
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UsePipeTables().Build();

    /// <summary>Heading given to text that stands before the first <c>##</c> heading.</summary>
    public const string LeadHeading = "Summary";

    public static MarkdownBody Parse(string markdown)
    {
        var document = Markdown.Parse(markdown, Pipeline);
        string? title = null;
        string? h2 = null, h3 = null;
        var sections = new List<StudySection>();
        var links = new List<string>();
        var current = new StringBuilder();

        void Flush()
        {
            var text = current.ToString().Trim();
            current.Clear();
            if (text.Length == 0) return;
            var heading = h2 is null ? LeadHeading : h3 is null ? h2 : $"{h2} > {h3}";
            // A lead that is only a byline ("Company · 2024 · source") carries nothing worth indexing.
            if (h2 is null && CountWords(text) < 5) return;
            sections.Add(new StudySection(heading, text));
        }

        foreach (var block in document)
        {
            if (block is HeadingBlock heading)
            {
                var text = InlineText(heading.Inline, links).Trim();
                if (heading.Level == 1 && title is null) { Flush(); title = text; continue; }
                if (heading.Level <= 2) { Flush(); h2 = text; h3 = null; continue; }
                Flush(); h3 = text; continue;
            }
            AppendBlock(block, current, links);
        }
        Flush();
        return new MarkdownBody(title, sections, links);
    }

    private static void AppendBlock(Block block, StringBuilder sb, List<string> links)
    {
        switch (block)
        {
            case ParagraphBlock p:
                AppendLine(sb, InlineText(p.Inline, links));
                break;
            case ListBlock list:
                foreach (var item in list)
                {
                    if (item is not ListItemBlock li) continue;
                    var itemText = new StringBuilder();
                    foreach (var child in li)
                    {
                        if (child is ListBlock nested) { AppendLine(sb, itemText.ToString()); itemText.Clear(); AppendBlock(nested, sb, links); }
                        else AppendBlock(child, itemText, links);
                    }
                    AppendLine(sb, itemText.ToString().Replace('\n', ' '));
                }
                break;
            case Table table:
                foreach (var row in table.OfType<TableRow>())
                {
                    var cells = row.OfType<TableCell>().Select(c =>
                    {
                        var cellText = new StringBuilder();
                        foreach (var cb in c) AppendBlock(cb, cellText, links);
                        return cellText.ToString().Trim();
                    });
                    AppendLine(sb, string.Join(" | ", cells));
                }
                break;
            case CodeBlock code:
                AppendLine(sb, string.Join('\n', code.Lines.Lines.Take(code.Lines.Count).Select(l => l.ToString())));
                break;
            case HeadingBlock h:
                AppendLine(sb, InlineText(h.Inline, links));
                break;
            case HtmlBlock html:
                // Raw HTML can share its lines with prose ("<script>…</script> Real text"): keep the text a reader
                // would see, drop scripts, styles and comments.
                AppendLine(sb, VisibleText(string.Join('\n', html.Lines.Lines.Take(html.Lines.Count).Select(l => l.ToString()))));
                break;
            case ContainerBlock container:
                foreach (var child in container) AppendBlock(child, sb, links);
                break;
            case LeafBlock leaf when leaf.Inline is not null:
                AppendLine(sb, InlineText(leaf.Inline, links));
                break;
        }
    }

    private static void AppendLine(StringBuilder sb, string text)
    {
        text = text.Trim();
        if (text.Length == 0) return;
        if (sb.Length > 0) sb.Append('\n');
        sb.Append(text);
    }

    private static string InlineText(ContainerInline? container, List<string> links)
    {
        if (container is null) return "";
        var sb = new StringBuilder();
        foreach (var inline in container) AppendInline(inline, sb, links);
        return sb.ToString();
    }

    private static void AppendInline(Inline inline, StringBuilder sb, List<string> links)
    {
        switch (inline)
        {
            case LiteralInline lit: sb.Append(lit.Content.ToString()); break;
            case CodeInline code: sb.Append(code.Content); break;
            case LineBreakInline: sb.Append(' '); break;
            case AutolinkInline auto:
                if (!auto.IsEmail) links.Add(auto.Url);
                sb.Append(auto.Url);
                break;
            case LinkInline link:
                if (!link.IsImage && IsWebUrl(link.Url)) links.Add(link.Url!);
                if (!link.IsImage) foreach (var child in link) AppendInline(child, sb, links);
                break;
            case HtmlInline: break;
            case ContainerInline c: foreach (var child in c) AppendInline(child, sb, links); break;
        }
    }

    private static readonly AngleSharp.Html.Parser.HtmlParser Html = new();

    internal static string VisibleText(string html)
    {
        using var document = Html.ParseDocument($"<body>{html}</body>");
        foreach (var hidden in document.QuerySelectorAll("script, style, template, noscript").ToList()) hidden.Remove();
        var text = document.Body?.TextContent ?? "";
        return string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
    }

    internal static bool IsWebUrl(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var u) && (u.Scheme == Uri.UriSchemeHttp || u.Scheme == Uri.UriSchemeHttps);

    private static int CountWords(string text) =>
        text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Count(w => w.Any(char.IsLetterOrDigit));
}
