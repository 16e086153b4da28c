using System.CommandLine;
using CaseStudyAssistant.Evaluation;
using Microsoft.Extensions.DependencyInjection;

namespace CaseStudyAssistant.Cli.Commands;

internal static class EvalCommand
{
    public static Command Create()
    {
        var questions = new Option<string>("--questions") { Description = "Labelled questions (JSONL: id, question, relevant, type, answer_facts)", Required = true };
        var corpus = CommonOptions.Corpus();
        corpus.Description = "Ingest these folders first (into a temporary index unless --index is given); the index then holds exactly them";
        var store = new CommonOptions.Store();
        var top = new Option<int>("--top") { Description = "K for the pass/fail check of each question (default 10)", DefaultValueFactory = _ => 10 };
        var retriever = new Option<string>("--retriever") { Description = "default (hybrid) or fts5 (SQLite FTS5 BM25 over whole studies)", DefaultValueFactory = _ => "default" };
        retriever.AcceptOnlyFromAmong("default", "fts5");
        var json = new Option<string?>("--json") { Description = "Write the full report as JSON to this file" };
        var junit = new Option<string?>("--junit") { Description = "Write one JUnit test case per question to this file" };
        var markdown = new Option<string?>("--markdown") { Description = "Write a summary table for a pull-request comment to this file" };
        var baseline = new Option<string?>("--baseline") { Description = "Compare with an earlier --json report and list regressions and improvements" };
        var min = new Option<string[]>("--min") { Description = "Gate METRIC=VALUE: fail (exit 1) when the metric is below VALUE (repeatable)", Arity = ArgumentArity.ZeroOrMore };
        var max = new Option<string[]>("--max") { Description = "Gate METRIC=VALUE: fail (exit 1) when the metric is above VALUE (repeatable)", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("eval", "Score retrieval and answers against labelled questions; gate CI on the results")
            { questions, corpus, top, retriever, json, junit, markdown, baseline, min, max };
        store.AddTo(command);
        var llm = new CommonOptions.Llm();
        llm.AddTo(command);

        command.SetAction(async (r, ct) =>
        {
            var items = EvalDataset.Load(r.GetValue(questions)!);
            var gates = ((r.GetValue(min) ?? []).Select(g => Gate.Parse(g, atMost: false))
                .Concat((r.GetValue(max) ?? []).Select(g => Gate.Parse(g, atMost: true))).ToList());
            var k = r.GetValue(top);
            if (k < 1) throw new CliError($"--top must be at least 1, got {k}");
            var folders = r.GetValue(corpus) ?? [];
            var indexPath = r.GetValue(store.Index);
            var usesQdrant = store.Overrides(r)["Index:Store"] == "qdrant";
            string? temp = null;
            if (folders.Length > 0 && indexPath is null && !usesQdrant)
            {
                temp = Path.Combine(Path.GetTempPath(), $"csa-eval-{Environment.ProcessId}");
                indexPath = Path.Combine(temp, "eval.db");
            }
            try
            {
                var overrides = store.Overrides(r, indexPath);
                llm.AddOverrides(r, overrides);
                using var host = CliHost.Build(overrides);
                if (folders.Length > 0)
                {
                    foreach (var f in folders.Where(f => !Directory.Exists(f))) throw new CliError($"corpus folder not found: {f}", "check the --corpus path");
                    var report = await IngestRunner.RunAsync(host.Services, folders.Select(Path.GetFullPath).ToList(), rebuild: false, ct);
                    Terminal.Notice($"Indexed {report.Studies} studies ({report.Added} added, {report.Updated} updated, {report.Removed} removed) in {report.Seconds:0.00} s.");
                    if (report.HasRejections) Terminal.Notice($"warning: {report.Rejected.Count} file(s) rejected, e.g. {report.Rejected[0]}");
                }
                else await IngestRunner.EnsureIndexedAsync(host.Services, ct);

                var kind = r.GetValue(retriever) == "fts5" ? RetrieverKind.Fts5 : RetrieverKind.Default;
                var result = await host.Services.GetRequiredService<EvalRunner>().RunAsync(items, k, kind, ct: ct);
                foreach (var w in result.Warnings) Terminal.Notice($"warning: {w}");
                PrintTable(result);

                var name = Path.GetFileNameWithoutExtension(r.GetValue(questions)!);
                if (r.GetValue(json) is { } jsonPath) Write(jsonPath, EvalReportWriter.ToJson(result));
                if (r.GetValue(junit) is { } junitPath) Write(junitPath, EvalReportWriter.ToJUnit(result, $"csa-eval.{name}"));
                if (r.GetValue(markdown) is { } mdPath) Write(mdPath, EvalReportWriter.ToMarkdown(result, $"Retrieval evaluation: {name}"));
                if (r.GetValue(baseline) is { } basePath) PrintComparison(BaselineComparison.Compare(result, basePath));

                var breaches = gates.Select(g => g.Check(result.Overall)).OfType<string>().ToList();
                foreach (var b in breaches) Console.WriteLine($"GATE FAILED: {b}");
                if (gates.Count > 0 && breaches.Count == 0) Console.WriteLine($"All {gates.Count} gate(s) passed.");
                return breaches.Count > 0 ? ExitCodes.Partial : ExitCodes.Ok;
            }
            finally
            {
                if (temp is not null) try { Directory.Delete(temp, recursive: true); } catch (IOException) { }
            }
        });
        return command;
    }

    private static void Write(string path, string content)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        File.WriteAllText(path, content);
        Terminal.Notice($"wrote {path}");
    }

