using System.Security.Cryptography;
using System.Text;

namespace CaseStudyAssistant.Corpus.Documents;

/// <summary>
/// Turns a read document into a study. Each field comes from the first of: the sidecar <c>NAME.meta.yaml</c>, a
/// catalog row for the same document (matched by <c>source_url</c>, or by file name in a <c>file</c> column or at
/// the end of the row's URL), and what was detected in the file. A missing company is <see cref="CaseStudy.UnknownCompany"/>
/// and a missing year stays missing: neither is guessed.
/// </summary>
internal sealed class DocumentResolver
{
    /// <summary>Part of every document's content hash: a change to extraction re-reads saved documents.</summary>
    public const string ExtractorVersion = "documents/1";

    private readonly Dictionary<string, CaseStudy> _byUrl = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CaseStudy> _byFile = new(StringComparer.OrdinalIgnoreCase);

    /// <param name="catalogRows">Studies read from catalog CSV rows in the same run.</param>
    public DocumentResolver(IEnumerable<CaseStudy> catalogRows)
    {
        foreach (var row in catalogRows)
        {
            if (NormalizeUrl(row.SourceUrl) is { } url) _byUrl.TryAdd(url, row);
            if (row.CatalogFile is { } file) _byFile.TryAdd(FileName(file), row);
            else if (UrlFileName(row.SourceUrl) is { } tail) _byFile.TryAdd(tail, row);
        }
    }

    /// <summary>
    /// The study's id and content hash, and the catalog row that describes it: all known before the text is read,
    /// so an unchanged PDF need not be read again.
    /// </summary>
    public (string Id, string ContentHash, CaseStudy? Row) Identify(DocumentDraft draft)
    {
        var row = FindRow(draft.Sidecar?.SourceUrl ?? draft.Content?.Detected.SourceUrl, draft.RelativePath);
        var id = draft.Sidecar?.Id ?? row?.Id ?? StudyFileParser.IdFromPath(draft.RelativePath);
        var hash = $"{ExtractorVersion}|{draft.FileHash}|{draft.SidecarHash}|{row?.ContentHash}";
        return (id, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(hash))), row);
    }

    /// <summary>The study (its text must have been read), and the catalog row it took metadata from (that row is then not a study of its own).</summary>
    public (CaseStudy Study, CaseStudy? Row) Resolve(DocumentDraft draft)
    {
        var content = draft.Content ?? throw new InvalidOperationException($"the text of {draft.DisplayPath} was not read");
        var side = draft.Sidecar;
        var found = content.Detected;
        var (id, hash, row) = Identify(draft);

        string? Pick(Func<FrontMatter, string?> sideField, Func<CaseStudy, string?> rowField, Func<FrontMatter, string?> foundField) =>
            (side is null ? null : sideField(side)) ?? (row is null ? null : rowField(row)) ?? foundField(found);

        var tags = side is { Tags.Count: > 0 } ? side.Tags : row is { Tags.Count: > 0 } ? row.Tags : found.Tags;
        var study = new CaseStudy
        {
            Id = id,
            Title = Pick(s => s.Title, r => r.Title, f => f.Title) ?? TitleFromFileName(draft.RelativePath),
            Company = Pick(s => s.Company, r => r.Company, f => f.Company) ?? CaseStudy.UnknownCompany,
            Industry = Pick(s => s.Industry, r => r.Industry, f => f.Industry),
            Category = Pick(s => s.Category, r => r.Category, f => f.Category),
            Year = side?.Year ?? row?.Year ?? found.Year,
            Tags = tags,
            SourceUrl = Pick(s => s.SourceUrl, r => r.SourceUrl, f => f.SourceUrl),
            Sections = content.Sections,
            SourcePath = draft.DisplayPath,
            ContentHash = hash,
        };
        return (study, row);
    }

    private CaseStudy? FindRow(string? url, string relativePath)
    {
        if (NormalizeUrl(url) is { } u && _byUrl.TryGetValue(u, out var byUrl)) return byUrl;
        return _byFile.GetValueOrDefault(FileName(relativePath));
    }

    private static string FileName(string path) => Path.GetFileName(path.Replace('\\', '/').TrimEnd('/')).Split('/')[^1];

    /// <summary>"https://arxiv.org/pdf/2401.01234.pdf" → "2401.01234.pdf"; null unless the URL ends in a document name.</summary>
    private static string? UrlFileName(string? url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var u)) return null;
        var last = Uri.UnescapeDataString(u.AbsolutePath.TrimEnd('/').Split('/')[^1]);
        return DocumentFile.IsDocument(last) ? last : null;
    }

    /// <summary>Scheme, "www." and a trailing slash do not make two URLs different; the fragment is dropped.</summary>
    internal static string? NormalizeUrl(string? url)
    {
        if (!Uri.TryCreate(url?.Trim(), UriKind.Absolute, out var u) || (u.Scheme != Uri.UriSchemeHttp && u.Scheme != Uri.UriSchemeHttps)) return null;
        var host = u.Host.ToLowerInvariant();
        if (host.StartsWith("www.")) host = host[4..];
        return $"{host}{(u.IsDefaultPort ? "" : ":" + u.Port)}{u.AbsolutePath.TrimEnd('/')}{u.Query}";
    }

    /// <summary>"papers/fraud-rings_2023.pdf" → "fraud rings 2023": the last resort for a document with no title.</summary>
    private static string TitleFromFileName(string relativePath)
    {
        var stem = Path.GetFileNameWithoutExtension(relativePath);
        var words = stem.Split(['-', '_', ' ', '.'], StringSplitOptions.RemoveEmptyEntries);
        return words.Length > 0 ? string.Join(' ', words) : stem;
    }
}
