using System.CommandLine;
using CaseStudyAssistant.Comparing;
using Microsoft.Extensions.DependencyInjection;

namespace CaseStudyAssistant.Cli.Commands;

/// <summary>Design-review mode: how several teams solved the same problem, side by side, every cell cited.</summary>
internal static class CompareCommand
{
    public static Command Create()
    {
        var topic = new Argument<string>("topic") { Description = "The topic or question, in quotes, e.g. \"candidate generation\"" };
        var studies = new Option<string?>("--studies") { Description = "Compare exactly these study ids (comma-separated) instead of picking the most relevant" };
        var max = new Option<int>("--max") { Description = $"How many studies to pick (1–{CompareRequest.MaxStudies})", DefaultValueFactory = _ => CompareRequest.DefaultMax };
        var format = new Option<string>("--format") { Description = "text (fits 100 columns), markdown (a table) or json", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "markdown", "json");
        var filters = new CommonOptions.Filters();
        var store = new CommonOptions.Store();
        var llm = new CommonOptions.Llm();
        var command = new Command("compare", "Compare how the case studies solved the same problem: a cited matrix, shared patterns and differences") { topic, studies, max, format };
        filters.AddTo(command);
        store.AddTo(command);
        llm.AddTo(command);
        command.SetAction(async (r, ct) =>
        {
            var text = r.GetValue(topic) ?? "";
            if (string.IsNullOrWhiteSpace(text)) throw new CliError("the topic is empty", "csa compare \"candidate generation for recommendations\"");
            var n = r.GetValue(max);
            if (n is < 1 or > CompareRequest.MaxStudies) throw new CliError($"--max must be between 1 and {CompareRequest.MaxStudies}, got {n}");
            var ids = (r.GetValue(studies) ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (r.GetValue(studies) is not null && ids.Length == 0) throw new CliError("--studies is empty", "pass study ids separated by commas; list them with 'csa studies'");
            var filter = filters.Read(r);
            if (ids.Length > 0 && !filter.IsEmpty)
                throw new CliError("--studies and the filters cannot be combined: the studies are either listed or picked by filters", "drop the filters, or drop --studies");
            var request = new CompareRequest { Topic = text, Filter = filter, StudyIds = ids, Max = ids.Length > 0 ? ids.Length : n };
            var overrides = store.Overrides(r);
            llm.AddOverrides(r, overrides);
            using var host = CliHost.Build(overrides);
            await IngestRunner.EnsureIndexedAsync(host.Services, ct);
            var comparison = await host.Services.GetRequiredService<Comparer>().CompareAsync(request, ct);
            switch (r.GetValue(format))
            {
                case "json": Output.WriteJson(CompareFormatter.ToJson(comparison)); break;
                case "markdown": Console.Write(CompareFormatter.ToMarkdown(comparison)); break;
                default: Console.WriteLine(CompareFormatter.ToText(comparison)); break;
            }
            return ExitCodes.Ok;
        });
        return command;
    }
}
