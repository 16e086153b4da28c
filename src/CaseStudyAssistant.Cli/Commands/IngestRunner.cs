using CaseStudyAssistant.Configuration;
using CaseStudyAssistant.Indexing;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace CaseStudyAssistant.Cli.Commands;

/// <summary>Runs an ingest with progress on stderr; also the automatic first ingest of the project's corpus.</summary>
internal static class IngestRunner
{
    public static async Task<IngestReport> RunAsync(IServiceProvider services, IReadOnlyList<string> folders, bool rebuild, CancellationToken ct, bool wait = true)
    {
        var ingestor = services.GetRequiredService<Ingestor>();
        if (!Terminal.ShowProgressBars)
        {
            var lastStage = "";
            var plain = new SyncProgress(p =>
            {
                if (p.Stage == lastStage || p.Stage == "Done") return;
                lastStage = p.Stage;
                Terminal.Notice($"{p.Stage}…");
            });
            return await ingestor.IngestAsync(folders, rebuild, plain, ct, wait);
        }

        IngestReport? report = null;
        await Terminal.Err.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .StartAsync(async ctx =>
            {
                var tasks = new Dictionary<string, ProgressTask>();
                var progress = new SyncProgress(p =>
                {
                    if (p.Stage == "Done") { foreach (var t in tasks.Values) t.Value = t.MaxValue; return; }
                    if (!tasks.TryGetValue(p.Stage, out var task))
                    {
                        foreach (var t in tasks.Values) t.Value = t.MaxValue;
                        tasks[p.Stage] = task = ctx.AddTask(p.Stage, maxValue: Math.Max(1, p.Total));
                    }
                    task.MaxValue = Math.Max(1, p.Total);
                    task.Value = p.Done;
                    if (p.PerSecond is { } rate) task.Description = $"{p.Stage} ({p.Done}/{p.Total}, {rate:0.0}/s)";
                });
                report = await ingestor.IngestAsync(folders, rebuild, progress, ct, wait);
            });
        return report!;
    }

    /// <summary>
    /// Makes sure a reading command has something to read: an empty or missing index is filled from the project's
    /// own corpus/, with a notice on stderr. An index built from other folders is never touched.
    /// </summary>
    public static async Task EnsureIndexedAsync(IServiceProvider services, CancellationToken ct)
    {
        var index = services.GetRequiredService<IStudyIndex>();
        var state = await index.GetStateAsync(ct);
        if (!state.IsEmpty) return;
        var settings = services.GetRequiredService<CsaSettings>();
        var corpus = ProjectCorpus.Locate(settings.Corpus.Path)
            ?? throw new CliError($"the index at {index.Location} is empty and the project's corpus/ folder was not found",
                "run 'csa ingest --corpus DIR' first, or set Corpus:Path (env CSA_CORPUS__PATH)");
        Terminal.Notice($"The index at {index.Location} is empty: ingesting the project's corpus ({corpus}) first.");
        var report = await RunAsync(services, [corpus], rebuild: false, ct);
        Terminal.Notice($"Ingested {report.Studies} studies ({report.Chunks} chunks) in {report.Seconds:0.00} s.");
        foreach (var r in report.Rejected) Terminal.Notice($"rejected: {r}");
        foreach (var s in report.SkippedLinks) Terminal.Notice($"skipped: {s}");
    }

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; posts to the thread pool, which can reorder lines).</summary>
    private sealed class SyncProgress(Action<IngestProgress> report) : IProgress<IngestProgress>
    {
        private readonly Lock _gate = new();
        public void Report(IngestProgress value) { lock (_gate) report(value); }
    }
}
