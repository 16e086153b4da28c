using System.CommandLine;
using CaseStudyAssistant.Answering;
using Microsoft.Extensions.DependencyInjection;

namespace CaseStudyAssistant.Cli.Commands;

public static class AskCommand
{
    public static Command Create()
    {
        var question = new Argument<string>("question") { Description = "The design question, in quotes" };
        var top = new Option<int?>("--top") { Description = "How many chunks to retrieve (default 8)" };
        var explain = new Option<bool>("--explain") { Description = "Show why each chunk ranked (sparse rank, dense rank, fused score, matched terms)" };
        var json = CommonOptions.Json();
        var store = new CommonOptions.Store();
        var filters = new CommonOptions.Filters();
        var command = new Command("ask", "Answer a question from the case studies, with citations") { question, top, json, explain };
        store.AddTo(command);
        filters.AddTo(command);
        command.SetAction(async (r, ct) =>
        {
            var text = r.GetValue(question) ?? "";
            if (string.IsNullOrWhiteSpace(text)) throw new CliError("the question is empty", "csa ask \"How do teams keep online and offline features consistent?\"");
            var n = r.GetValue(top);
            if (n is < 1 or > 200) throw new CliError($"--top must be between 1 and 200, got {n}");
            var filter = filters.Read(r);
            using var host = CliHost.Build(store.Overrides(r));
            await IngestRunner.EnsureIndexedAsync(host.Services, ct);
            var answer = await host.Services.GetRequiredService<Assistant>().AskAsync(text, filter, n, ct);
            if (r.GetValue(json)) Output.WriteJson(Output.ToJson(answer));
            else Output.PrintAnswer(answer, r.GetValue(explain));
            return ExitCodes.Ok;
        });
        return command;
    }
}
