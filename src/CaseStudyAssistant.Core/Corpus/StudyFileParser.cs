namespace CaseStudyAssistant.Corpus;

/// <summary>
/// Turns one markdown file into a study: front-matter notes, or (without front matter) files of the
/// by-company layout <c>…/by-company/&lt;company&gt;/&lt;slug&gt;.md</c>.
/// </summary>
internal static class StudyFileParser
{
    public static CaseStudy ParseMarkdown(string text, string relativePath, string displayPath, string contentHash)
    {
        if (FrontMatter.TrySplit(text, out var yaml, out var bodyText))
        {
            var fm = FrontMatter.Parse(yaml);
            var body = MarkdownBody.Parse(bodyText);
            var title = fm.Title ?? body.Title ?? throw new CorpusFormatException("missing field 'title' (and no '# ' heading to take it from)");
            var company = fm.Company ?? throw new CorpusFormatException("missing field 'company'");
            return Build(fm.Id ?? IdFromPath(relativePath), title, company, fm, body, displayPath, contentHash);
        }

        if (ByCompanyFolder(Path.GetFullPath(displayPath)) is { } folder)
        {
            var body = MarkdownBody.Parse(text);
            var title = body.Title ?? throw new CorpusFormatException("no '# ' title heading (files without front matter take their title from it)");
            var fm = new FrontMatter { SourceUrl = body.Links.FirstOrDefault() };
            return Build(IdFromPath(relativePath), title, CompanyName(folder), fm, body, displayPath, contentHash);
        }

        throw new CorpusFormatException("no YAML front matter (a '---' block with id, title, company, year, tags, source_url); only files under by-company/<company>/ may omit it");
    }

    private static CaseStudy Build(string id, string title, string company, FrontMatter fm, MarkdownBody body, string path, string hash)
    {
        if (body.Sections.Count == 0)
            throw new CorpusFormatException("has no text besides its title and front matter");
        return new CaseStudy
        {
            Id = id,
            Title = title,
            Company = company,
            Industry = fm.Industry,
            Category = fm.Category,
            Year = fm.Year,
            Tags = fm.Tags,
            SourceUrl = fm.SourceUrl,
            Sections = body.Sections,
            SourcePath = path,
            ContentHash = hash,
        };
    }

    /// <summary>A stable id from the path relative to the corpus folder, without the extension.</summary>
    public static string IdFromPath(string relativePath)
    {
        var withoutExtension = Path.ChangeExtension(relativePath, null);
        return Slug.From(withoutExtension.Replace('\\', '/'));
    }

    private static string? ByCompanyFolder(string path)
    {
        var parts = path.Replace('\\', '/').Split('/');
        for (var i = 0; i + 2 < parts.Length; i++)
            if (parts[i].Equals("by-company", StringComparison.OrdinalIgnoreCase) && i + 2 == parts.Length - 1)
                return parts[i + 1];
        return null;
    }

    /// <summary>"uber" → "Uber", "door-dash" → "Door Dash"; names with capitals are kept as written.</summary>
    private static string CompanyName(string folder)
    {
        if (folder.Any(char.IsUpper)) return folder;
        var words = folder.Split(['-', '_', ' '], StringSplitOptions.RemoveEmptyEntries);
        return string.Join(' ', words.Select(w => char.ToUpperInvariant(w[0]) + w[1..]));
    }
}
