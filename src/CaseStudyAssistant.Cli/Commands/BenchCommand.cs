using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using CaseStudyAssistant.Configuration;
using CaseStudyAssistant.Indexing;
using CaseStudyAssistant.Retrieval;
using Microsoft.Extensions.DependencyInjection;

namespace CaseStudyAssistant.Cli.Commands;

/// <summary>Speed and memory figures: cold ingest, no-change re-ingest, retrieval latency, peak memory, PDF pages/s.</summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var corpus = CommonOptions.Corpus();
        var questions = new Option<string?>("--questions") { Description = "JSONL file with a \"question\" per line (default: every study's title)" };
        var rounds = new Option<int>("--rounds") { Description = "Times each question is asked", DefaultValueFactory = _ => 5 };
        var json = CommonOptions.Json();
        var command = new Command("bench", "Measure ingest and retrieval speed and peak memory on a corpus (uses a temporary index)") { corpus, questions, rounds, json };
        command.SetAction(async (r, ct) =>
        {
            var temp = Path.Combine(Path.GetTempPath(), $"csa-bench-{Environment.ProcessId}");
            Directory.CreateDirectory(temp);
            try
            {
                using var host = CliHost.Build(new Dictionary<string, string?> { ["Index:Path"] = Path.Combine(temp, "bench.db") });
                var services = host.Services;
                var folders = r.GetValue(corpus) is { Length: > 0 } given ? given.Select(Path.GetFullPath).ToList()
                    : [ProjectCorpus.Locate(services.GetRequiredService<CsaSettings>().Corpus.Path) ?? throw new CliError("no --corpus given and no project corpus/ found", "pass --corpus DIR")];
                var ingestor = services.GetRequiredService<Ingestor>();

                var cold = await ingestor.IngestAsync(folders, rebuild: false, ct: ct);
                var warm = await ingestor.IngestAsync(folders, rebuild: false, ct: ct);
                // A no-change ingest does not read PDFs again; reading them once more gives the warmed-up extraction speed.
                var pdfWarm = cold.Documents.PdfFiles > 0 ? services.GetRequiredService<Corpus.CorpusReader>().Read(folders).Documents : cold.Documents;
                var index = services.GetRequiredService<IStudyIndex>();
                var texts = r.GetValue(questions) is { } file ? ReadQuestions(file)
                    : (await index.ListStudiesAsync(SearchFilter.None, ct)).Select(s => s.Title).ToList();
                var retriever = services.GetRequiredService<Retriever>();
                // Warm-up: index load, JIT tiering and caches, so the figures are a long-running process's steady state.
                for (var i = 0; i < Math.Max(300, texts.Count); i++) await retriever.RetrieveAsync(texts[i % texts.Count], ct: ct);

                var samples = new List<double>();
                var clock = new Stopwatch();
                for (var round = 0; round < r.GetValue(rounds); round++)
                    foreach (var q in texts)
                    {
                        clock.Restart();
                        await retriever.RetrieveAsync(q, ct: ct);
                        samples.Add(clock.Elapsed.TotalMilliseconds);
                    }
                samples.Sort();
                var peakMb = Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024);
                var result = new
                {
                    studies = cold.Studies, chunks = cold.Chunks, rejected = cold.Rejected.Count,
                    coldIngestSeconds = Math.Round(cold.Seconds, 3), noChangeIngestSeconds = Math.Round(warm.Seconds, 3),
                    queries = samples.Count, retrievalP50Ms = Math.Round(Percentile(samples, 0.50), 3), retrievalP99Ms = Math.Round(Percentile(samples, 0.99), 3),
                    peakMemoryMb = Math.Round(peakMb, 1),
                    pdfFiles = cold.Documents.PdfFiles, pdfPages = cold.Documents.PdfPages, pdfReadSeconds = Math.Round(cold.Documents.PdfSeconds, 3),
                    pdfPagesPerSecond = Math.Round(cold.Documents.PdfPagesPerSecond, 1), pdfPagesPerSecondWarm = Math.Round(pdfWarm.PdfPagesPerSecond, 1),
                    htmlFiles = cold.Documents.HtmlFiles, htmlReadSeconds = Math.Round(cold.Documents.HtmlSeconds, 3),
                };
                if (r.GetValue(json)) Output.WriteJson(result);
                else
                {
                    Console.WriteLine($"corpus: {string.Join(", ", folders)}");
                    Console.WriteLine($"studies {result.studies}, chunks {result.chunks}, rejected {result.rejected}");
                    Console.WriteLine($"cold ingest        {result.coldIngestSeconds,8:0.000} s");
                    Console.WriteLine($"no-change ingest   {result.noChangeIngestSeconds,8:0.000} s");
                    Console.WriteLine($"retrieval p50      {result.retrievalP50Ms,8:0.000} ms   ({result.queries} queries)");
                    Console.WriteLine($"retrieval p99      {result.retrievalP99Ms,8:0.000} ms");
                    Console.WriteLine($"peak memory        {result.peakMemoryMb,8:0.0} MB");
                    if (result.pdfFiles > 0)
                    {
                        Console.WriteLine($"PDF text, cold     {result.pdfPagesPerSecond,8:0.0} pages/s  ({result.pdfPages} pages in {result.pdfFiles} PDFs, {result.pdfReadSeconds:0.000} s to extract in the first ingest)");
                        Console.WriteLine($"PDF text, warm     {result.pdfPagesPerSecondWarm,8:0.0} pages/s  (the same PDFs read again in this process)");
                    }
                    if (result.htmlFiles > 0)
                        Console.WriteLine($"web page text      {result.htmlFiles / Math.Max(result.htmlReadSeconds, 1e-9),8:0.0} pages/s  ({result.htmlFiles} pages, {result.htmlReadSeconds:0.000} s to extract)");
                }
                return ExitCodes.Ok;
            }
            finally { try { Directory.Delete(temp, recursive: true); } catch (IOException) { } }
        });
        return command;
    }

    private static List<string> ReadQuestions(string file)
    {
        if (!File.Exists(file)) throw new CliError($"questions file not found: {file}");
        return File.ReadLines(file).Where(l => !string.IsNullOrWhiteSpace(l))
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("question").GetString() ?? "").Where(q => q.Length > 0).ToList();
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
}