    private const int MetricWidth = 20, ColumnWidth = 11;

    private static void PrintTable(EvalReport report)
    {
        var types = report.ByType.Keys.ToList();
        static string Cell(string text) => text.PadLeft(ColumnWidth);
        Console.WriteLine($"{report.N} questions, retriever {report.Retriever}");
        if (report.LlmAnswers) Console.WriteLine($"answers by {report.Model}; prompts {string.Join(", ", report.Prompts.Select(p => $"{p.Name}@{p.Hash}"))}");
        Console.WriteLine("metric".PadRight(MetricWidth) + Cell("overall") + (report.Baseline is null ? "" : Cell("fts5")) + string.Concat(types.Select(t => Cell(Short(t)))));
        foreach (var m in report.LlmAnswers ? [.. Metrics.All, Metrics.UnsupportedRate] : Metrics.All)
        {
            var line = m.PadRight(MetricWidth) + Cell(EvalReportWriter.Format(report.Overall[m]));
            if (report.Baseline is not null) line += Cell(EvalReportWriter.Format(report.Baseline.GetValueOrDefault(m)));
            line += string.Concat(types.Select(t => Cell(EvalReportWriter.Format(report.ByType[t][m]))));
            Console.WriteLine(line);
        }
        Console.WriteLine("n".PadRight(MetricWidth) + Cell(report.N.ToString()) + (report.Baseline is null ? "" : Cell(report.N.ToString()))
            + string.Concat(types.Select(t => Cell(report.Questions.Count(q => q.Type == t).ToString()))));
        var failing = report.Questions.Count(q => EvalReportWriter.FailureOf(q, report.TopK) is not null);
        Console.WriteLine($"questions failing (no relevant study in top {report.TopK}, or wrong refusal): {failing}");
    }

    private static string Short(string type) => type == "unanswerable" ? "unans." : type;

    private static void PrintComparison(BaselineComparison c)
    {
        Console.WriteLine();
        Console.WriteLine("Compared with the baseline report:");
        foreach (var (m, (before, after)) in c.Headline)
            if (before is not null || after is not null)
                Console.WriteLine($"  {m,-20}{EvalReportWriter.Format(before),9} → {EvalReportWriter.Format(after),-9}{Delta(before, after)}");
        Console.WriteLine($"Regressions ({c.Regressions.Count}):");
        foreach (var x in c.Regressions) Console.WriteLine($"  - {x}");
        Console.WriteLine($"Improvements ({c.Improvements.Count}):");
        foreach (var x in c.Improvements) Console.WriteLine($"  + {x}");
    }

    private static string Delta(double? before, double? after) =>
        before is { } b && after is { } a && Math.Abs(a - b) >= 0.0005 ? $" ({(a > b ? "+" : "")}{a - b:0.000})" : "";
}
