using System.Text;

namespace CaseStudyAssistant.Comparing;

/// <summary>A comparison as the JSON of the API, a Markdown table for a design doc, or text for a 100-column terminal.</summary>
public static class CompareFormatter
{
    public const int TextWidth = 100;
    private const int LabelWidth = 17;

    public static object ToJson(Comparison c) => new
    {
        topic = c.Topic,
        refused = c.Refused,
        mode = c.Mode,
        model = c.Model,
        studies = c.Studies.Select(s => new
        {
            n = s.N, docId = s.DocId, title = s.Title, company = s.Company, year = s.Year, url = s.Url,
            cells = CompareColumns.All.ToDictionary(col => col, col => Cell(s.Cells[col])),
        }),
        patterns = c.Patterns.Select(Point),
        differences = c.Differences.Select(Point),
        notices = c.Notices,
        nearest = c.Nearest.Select(n => new { docId = n.DocId, title = n.Title, company = n.Company, year = n.Year, url = n.Url }),
        prompts = c.Prompts.Select(p => new { name = p.Name, hash = p.Hash }),
    };

    private static object Cell(CompareCell cell) => new
    {
        text = cell.Text,
        citation = cell.Citation is { } ci ? new { n = ci.N, docId = ci.DocId, section = ci.Section, url = ci.Url } : null,
        source = cell.Source,
        flag = cell.Flag,
    };

    private static object Point(ComparePoint p) => new
    {
        text = p.Text,
        studies = p.Studies,
        quotes = p.Quotes.Select(q => new { n = q.N, docId = q.DocId, section = q.Section, text = q.Text }),
        source = p.Source,
        flag = p.Flag,
    };

    private static string CellText(CompareCell cell) => cell.Citation is { } ci ? $"{cell.Text} [{ci.N}]" : cell.Text;

    private static string Studies(Comparison c, ComparePoint p) =>
        string.Join(", ", p.Quotes.Select(q => q.N).Distinct().Select(n => $"{c.Studies[n - 1].Company} [{n}]"));

