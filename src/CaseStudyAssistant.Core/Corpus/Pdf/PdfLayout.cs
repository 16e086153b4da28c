using System.Text;
using System.Text.RegularExpressions;

namespace CaseStudyAssistant.Corpus.Pdf;

/// <summary>
/// Turns a document's text lines (already in reading order, headers and footers gone) into a title and sections.
/// Headings are lines set apart by their font: larger than the body text, or bold where the body is not, or numbered
/// ("3", "3.2 Serving") on a line of their own. Levels come from the numbering, else from the font size. Each section
/// keeps the page it starts on, and a section that runs across pages is split there, so a passage cites its page.
/// Without any heading, each page is a section.
/// </summary>
internal static partial class PdfLayout
{
    public sealed record Result(string? Title, IReadOnlyList<StudySection> Sections);

    private sealed class Line(int page, int block, string text, double size, bool bold, bool aloneInBlock)
    {
        public int Page { get; } = page;
        public int Block { get; } = block;
        public string Text { get; set; } = text;
        public double Size { get; } = size;
        public bool Bold { get; } = bold;
        public bool AloneInBlock { get; } = aloneInBlock;
        public bool IsHeading { get; set; }
        public int Level { get; set; }
    }

    private sealed class Paragraph(string heading, int page, int block, string first)
    {
        public string Heading { get; } = heading;
        public int Page { get; } = page;
        public int LastBlock { get; set; } = block;
        public List<string> Lines { get; } = [first];
    }

    /// <summary>A part shorter than this that starts a new page is kept with the part before it (same heading).</summary>
    private const int MinPartWords = 12;

    public static Result Build(IReadOnlyList<PdfPageLayout> pages)
    {
        var lines = new List<Line>();
        var blockNo = 0;
        foreach (var page in pages)
            foreach (var block in page.Blocks)
            {
                blockNo++;
                foreach (var line in block.Lines)
                {
                    var text = Clean(line.Text);
                    if (text.Length > 0) lines.Add(new Line(page.Number, blockNo, text, line.Size, line.Bold, block.Lines.Count == 1));
                }
            }
        if (lines.Count == 0) return new Result(null, []);

        // The body text is the size (and weight) most of the letters are set in.
        var bySize = lines.GroupBy(l => l.Size).Select(g => (Size: g.Key, Chars: g.Sum(l => l.Text.Length), Bold: g.Where(l => l.Bold).Sum(l => l.Text.Length))).ToList();
        var body = bySize.MaxBy(s => s.Chars);
        var bodyBold = body.Bold * 2 > body.Chars;

        var title = FindTitle(lines, body.Size);
        MarkHeadings(lines, body.Size, bodyBold);

        var vocabulary = Vocabulary(lines.Where(l => !l.IsHeading));
        return new Result(title, Sections(lines, vocabulary));
    }

    /// <summary>
    /// The title is the largest text near the top of the first page, well above the body size and not a numbered
    /// heading; its lines are taken out of the text.
    /// </summary>
    private static string? FindTitle(List<Line> lines, double bodySize)
    {
        var firstPage = lines.Where(l => l.Page == lines[0].Page).Take(40).ToList();
        var candidates = firstPage.Where(l => l.Size >= bodySize * 1.3 && l.Text.Any(char.IsLetter) && !Numbered().IsMatch(l.Text)).ToList();
        if (candidates.Count == 0) return null;
        var size = candidates.Max(l => l.Size);
        var start = firstPage.FindIndex(l => Math.Abs(l.Size - size) < 0.01 && candidates.Contains(l));
        var parts = new List<Line>();
        for (var i = start; i < firstPage.Count && parts.Count < 3 && Math.Abs(firstPage[i].Size - size) < 0.01; i++) parts.Add(firstPage[i]);
        foreach (var p in parts) lines.Remove(p);
        var title = JoinLines(parts.Select(p => p.Text), []);
        return title.Length >= 3 ? title : null;
    }

