using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using CaseStudyAssistant.Answering;
using CaseStudyAssistant.Indexing;
using CaseStudyAssistant.Retrieval;

namespace CaseStudyAssistant.Cli;

/// <summary>How results look on stdout: readable text, or JSON with stable keys.</summary>
internal static class Output
{
    public static readonly JsonSerializerOptions Json = Web.Contracts.Json.Options;

    public static void WriteJson(object value) => Console.WriteLine(JsonSerializer.Serialize(value, Json));

    public static object ToJson(Answer a) => Web.Contracts.Json.Answer(a);

    /// <summary>An answer stream onto the terminal: text to stdout (collected in <paramref name="streamed"/>), research calls to stderr.</summary>
    public static AnswerStream TerminalStream(System.Text.StringBuilder streamed) => new()
    {
        OnText = t => { Console.Write(t); Console.Out.Flush(); streamed.Append(t); },
        OnToolCall = c => Console.Error.WriteLine($"{(streamed.Length > 0 ? "\n" : "")}· {c.Function}({string.Join(", ", c.Arguments.Where(a => a.Value is not null).Select(a => $"{a.Key}: {a.Value}"))}) → {c.Outcome}"),
    };

    /// <summary>
    /// After a streamed answer: what the stream did not show (the extractive fallback, a notice, citations removed,
    /// sentences flagged), then the Sources list of cited studies.
    /// </summary>
    public static void FinishAnswer(Answer a, string streamed, bool explain)
    {
        if (streamed.Trim() != a.Text.Trim())
        {
            // The stream showed something else (or nothing): the model failed mid-answer, or its answer was replaced (the notice says why).
            if (streamed.Length > 0) Console.WriteLine();
            if (a.Notice is not null) Console.Error.WriteLine($"note: {a.Notice}");
            Console.WriteLine(a.Text);
        }
        else
        {
            Console.WriteLine();
            if (a.Notice is not null) Console.Error.WriteLine($"note: {a.Notice}");
        }
        if (a.RemovedCitations.Count > 0) Console.Error.WriteLine($"note: removed citation(s) {string.Join(", ", a.RemovedCitations)}: no such source was given to the model");
        var marked = a.Text.Contains(CitationValidator.Marker);
        foreach (var s in a.UnsupportedSentences) Console.Error.WriteLine($"note: {(marked ? "marked" : "left out")}, no supporting citation: \"{s}\"");
        PrintSources(a);
        if (explain) PrintExplain(a);
    }

    private static void PrintSources(Answer a)
    {
        if (a.Citations.Count == 0) return;
        Console.WriteLine();
        Console.WriteLine("Sources:");
        foreach (var c in a.Citations) Console.WriteLine(c.SourceLine);
    }

    public static object ToJson(IngestReport r) => new
    {
        index = r.IndexLocation, rebuilt = r.Rebuilt, added = r.Added, updated = r.Updated, unchanged = r.Unchanged,
        removed = r.Removed, rejected = r.Rejected.Select(x => new { path = x.Path, problem = x.Problem }),
        skippedLinks = r.SkippedLinks.Select(x => new { path = x.Path, reason = x.Reason }),
        chunks = r.Chunks, chunksEmbedded = r.ChunksEmbedded, chunksFromCache = r.ChunksFromCache, chunksOverWindow = r.ChunksOverWindow,
        embeddingModel = r.Model?.Name, embeddingDimensions = r.Model?.Dimensions,
        embedSeconds = Math.Round(r.EmbedSeconds, 3), seconds = Math.Round(r.Seconds, 3),
        documents = new { pdfFiles = r.Documents.PdfFiles, pdfPages = r.Documents.PdfPages, pdfSeconds = Math.Round(r.Documents.PdfSeconds, 3), htmlFiles = r.Documents.HtmlFiles, htmlSeconds = Math.Round(r.Documents.HtmlSeconds, 3) },
    };

    private static void PrintExplain(Answer a)
    {
        Console.WriteLine();
        Console.WriteLine($"Retrieval (evidence {a.Evidence:0.00}; {a.TimingsMs.GetValueOrDefault("search"):0.00} ms search):");
        Console.WriteLine($"{"#",3}  {"fused",8}  {"sparse",6}  {"dense",6}  {"study",6}  chunk / matched terms");
        var i = 0;
        foreach (var r in a.Retrieved)
        {
            Console.WriteLine($"{++i,3}  {r.Score,8:0.00000}  {Rank(r.SparseRank),6}  {Rank(r.DenseRank),6}  {Rank(r.StudyRank),6}  {r.ChunkId} ({r.Heading})");
            Console.WriteLine($"{"",41}matched: {string.Join(", ", r.MatchedTerms)}");
        }
    }

    private static string Rank(int? rank) => rank is { } n ? n.ToString() : "-";

    public static object StudySummary(StudyRecord s) => Web.Contracts.Json.StudySummary(s);

    public static object StudyDetail(StudyRecord s) => Web.Contracts.Json.StudyDetail(s);

    public static void PrintStudies(IReadOnlyList<StudyRecord> studies, SearchFilter filter)
    {
        if (studies.Count == 0)
        {
            Console.WriteLine(filter.IsEmpty ? "The index holds no studies." : $"No studies match {filter}.");
            return;
        }
        var idWidth = Math.Min(studies.Max(s => s.Id.Length), 48);
        var companyWidth = Math.Min(studies.Max(s => s.Company.Length), 22);
        foreach (var s in studies)
            Console.WriteLine($"{Fit(s.Id, idWidth)}  {Fit(s.Company, companyWidth)}  {s.Year?.ToString() ?? "    "}  {Fit(s.Category ?? "", 10)}  {s.Title}");
        Console.WriteLine($"{studies.Count} {(studies.Count == 1 ? "study" : "studies")}{(filter.IsEmpty ? "" : $" matching {filter}")}.");
    }

    private static string Fit(string s, int width) => s.Length > width ? s[..(width - 1)] + "…" : s.PadRight(width);

    public static void PrintStudy(StudyRecord s)
    {
        Console.WriteLine($"# {s.Title}");
        Console.WriteLine($"{s.Company}{(s.Year is { } y ? $" · {y}" : "")}{(s.Industry is null ? "" : $" · {s.Industry}")}{(s.Category is null ? "" : $" · {s.Category}")}");
        if (s.Tags.Count > 0) Console.WriteLine($"tags: {string.Join(", ", s.Tags)}");
        if (s.SourceUrl is not null) Console.WriteLine($"source: {s.SourceUrl}");
        Console.WriteLine($"id: {s.Id} · file: {s.SourcePath}");
        foreach (var section in s.Sections)
        {
            Console.WriteLine();
            Console.WriteLine($"## {section.Heading}");
            Console.WriteLine(section.Text);
        }
    }
}
