using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace CaseStudyAssistant.Corpus;

/// <summary>
/// Reads a catalog CSV (<c>id,title,company,industry,primary_category,sub_category,tags,year,source_url,…,summary_oneliner</c>)
/// as one short study per row.
/// </summary>
internal static class CsvCatalogReader
{
    private static readonly string[] RequiredColumns = ["id", "title", "company"];

    public static CorpusReadResult Read(string text, string displayPath)
    {
        var studies = new List<CaseStudy>();
        var rejected = new List<RejectedFile>();
        using var rows = CsvRows.Parse(text).GetEnumerator();
        if (!rows.MoveNext()) throw new CorpusFormatException("CSV has no header row");
        var header = rows.Current.Fields.Select(h => h.Trim().TrimStart('\uFEFF').ToLowerInvariant()).ToList();
        var missing = RequiredColumns.Where(c => !header.Contains(c)).ToList();
        if (missing.Count > 0)
            throw new CorpusFormatException($"CSV header lacks column(s) {string.Join(", ", missing)} (expected id,title,company,industry,primary_category,tags,year,source_url,summary_oneliner)");

        while (rows.MoveNext())
        {
            var row = rows.Current;
            var where = $"{displayPath}:{row.Line}";
            string? Field(string name)
            {
                var i = header.IndexOf(name);
                return i >= 0 && i < row.Fields.Count && !string.IsNullOrWhiteSpace(row.Fields[i]) ? row.Fields[i].Trim() : null;
            }
            try
            {
                if (row.Fields.Count != header.Count)
                    throw new CorpusFormatException($"row has {row.Fields.Count} fields, the header has {header.Count}");
                var id = Field("id") ?? throw new CorpusFormatException("empty 'id'");
                var title = Field("title") ?? throw new CorpusFormatException("empty 'title'");
                var company = Field("company") ?? throw new CorpusFormatException("empty 'company'");
                int? year = null;
                if (Field("year") is { } yearText)
                {
                    if (!int.TryParse(yearText, NumberStyles.None, CultureInfo.InvariantCulture, out var y) || y < FrontMatter.MinYear || y > FrontMatter.MaxYear)
                        throw new CorpusFormatException($"column 'year' must be a year between {FrontMatter.MinYear} and {FrontMatter.MaxYear}, got '{yearText}'");
                    year = y;
                }
                var url = Field("source_url");
                if (url is not null && !MarkdownBody.IsWebUrl(url))
                    throw new CorpusFormatException($"column 'source_url' must be an http(s) URL, got '{url}'");
                var tags = (Field("tags") ?? "").Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
                if (Field("sub_category") is { } sub && !tags.Contains(sub)) tags.Add(sub);
                var summary = Field("summary_oneliner") ?? Field("summary");
                // A row without a summary still gives a searchable study: its title and tags.
                var sectionText = summary ?? $"{title}. Topics: {string.Join(", ", tags)}.";
                studies.Add(new CaseStudy
                {
                    Id = id,
                    Title = title,
                    Company = company,
                    Industry = Field("industry"),
                    Category = Field("primary_category") ?? Field("category"),
                    Year = year,
                    Tags = tags,
                    SourceUrl = url,
                    Sections = [new StudySection(MarkdownBody.LeadHeading, sectionText)],
                    SourcePath = where,
                    CatalogFile = Field("file") ?? Field("file_name") ?? Field("filename"),
                    ContentHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(row.Raw))),
                });
            }
            catch (CorpusFormatException e) { rejected.Add(new(where, e.Message)); }
        }
        return new CorpusReadResult(studies, rejected);
    }
}
