using System.CommandLine;
using CaseStudyAssistant.Configuration;
using CaseStudyAssistant.Indexing;
using Spectre.Console;
using Microsoft.Extensions.DependencyInjection;

namespace CaseStudyAssistant.Cli.Commands;

internal static class IngestCommand
{
    public static Command Create()
    {
        var corpus = CommonOptions.Corpus();
        var rebuild = new Option<bool>("--rebuild") { Description = "Build a new index from scratch and swap it in when complete" };
        var store = new CommonOptions.Store();
        var json = CommonOptions.Json();
        var noWait = new Option<bool>("--no-wait") { Description = "Fail at once, instead of waiting, when another ingest is writing to the same index" };
        var command = new Command("ingest", "Read case studies into the index (incremental: unchanged studies are skipped)") { corpus, rebuild, noWait, json };
        store.AddTo(command);
        var llm = new CommonOptions.Llm();
        llm.AddTo(command, chat: false);
        command.SetAction(async (r, ct) =>
        {
            var overrides = store.Overrides(r);
            llm.AddOverrides(r, overrides);
            using var host = CliHost.Build(overrides);
            var settings = host.Services.GetRequiredService<CsaSettings>();
            var folders = r.GetValue(corpus) is { Length: > 0 } given ? given.Select(Path.GetFullPath).ToList() : null;
            if (folders is null)
            {
                var own = ProjectCorpus.Locate(settings.Corpus.Path)
                    ?? throw new CliError("no --corpus given and the project's corpus/ folder was not found", "pass --corpus DIR (repeatable)");
                folders = [own];
            }
            foreach (var f in folders.Where(f => !Directory.Exists(f)))
                throw new CliError($"corpus folder not found: {f}", "check the --corpus path");

            var report = await IngestRunner.RunAsync(host.Services, folders, r.GetValue(rebuild), ct, wait: !r.GetValue(noWait));
            if (r.GetValue(json)) Output.WriteJson(Output.ToJson(report));
            else Print(report);
            return report.HasRejections ? ExitCodes.Partial : ExitCodes.Ok;
        });
        return command;
    }

    private static void Print(IngestReport report)
    {
        foreach (var rejected in report.Rejected) Console.Error.WriteLine($"rejected: {rejected}");
        foreach (var skipped in report.SkippedLinks) Console.Error.WriteLine($"skipped: {skipped}");
        Console.WriteLine($"{(report.Rebuilt ? "Rebuilt" : "Updated")} {report.IndexLocation} in {report.Seconds:0.00} s: " +
            $"{report.Added} added, {report.Updated} updated, {report.Unchanged} unchanged, {report.Removed} removed, " +
            $"{report.Rejected.Count} rejected; {report.Chunks} chunks written ({report.ChunksEmbedded} embedded with {report.Model?.Name}, {report.ChunksFromCache} from the vector cache" +
            (report.ChunksOverWindow > 0 ? $", {report.ChunksOverWindow} longer than the model's window" : "") + ").");
        if (report.HasRejections)
        {
            Console.WriteLine($"Rejected files ({report.Rejected.Count}):");
            foreach (var r in report.Rejected) Console.WriteLine($"  {r.Path}");
        }
    }
}
