using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using CaseStudyAssistant.Configuration;
using CaseStudyAssistant.Embedding;
using CaseStudyAssistant.Indexing;
using CaseStudyAssistant.Retrieval;
using Microsoft.Extensions.DependencyInjection;

namespace CaseStudyAssistant.Cli.Commands;

/// <summary>
/// Speed and memory figures, side by side in one run: cold ingest (against the model's own throughput measured in the
/// same run), no-change re-ingest, query latency of hybrid retrieval (with the query embedding) and of lexical-only
/// retrieval, peak memory, PDF and web page extraction speed; or, with --scale, store search over synthetic studies
/// and vectors.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var corpus = CommonOptions.Corpus();
        var questions = new Option<string?>("--questions") { Description = "JSONL file with a \"question\" per line (default: every study's title)" };
        var rounds = new Option<int>("--rounds") { Description = "Times each question is asked", DefaultValueFactory = _ => 3 };
        var scale = new Option<int?>("--scale") { Description = "Instead: search a synthetic store of this many chunks (random vectors and terms, no model)" };
        var json = CommonOptions.Json();
        var command = new Command("bench", "Measure ingest and retrieval speed and peak memory on a corpus (uses a temporary index and vector cache)") { corpus, questions, rounds, scale, json };
        command.SetAction(async (r, ct) =>
        {
            if (r.GetValue(rounds) < 1) throw new CliError("--rounds must be at least 1");
            var temp = Path.Combine(Path.GetTempPath(), $"csa-bench-{Environment.ProcessId}");
            Directory.CreateDirectory(temp);
            try
            {
                using var host = CliHost.Build(new Dictionary<string, string?>
                {
                    ["Index:Path"] = Path.Combine(temp, "bench.db"),
                    // A cold cache, so the cold ingest really embeds everything.
                    ["Embedding:CachePath"] = Path.Combine(temp, "embeddings.db"),
                });
                object result = r.GetValue(scale) is { } chunks
                    ? await ScaleBench.RunAsync(chunks, temp, ct)
                    : await CorpusBenchAsync(host.Services, r.GetValue(corpus), r.GetValue(questions), r.GetValue(rounds), ct);
                if (r.GetValue(json)) Output.WriteJson(result);
                else Print(result);
                return ExitCodes.Ok;
            }
            finally { try { Directory.Delete(temp, recursive: true); } catch (IOException) { } }
        });
        return command;
    }

    private static async Task<object> CorpusBenchAsync(IServiceProvider services, string[]? given, string? questionsFile, int rounds, CancellationToken ct)
    {
        var folders = given is { Length: > 0 } ? given.Select(Path.GetFullPath).ToList()
            : [ProjectCorpus.Locate(services.GetRequiredService<CsaSettings>().Corpus.Path) ?? throw new CliError("no --corpus given and no project corpus/ found", "pass --corpus DIR")];
        var ingestor = services.GetRequiredService<Ingestor>();
        var embedder = services.GetRequiredService<Embedder>();

        Terminal.Notice("Cold ingest…");
        var cold = await IngestRunner.RunAsync(services, folders, rebuild: false, ct);
        Terminal.Notice("No-change ingest…");
        var warm = await ingestor.IngestAsync(folders, rebuild: false, ct: ct);
        // A no-change ingest does not read PDFs again; reading them once more gives the warmed-up extraction speed.
        var pdfWarm = cold.Documents.PdfFiles > 0 ? services.GetRequiredService<Corpus.CorpusReader>().Read(folders).Documents : cold.Documents;

        var index = services.GetRequiredService<IStudyIndex>();
        var studies = await index.ListStudiesAsync(SearchFilter.None, ct);
        // The model on its own, uncached, on a sample of the same passages: the ceiling for ingest throughput.
        Terminal.Notice("Model throughput…");
        var sample = studies.Take(24).SelectMany(s => s.Sections.Select(x => $"{s.Title} ({s.Company}) — {x.Heading}\n{x.Text}")).Take(96).ToList();
        var window = embedder.Window;
        var sampleTokens = window is null ? 0 : sample.Sum(t => (long)Math.Min(window.CountTokens(t) + 2, window.MaxTokens));
        var clock = Stopwatch.StartNew();
        await embedder.Generator.GenerateAsync(sample, cancellationToken: ct);
        var modelTokensPerSecond = sampleTokens / clock.Elapsed.TotalSeconds;
        var ingestTokensPerSecond = cold.EmbedSeconds > 0 ? cold.EmbeddingTokens / cold.EmbedSeconds : 0;

        var texts = questionsFile is { } file ? ReadQuestions(file) : studies.Select(s => s.Title).ToList();
        var options = services.GetRequiredService<RetrievalOptions>();
        var hybrid = services.GetRequiredService<Retriever>();
        var lexical = new Retriever(index, embedder, new RetrievalOptions
        {
            Top = options.Top, CandidatePool = options.CandidatePool, RrfK = options.RrfK, MaxChunksPerStudy = options.MaxChunksPerStudy,
            StudyWeight = options.StudyWeight, SparseWeight = options.SparseWeight, DenseWeight = 0,
        });
        Terminal.Notice($"Queries ({texts.Count} × {rounds}, hybrid and lexical interleaved)…");
        // Warm-up: index load, JIT tiering and caches, so the figures are a long-running process's steady state.
        foreach (var q in texts.Take(100)) { await hybrid.RetrieveAsync(q, ct: ct); await lexical.RetrieveAsync(q, ct: ct); }
        var hybridMs = new List<double>();
        var lexicalMs = new List<double>();
        for (var round = 0; round < rounds; round++)
            foreach (var q in texts)
            {
                clock.Restart();
                await hybrid.RetrieveAsync(q, ct: ct);
                hybridMs.Add(clock.Elapsed.TotalMilliseconds);
                clock.Restart();
                await lexical.RetrieveAsync(q, ct: ct);
                lexicalMs.Add(clock.Elapsed.TotalMilliseconds);
            }
        hybridMs.Sort(); lexicalMs.Sort();
        return new
        {
            corpus = folders, studies = cold.Studies, chunks = cold.Chunks, rejected = cold.Rejected.Count,
            model = cold.Model?.Name, chunksOverWindow = cold.ChunksOverWindow,
            coldIngestSeconds = Math.Round(cold.Seconds, 3), coldEmbedSeconds = Math.Round(cold.EmbedSeconds, 3),
            coldChunksPerSecond = Math.Round(cold.ChunksEmbedded / Math.Max(cold.EmbedSeconds, 1e-9), 1),
            ingestTokensPerSecond = Math.Round(ingestTokensPerSecond), modelTokensPerSecond = Math.Round(modelTokensPerSecond),
            modelOverIngestRatio = ingestTokensPerSecond > 0 ? Math.Round(modelTokensPerSecond / ingestTokensPerSecond, 2) : 0,
            noChangeIngestSeconds = Math.Round(warm.Seconds, 3), noChangeChunksEmbedded = warm.ChunksEmbedded,
            queries = hybridMs.Count,
            hybridP50Ms = Math.Round(Percentile(hybridMs, 0.50), 3), hybridP99Ms = Math.Round(Percentile(hybridMs, 0.99), 3),
            lexicalP50Ms = Math.Round(Percentile(lexicalMs, 0.50), 3), lexicalP99Ms = Math.Round(Percentile(lexicalMs, 0.99), 3),
            peakMemoryMb = Math.Round(Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024), 1),
            pdfFiles = cold.Documents.PdfFiles, pdfPages = cold.Documents.PdfPages, pdfReadSeconds = Math.Round(cold.Documents.PdfSeconds, 3),
            pdfPagesPerSecond = Math.Round(cold.Documents.PdfPagesPerSecond, 1), pdfPagesPerSecondWarm = Math.Round(pdfWarm.PdfPagesPerSecond, 1),
            htmlFiles = cold.Documents.HtmlFiles, htmlReadSeconds = Math.Round(cold.Documents.HtmlSeconds, 3),
        };
    }

    private static void Print(object result)
    {
        foreach (var p in result.GetType().GetProperties())
        {
            var value = p.GetValue(result);
            Console.WriteLine($"{p.Name,-26} {(value is IEnumerable<string> list ? string.Join(", ", list) : value)}");
        }
    }

    private static List<string> ReadQuestions(string file)
    {
        if (!File.Exists(file)) throw new CliError($"questions file not found: {file}");
        return File.ReadLines(file).Where(l => !string.IsNullOrWhiteSpace(l))
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("question").GetString() ?? "").Where(q => q.Length > 0).ToList();
    }

    internal static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
}