    private static void MarkHeadings(List<Line> lines, double bodySize, bool bodyBold)
    {
        bool Styled(Line l) => l.Size >= bodySize * 1.12 || (l.Bold && !bodyBold && l.Size >= bodySize * 0.95);
        bool Shaped(Line l) =>
            l.Text.Length <= 140 && WordCount(l.Text) <= 16 && l.Text.Count(char.IsLetter) >= 3
            && !Caption().IsMatch(l.Text) && !IsPageNumber(l.Text)
            && (!EndsSentence(l.Text) || Numbered().IsMatch(l.Text) && !l.Text.EndsWith('.'));

        for (var i = 0; i < lines.Count; i++)
        {
            var l = lines[i];
            var numbered = Numbered().Match(l.Text);
            if (Styled(l) && Shaped(l))
            {
                // A heading is one or two lines in its style; a longer run in that style is emphasised body text.
                var run = 1;
                while (i + run < lines.Count && lines[i + run].Block == l.Block && Same(lines[i + run], l) && Shaped(lines[i + run])) run++;
                if (run > 2) { i += run - 1; continue; }
                l.IsHeading = true;
                if (run == 2) { l.Text = JoinLines([l.Text, lines[i + 1].Text], []); lines.RemoveAt(i + 1); }
            }
            else if (numbered.Success && l.AloneInBlock && WordCount(l.Text) <= 10 && !EndsSentence(l.Text) && Shaped(l))
                l.IsHeading = true;
        }

        var headings = lines.Where(l => l.IsHeading).ToList();
        if (headings.Count == 0) return;
        var largest = headings.Max(h => h.Size);
        foreach (var h in headings)
        {
            var m = Numbered().Match(h.Text);
            h.Level = m.Success && m.Groups["num"].Value.Any(char.IsDigit)
                ? m.Groups["num"].Value.TrimEnd('.').Split('.').Length
                : h.Size >= largest - 0.25 ? 1 : 2;
        }
    }

    private static bool Same(Line a, Line b) => Math.Abs(a.Size - b.Size) < 0.01 && a.Bold == b.Bold;

    /// <summary>Paragraphs in reading order under their headings, split where a section crosses into a new page.</summary>
    private static List<StudySection> Sections(List<Line> lines, HashSet<string> vocabulary)
    {
        var anyHeading = lines.Any(l => l.IsHeading);
        var paragraphs = new List<Paragraph>();
        string? top = null, sub = null;
        Paragraph? current = null;
        foreach (var l in lines)
        {
            if (l.IsHeading)
            {
                if (l.Level <= 1 || top is null) { top = l.Text; sub = null; }
                else sub = l.Text;
                current = null;
                continue;
            }
            if (current is not null && l.Block == current.LastBlock) { current.Lines.Add(l.Text); continue; }
            // A paragraph cut by a column or page break goes on where it stopped: no sentence end, lower-case start.
            if (current is not null && !EndsSentence(current.Lines[^1]) && char.IsLower(l.Text[0]))
            {
                current.Lines.Add(l.Text);
                current.LastBlock = l.Block;
                continue;
            }
            var heading = !anyHeading ? $"Page {l.Page}" : top is null ? MarkdownBody.LeadHeading : sub is null ? top : $"{top} > {sub}";
            current = new Paragraph(heading, l.Page, l.Block, l.Text);
            paragraphs.Add(current);
        }

        var sections = new List<StudySection>();
        foreach (var part in paragraphs.ChunkBy(p => (p.Heading, p.Page)))
        {
            var (heading, page) = part.Key;
            var text = string.Join('\n', part.Select(p => JoinLines(p.Lines, vocabulary)).Where(p => p.Length > 0));
            if (text.Length == 0) continue;
            if (heading == MarkdownBody.LeadHeading && WordCount(text) < 5) continue;
            if (sections.Count > 0 && sections[^1].Heading == heading && WordCount(text) < MinPartWords)
            {
                sections[^1] = sections[^1] with { Text = sections[^1].Text + "\n" + text };
                continue;
            }
            sections.Add(new StudySection(heading, text) { Page = page });
        }
        return sections;
    }

    /// <summary>Consecutive items with the same key, in order.</summary>
    private static IEnumerable<IGrouping<TKey, T>> ChunkBy<T, TKey>(this IEnumerable<T> items, Func<T, TKey> key)
    {
        var buffer = new List<T>();
        TKey? last = default;
        foreach (var item in items)
        {
            var k = key(item);
            if (buffer.Count > 0 && !EqualityComparer<TKey>.Default.Equals(k, last))
            {
                yield return new Group<TKey, T>(last!, [.. buffer]);
                buffer.Clear();
            }
            buffer.Add(item);
            last = k;
        }
        if (buffer.Count > 0) yield return new Group<TKey, T>(last!, [.. buffer]);
    }

