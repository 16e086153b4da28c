using System.CommandLine;
using CaseStudyAssistant.Indexing;
using Microsoft.Extensions.DependencyInjection;

namespace CaseStudyAssistant.Cli.Commands;

internal static class StudiesCommand
{
    public static Command Create()
    {
        var json = CommonOptions.Json();
        var store = new CommonOptions.Store();
        var filters = new CommonOptions.Filters();
        var command = new Command("studies", "List the studies in the index, optionally filtered") { json };
        store.AddTo(command);
        filters.AddTo(command);
        command.SetAction(async (r, ct) =>
        {
            var filter = filters.Read(r);
            using var host = CliHost.Build(store.Overrides(r));
            await IngestRunner.EnsureIndexedAsync(host.Services, ct);
            var studies = await host.Services.GetRequiredService<IStudyIndex>().ListStudiesAsync(filter, ct);
            if (r.GetValue(json)) Output.WriteJson(studies.Select(Output.StudySummary).ToList());
            else Output.PrintStudies(studies, filter);
            return ExitCodes.Ok;
        });
        return command;
    }
}

internal static class ShowCommand
{
    public static Command Create()
    {
        var id = new Argument<string>("id") { Description = "The study id (see 'csa studies')" };
        var json = CommonOptions.Json();
        var store = new CommonOptions.Store();
        var command = new Command("show", "Print one study") { id, json };
        store.AddTo(command);
        command.SetAction(async (r, ct) =>
        {
            using var host = CliHost.Build(store.Overrides(r));
            await IngestRunner.EnsureIndexedAsync(host.Services, ct);
            var studyIndex = host.Services.GetRequiredService<IStudyIndex>();
            var wanted = r.GetValue(id)!.Trim();
            var study = await studyIndex.GetStudyAsync(wanted, ct);
            if (study is null)
            {
                var all = await studyIndex.ListStudiesAsync(Indexing.SearchFilter.None, ct);
                var close = all.Where(s => s.Id.Contains(wanted, StringComparison.OrdinalIgnoreCase)).Take(5).Select(s => s.Id).ToList();
                throw new CliError($"no study with id '{wanted}' in {studyIndex.Location}",
                    close.Count > 0 ? $"did you mean: {string.Join(", ", close)}?" : "list the ids with 'csa studies'");
            }
            if (r.GetValue(json)) Output.WriteJson(Output.StudyDetail(study));
            else Output.PrintStudy(study);
            return ExitCodes.Ok;
        });
        return command;
    }
}
