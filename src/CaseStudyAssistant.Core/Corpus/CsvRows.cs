using System.Text;

namespace CaseStudyAssistant.Corpus;

/// <summary>A minimal RFC 4180 reader: quoted fields, doubled quotes, newlines inside quotes; reports each row's first line.</summary>
internal static class CsvRows
{
    public readonly record struct Row(int Line, IReadOnlyList<string> Fields, string Raw);

    public static IEnumerable<Row> Parse(string text)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        int line = 1, rowLine = 1, rowStart = 0;
        bool inQuotes = false, fieldQuoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (inQuotes)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                else if (c == '"') inQuotes = false;
                else { if (c == '\n') line++; field.Append(c); }
                continue;
            }
            switch (c)
            {
                case '"' when field.Length == 0 && !fieldQuoted: inQuotes = fieldQuoted = true; break;
                case ',': fields.Add(field.ToString()); field.Clear(); fieldQuoted = false; break;
                case '\r': break;
                case '\n':
                    fields.Add(field.ToString()); field.Clear(); fieldQuoted = false;
                    if (fields.Count > 1 || fields[0].Length > 0) yield return new Row(rowLine, fields.ToArray(), text[rowStart..i]);
                    fields.Clear(); line++; rowLine = line; rowStart = i + 1;
                    break;
                default: field.Append(c); break;
            }
        }
        if (inQuotes) throw new CorpusFormatException($"CSV has an unclosed quote starting in the row at line {rowLine}");
        if (field.Length > 0 || fields.Count > 0)
        {
            fields.Add(field.ToString());
            yield return new Row(rowLine, fields.ToArray(), text[rowStart..]);
        }
    }
}
