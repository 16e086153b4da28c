using System.Security.Cryptography;
using System.Text;
using CaseStudyAssistant.Corpus.Documents;

namespace CaseStudyAssistant.Corpus;

/// <summary>
/// Reads every study under one or more corpus folders. A file that cannot be read is rejected with a
/// one-line reason and the others are still read.
/// </summary>
public sealed class CorpusReader
{
    /// <summary>Changes when the same file would be read into different text (part of the index's pipeline version).</summary>
    public const string Version = "2";

    /// <summary>Files larger than this are rejected rather than read (a study note is a few KB).</summary>
    public long MaxFileBytes { get; init; } = 1024 * 1024;

    /// <summary>Catalog CSVs hold thousands of rows, so they get a larger allowance.</summary>
    public long MaxCatalogBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>Saved papers and web pages (PDF, HTML) larger than this are rejected (setting Corpus:MaxDocumentMegabytes).</summary>
    public long MaxDocumentBytes { get; init; } = 50L * 1024 * 1024;

    private static readonly HashSet<string> NonStudyFiles = new(StringComparer.OrdinalIgnoreCase)
    {
        "README.md", "INDEX.md", "LICENSE.md", "CHANGELOG.md", "CONTRIBUTING.md", "CODE_OF_CONDUCT.md",
    };

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <param name="unchanged">
    /// Optional: (id, content hash, source path) → the index already holds exactly this version. A saved PDF for which it
    /// says yes is not read again; its study comes back without sections, to be counted as unchanged.
    /// </param>
    public CorpusReadResult Read(IEnumerable<string> folders, Func<string, string, string, bool>? unchanged = null)
    {
        // Notes and catalog rows in file order; a saved document holds its place until catalog rows can be matched to it.
        var entries = new List<(CaseStudy? Study, DocumentDraft? Draft)>();
        var rejected = new List<RejectedFile>();
        var stats = DocumentStats.None;
        var walk = new CorpusWalk();
        foreach (var folder in folders)
        {
            if (!Directory.Exists(folder))
                throw new DirectoryNotFoundException($"corpus folder not found: {folder}");
            foreach (var file in EnumerateFiles(folder, walk))
            {
                var relative = Path.GetRelativePath(folder, file);
                var display = Path.Combine(folder, relative);
                var result = ReadEntry(file, relative, display, extract: unchanged is null, out var draft);
                rejected.AddRange(result.Rejected);
                stats = stats.Add(result.Documents);
                if (draft is not null) entries.Add((null, draft));
                else entries.AddRange(result.Studies.Select(s => ((CaseStudy?)s, (DocumentDraft?)null)));
            }
        }

        var (ordered, consumed) = ResolveDocuments(entries, unchanged, rejected, ref stats);

        var studies = new List<CaseStudy>();
        var firstSeen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var study in ordered)
        {
            if (consumed.Contains(study.SourcePath)) continue;
            if (firstSeen.TryGetValue(study.Id, out var other))
            {
                // A full note is richer than a one-line catalog row with the same id: keep the note.
                var index = studies.FindIndex(s => s.Id == study.Id);
                if (IsCatalogRow(other) && !IsCatalogRow(study.SourcePath))
                {
                    rejected.Add(new(other, $"duplicate id '{study.Id}': also used by {study.SourcePath} (the note is kept)"));
                    studies[index] = study;
                    firstSeen[study.Id] = study.SourcePath;
                }
                else rejected.Add(new(study.SourcePath, $"duplicate id '{study.Id}': also used by {other}"));
                continue;
            }
            firstSeen[study.Id] = study.SourcePath;
            studies.Add(study);
        }
        return new CorpusReadResult(studies, rejected) { Documents = stats, SkippedLinks = walk.Skipped };
    }

    /// <summary>
    /// Saved documents take their place among the other studies: a sidecar or a catalog row for the same document
    /// overrides what was detected, and a row used that way (returned in <c>Consumed</c>) is no study of its own.
    /// </summary>
    private static (List<CaseStudy> Ordered, HashSet<string> Consumed) ResolveDocuments(
        List<(CaseStudy? Study, DocumentDraft? Draft)> entries, Func<string, string, string, bool>? unchanged, List<RejectedFile> rejected, ref DocumentStats stats)
    {
        var resolver = new DocumentResolver(entries.Select(e => e.Study).OfType<CaseStudy>().Where(s => IsCatalogRow(s.SourcePath)));
        var consumed = new HashSet<string>(StringComparer.Ordinal);
        var ordered = new List<CaseStudy>(entries.Count);
        foreach (var (study, draft) in entries)
        {
            if (draft is null) { ordered.Add(study!); continue; }
            if (draft.Content is null)
            {
                var (id, hash, matched) = resolver.Identify(draft);
                if (matched is not null) consumed.Add(matched.SourcePath);
                if (unchanged!(id, hash, draft.DisplayPath))
                {
                    ordered.Add(new CaseStudy { Id = id, Title = id, Company = CaseStudy.UnknownCompany, SourcePath = draft.DisplayPath, ContentHash = hash, TextNotRead = true });
                    continue;
                }
                var extracted = ReadDocumentText(draft, rejected, ref stats);
                if (extracted is null) continue;
                ordered.Add(resolver.Resolve(extracted).Study);
                continue;
            }
            var (resolved, row) = resolver.Resolve(draft);
            if (row is not null) consumed.Add(row.SourcePath);
            ordered.Add(resolved);
        }

        return (ordered, consumed);
    }

    /// <summary>The file part of a source path: catalog rows are "file.csv:line".</summary>
    public static string FileOf(string sourcePath)
    {
        var colon = sourcePath.LastIndexOf(':');
        return colon > 0 && colon < sourcePath.Length - 1 && sourcePath[(colon + 1)..].All(char.IsAsciiDigit) ? sourcePath[..colon] : sourcePath;
    }

    private static bool IsCatalogRow(string sourcePath) => FileOf(sourcePath) != sourcePath;

    /// <summary>Markdown, CSV, PDF and HTML files, in a stable order, skipping hidden entries and README-like files.</summary>
    public static IEnumerable<string> EnumerateFiles(string folder) => EnumerateFiles(folder, new CorpusWalk());

    private static IEnumerable<string> EnumerateFiles(string folder, CorpusWalk walk) =>
        walk.Files(folder).Where(IsStudyFile).Order(StringComparer.Ordinal).ToList();

    private static bool IsStudyFile(string path)
    {
        var ext = Path.GetExtension(path).ToLowerInvariant();
        return (ext is ".md" or ".markdown" or ".csv" || DocumentFile.IsDocument(path)) && !NonStudyFiles.Contains(Path.GetFileName(path));
    }

    /// <summary>One file on its own: a document gets its sidecar's metadata but no catalog row's.</summary>
    public CorpusReadResult ReadFile(string path, string relativePath, string displayPath)
    {
        var result = ReadEntry(path, relativePath, displayPath, extract: true, out var draft);
        return draft is null ? result : result with { Studies = [new DocumentResolver([]).Resolve(draft).Study] };
    }

    private static DocumentDraft? ReadDocumentText(DocumentDraft draft, List<RejectedFile> rejected, ref DocumentStats stats)
    {
        try
        {
            var extracted = DocumentFile.Extract(draft, null, out var read);
            stats = stats.Add(read);
            return extracted;
        }
        catch (Exception e) when (e is not OperationCanceledException) { rejected.Add(new(draft.DisplayPath, Problem(e))); }
        return null;
    }

    private CorpusReadResult ReadEntry(string path, string relativePath, string displayPath, bool extract, out DocumentDraft? draft)
    {
        draft = null;
        try
        {
            if (DocumentFile.IsDocument(path))
            {
                draft = DocumentFile.Read(path, relativePath, displayPath, MaxDocumentBytes, extract, out var stats);
                return new([], []) { Documents = stats };
            }
            var isCsv = Path.GetExtension(path).Equals(".csv", StringComparison.OrdinalIgnoreCase);
            var text = ReadText(path, isCsv ? MaxCatalogBytes : MaxFileBytes, out var bytes);
            if (isCsv) return CsvCatalogReader.Read(text, displayPath);
            var hash = Convert.ToHexStringLower(SHA256.HashData(bytes));
            return new([StudyFileParser.ParseMarkdown(text, relativePath, displayPath, hash)], []);
        }
        catch (Exception e) when (e is not OperationCanceledException) { return new([], [new(displayPath, Problem(e))]); }
    }

    /// <summary>
    /// Why one file was rejected. Parsers and the libraries under them can throw anything on odd input; whatever it is,
    /// it costs that file only, never the ingest.
    /// </summary>
    private static string Problem(Exception e) => e switch
    {
        CorpusFormatException => e.Message,
        IOException => $"cannot be read: {e.Message}",
        UnauthorizedAccessException => "cannot be read: permission denied",
        _ => $"could not be parsed ({e.GetType().Name}: {FirstLine(e.Message)})",
    };

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim() is { Length: > 0 } line ? line : "no details";

    private static string ReadText(string path, long maxBytes, out byte[] bytes)
    {
        var length = new FileInfo(path).Length;
        if (length == 0) throw new CorpusFormatException("file is empty");
        if (length > maxBytes)
            throw new CorpusFormatException($"file is {FormatSize(length)}, over the {FormatSize(maxBytes)} limit for one study");
        bytes = File.ReadAllBytes(path);
        if (ContentSniffer.IsPdf(bytes)) throw new CorpusFormatException($"file is a PDF, not {(Path.GetExtension(path).Equals(".csv", StringComparison.OrdinalIgnoreCase) ? "CSV" : "markdown")}; rename it to .pdf");
        if (Array.IndexOf(bytes, (byte)0) >= 0) throw new CorpusFormatException("file is binary (contains NUL bytes), not text");
        string text;
        try { text = StrictUtf8.GetString(bytes); }
        catch (DecoderFallbackException e)
        {
            throw new CorpusFormatException($"file is not valid UTF-8 (bad byte at offset {e.Index}); save it as UTF-8");
        }
        if (string.IsNullOrWhiteSpace(text.TrimStart('\uFEFF'))) throw new CorpusFormatException("file is empty");
        return text.TrimStart('\uFEFF');
    }

    private static string FormatSize(long bytes) => bytes >= 1024 * 1024 ? $"{bytes / (1024.0 * 1024):0.#} MB" : $"{bytes / 1024.0:0.#} KB";
}