    public static string ToMarkdown(Comparison c)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"# Compare: {c.Topic}");
        sb.AppendLine();
        foreach (var notice in c.Notices) sb.AppendLine($"> {notice}").AppendLine();
        if (c.Refused)
        {
            foreach (var n in c.Nearest) sb.AppendLine($"- {n.Title} — {n.Company}{(n.Year is { } y ? $", {y}" : "")} (`{n.DocId}`)");
            return sb.ToString();
        }
        sb.AppendLine("| Study | " + string.Join(" | ", CompareColumns.All.Select(CompareColumns.Title)) + " |");
        sb.AppendLine("|---" + string.Concat(CompareColumns.All.Select(_ => "|---")) + "|");
        foreach (var s in c.Studies)
            sb.AppendLine($"| **[{s.N}] {Escape(s.Company)}** — {Escape(s.Title)}{(s.Year is { } y ? $" ({y})" : "")} | "
                + string.Join(" | ", CompareColumns.All.Select(col => Escape(CellText(s.Cells[col])) + (s.Cells[col].Flag is { } f ? $" ⚑ _{Escape(f)}_" : ""))) + " |");
        AppendPoints("Common patterns", c.Patterns, "No decision or component is shared by two of these studies.");
        AppendPoints("Where they differ", c.Differences, "No study's key decisions turn down what another study chose.");
        sb.AppendLine();
        sb.AppendLine("## Sources");
        sb.AppendLine();
        foreach (var s in c.Studies)
            sb.AppendLine($"{s.N}. {(s.Url is null ? Escape(s.Title) : $"[{Escape(s.Title)}]({s.Url})")} — {Escape(s.Company)}{(s.Year is { } y2 ? $", {y2}" : "")} (`{s.DocId}`)");
        return sb.ToString();

        void AppendPoints(string title, IReadOnlyList<ComparePoint> points, string none)
        {
            sb.AppendLine();
            sb.AppendLine($"## {title}");
            sb.AppendLine();
            if (points.Count == 0) sb.AppendLine($"_{none}_");
            foreach (var p in points)
            {
                sb.AppendLine($"- **{Escape(p.Text)}** — {Studies(c, p)}{(p.Flag is { } f ? $" ⚑ _{Escape(f)}_" : "")}");
                foreach (var q in p.Quotes) sb.AppendLine($"  - {Escape(c.Studies[q.N - 1].Company)} [{q.N}], {Escape(q.Section)}: “{Escape(q.Text)}”");
            }
        }
    }

    private static string Escape(string s) => s.Replace("|", "\\|").Replace("\r", " ").Replace("\n", " ");

    /// <summary>One block per study, each cell wrapped beside its column label; every line fits <see cref="TextWidth"/> columns.</summary>
    public static string ToText(Comparison c)
    {
        var sb = new StringBuilder();
        if (c.Refused)
        {
            foreach (var notice in c.Notices) Wrap(sb, notice, "", "");
            foreach (var n in c.Nearest) Wrap(sb, $"{n.Title} — {n.Company}{(n.Year is { } y ? $", {y}" : "")} ({n.DocId})", "- ", "  ");
            return sb.ToString().TrimEnd();
        }
        Wrap(sb, $"Compare: {c.Topic} — {c.Studies.Count} stud{(c.Studies.Count == 1 ? "y" : "ies")}{(c.Model is null ? "" : $", cells condensed by {c.Model}")}", "", "");
        foreach (var notice in c.Notices) Wrap(sb, $"note: {notice}", "", "      ");
        var pad = new string(' ', 2 + LabelWidth + 2);
        foreach (var s in c.Studies)
        {
            sb.AppendLine();
            Wrap(sb, $"[{s.N}] {s.Company} — {s.Title}{(s.Year is { } y ? $" ({y})" : "")}", "", "    ");
            foreach (var col in CompareColumns.All)
            {
                var cell = s.Cells[col];
                Wrap(sb, CellText(cell), "  " + CompareColumns.Title(col).PadRight(LabelWidth) + "  ", pad);
                if (cell.Flag is { } flag) Wrap(sb, $"(flag: {flag})", pad, pad);
            }
        }
        TextPoints("Common patterns", c.Patterns, "No decision or component is shared by two of these studies.");
        TextPoints("Where they differ", c.Differences, "No study's key decisions turn down what another study chose.");
        sb.AppendLine();
        sb.AppendLine("Sources:");
        foreach (var s in c.Studies) Wrap(sb, s.SourceLine, "", "    ");
        return sb.ToString().TrimEnd();

        void TextPoints(string title, IReadOnlyList<ComparePoint> points, string none)
        {
            sb.AppendLine();
            sb.AppendLine($"{title}:");
            if (points.Count == 0) Wrap(sb, none, "  ", "  ");
            foreach (var p in points)
            {
                Wrap(sb, $"{p.Text} — {Studies(c, p)}", "  - ", "    ");
                if (p.Flag is { } flag) Wrap(sb, $"(flag: {flag})", "    ", "    ");
                foreach (var q in p.Quotes) Wrap(sb, $"[{q.N}] “{q.Text}”", "      ", "          ");
            }
        }
    }

    /// <summary>Greedy word wrap: <paramref name="first"/> starts the first line, <paramref name="rest"/> the others.</summary>
    public static void Wrap(StringBuilder sb, string text, string first, string rest, int width = TextWidth)
    {
        var line = new StringBuilder(first);
        var empty = true;
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var w = word;
            while (true)
            {
                var room = Math.Max(1, width - line.Length - (empty ? 0 : 1));
                if (w.Length <= room) { if (!empty) line.Append(' '); line.Append(w); empty = false; break; }
                if (!empty) { sb.AppendLine(line.ToString()); line.Clear().Append(rest); empty = true; continue; }
                // A word longer than a whole line is cut.
                line.Append(w[..room]); sb.AppendLine(line.ToString()); line.Clear().Append(rest); w = w[room..];
            }
        }
        if (!empty || line.Length > 0) sb.AppendLine(line.ToString().TrimEnd());
    }
}