    private sealed class Group<TKey, T>(TKey key, List<T> items) : IGrouping<TKey, T>
    {
        public TKey Key { get; } = key;
        public IEnumerator<T> GetEnumerator() => items.GetEnumerator();
        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    /// <summary>
    /// Joins a paragraph's lines. A word broken at a line end ("extrac-" / "tion") is rejoined, unless the document
    /// writes it with a hyphen elsewhere or the first part is already a compound ("state-of-the-" / "art").
    /// </summary>
    internal static string JoinLines(IEnumerable<string> lines, HashSet<string> vocabulary)
    {
        var sb = new StringBuilder();
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.Length == 0) continue;
            if (sb.Length == 0) { sb.Append(line); continue; }
            if (sb[^1] == '\u00AD') { sb.Length--; sb.Append(line); continue; }
            if (sb[^1] == '-' && sb.Length >= 2 && char.IsLetter(sb[^2]) && char.IsLower(line[0]))
            {
                var start = sb.Length - 1;
                while (start > 0 && !char.IsWhiteSpace(sb[start - 1])) start--;
                var head = sb.ToString(start, sb.Length - 1 - start);
                var tail = new string(line.TakeWhile(c => char.IsLetter(c) || c == '-').ToArray());
                var keepHyphen = head.Contains('-')
                    || (vocabulary.Contains($"{head}-{tail}".ToLowerInvariant()) && !vocabulary.Contains((head + tail).ToLowerInvariant()));
                if (!keepHyphen) sb.Length--;
                sb.Append(line);
                continue;
            }
            sb.Append(' ').Append(line);
        }
        return sb.ToString().Replace("\u00AD", "");
    }

    /// <summary>Every word as written inside lines (not at a line end), lower-cased, to decide hyphenation.</summary>
    private static HashSet<string> Vocabulary(IEnumerable<Line> lines)
    {
        var words = new HashSet<string>(StringComparer.Ordinal);
        foreach (var l in lines)
            foreach (Match m in Word().Matches(l.Text))
                if (!m.Value.EndsWith('-')) words.Add(m.Value.ToLowerInvariant());
        return words;
    }

    [GeneratedRegex(@"\p{L}[\p{L}\-]*")]
    private static partial Regex Word();

    /// <summary>"3 Results", "3.2. Serving", "IV. Evaluation", "A. Proofs": a numbered heading.</summary>
    [GeneratedRegex(@"^(?<num>\d{1,2}(\.\d{1,2}){0,3}\.?|[IVX]{1,5}\.|[A-H]\.)\s+(?<rest>\p{Lu}.*)$")]
    private static partial Regex Numbered();

    [GeneratedRegex(@"^(fig(ure)?|table|tab|listing|algorithm|eq(uation)?)\.?\s*\d", RegexOptions.IgnoreCase)]
    private static partial Regex Caption();

    [GeneratedRegex(@"^((page|p\.|seite)\s*)?\d{1,4}(\s*(/|of|von)\s*\d{1,4})?$|^[-–—]\s*\d{1,4}\s*[-–—]$|^[ivxlc]{1,6}$", RegexOptions.IgnoreCase)]
    private static partial Regex PageNumber();

    internal static bool IsPageNumber(string text) => PageNumber().IsMatch(text.Trim());

    [GeneratedRegex(@"^\d{1,4}[/.\-]\d{1,2}[/.\-]\d{1,4}(,?\s+\d{1,2}:\d{2}(:\d{2})?(\s*[AaPp]\.?[Mm]\.?)?)?$")]
    private static partial Regex DateStamp();

    [GeneratedRegex(@"^(https?|file)://\S+$", RegexOptions.IgnoreCase)]
    private static partial Regex Address();

    /// <summary>What a printer puts around a page: a page number, a date stamp, an address.</summary>
    internal static bool IsPrintFurniture(string text) => IsPageNumber(text) || DateStamp().IsMatch(text.Trim()) || Address().IsMatch(text.Trim());

    internal static bool IsWebUrl(string text) => MarkdownBody.IsWebUrl(text.Trim()) && Address().IsMatch(text.Trim());

    private static bool EndsSentence(string text) => text.TrimEnd() is { Length: > 0 } t && t[^1] is '.' or '!' or '?' or ':' or ';' or '"' or '”' or ')' or ',';

    private static int WordCount(string text) => text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();

    /// <summary>Collapses spaces and spells out typographic ligatures ("ﬁ" → "fi"), so words match what people type.</summary>
    internal static string Clean(string s)
    {
        if (s.AsSpan().IndexOfAnyInRange('\uFB00', '\uFB06') >= 0)
            s = s.Replace("\uFB00", "ff").Replace("\uFB01", "fi").Replace("\uFB02", "fl").Replace("\uFB03", "ffi")
                .Replace("\uFB04", "ffl").Replace("\uFB05", "st").Replace("\uFB06", "st");
        return Spaces().Replace(s.Replace('\u00A0', ' '), " ").Trim();
    }
}
