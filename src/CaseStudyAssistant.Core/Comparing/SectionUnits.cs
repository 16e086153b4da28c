using CaseStudyAssistant.Chunking;
using CaseStudyAssistant.Indexing;

namespace CaseStudyAssistant.Comparing;

/// <summary>One quotable piece of a section: a bullet, or a sentence of a paragraph.</summary>
internal sealed record SectionUnit(string Section, int Order, string Text);

/// <summary>Splits a study's sections of one kind into quotable units.</summary>
internal static class SectionUnits
{
    /// <summary>A list item up to this long is kept whole; longer ones are split into sentences.</summary>
    private const int WholeLineChars = 280;

    public static List<SectionUnit> Of(StudyRecord study, string column)
    {
        var units = new List<SectionUnit>();
        var order = 0;
        foreach (var section in study.Sections.Where(s => CompareColumns.Matches(column, s.Heading)))
        {
            var lines = section.Text.Split('\n').Select(Clean).Where(l => l.Length > 0).ToList();
            // Several lines are a list (each item one unit); a single line is a paragraph, quoted by the sentence.
            foreach (var line in lines)
                foreach (var piece in lines.Count > 1 && line.Length <= WholeLineChars ? [line] : SentenceSplitter.Split(line).Select(Clean))
                    if (piece.Length > 0) units.Add(new SectionUnit(section.Heading, order++, piece));
        }
        return units;
    }

    /// <summary>The text of every section of this kind, the evidence a condensed cell is checked against.</summary>
    public static string Text(StudyRecord study, string column) =>
        string.Join("\n", study.Sections.Where(s => CompareColumns.Matches(column, s.Heading)).Select(s => s.Text));

    public static string? Heading(StudyRecord study, string column) =>
        study.Sections.FirstOrDefault(s => CompareColumns.Matches(column, s.Heading))?.Heading;

    /// <summary>
    /// Stack sections list components separated by commas and semicolons; each becomes its own item for clustering.
    /// Commas inside parentheses do not split.
    /// </summary>
    public static List<string> Components(string text)
    {
        var items = new List<string>();
        var current = new System.Text.StringBuilder();
        var depth = 0;
        foreach (var ch in text.Replace('\n', ','))
        {
            if (ch == '(') depth++;
            if (ch == ')') depth = Math.Max(0, depth - 1);
            if (depth == 0 && ch is ',' or ';') { Add(); continue; }
            current.Append(ch);
        }
        Add();
        return items;

        void Add()
        {
            var item = current.ToString().Trim().TrimEnd('.').Trim();
            if (item.StartsWith("and ", StringComparison.OrdinalIgnoreCase)) item = item[4..];
            if (item.Length > 1) items.Add(item);
            current.Clear();
        }
    }

    public static string Clean(string line) => line.TrimStart('-', '*', '•', ' ').Trim();
}
