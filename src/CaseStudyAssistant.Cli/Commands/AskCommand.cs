using CaseStudyAssistant.Configuration;
using System.CommandLine;
using System.Text;
using CaseStudyAssistant.Answering;
using Microsoft.Extensions.DependencyInjection;

namespace CaseStudyAssistant.Cli.Commands;

internal static class AskCommand
{
    public static Command Create()
    {
        var question = new Argument<string>("question") { Description = "The design question, in quotes" };
        var top = new Option<int?>("--top") { Description = "How many chunks to retrieve (default 8)" };
        var explain = new Option<bool>("--explain") { Description = "Show why each chunk ranked (sparse rank, dense rank, fused score, matched terms)" };
        var json = CommonOptions.Json();
        var store = new CommonOptions.Store();
        var llm = new CommonOptions.Llm();
        var filters = new CommonOptions.Filters();
        var answering = new CommonOptions.Answering();
        var command = new Command("ask", "Answer a question from the case studies, with citations") { question, top, json, explain };
        store.AddTo(command);
        llm.AddTo(command);
        filters.AddTo(command);
        answering.AddTo(command);
        command.SetAction(async (r, ct) =>
        {
            var text = r.GetValue(question) ?? "";
            CliError.ThrowIf(RequestRules.Question(text, int.MaxValue));
            var n = r.GetValue(top);
            CliError.ThrowIf(RequestRules.Top(n));
            var filter = filters.Read(r);
            var ask = answering.Read(r);
            var overrides = store.Overrides(r);
            llm.AddOverrides(r, overrides);
            using var host = CliHost.Build(overrides);
            var assistant = host.Services.GetRequiredService<Assistant>();
            if (ask.Mode == AskModes.Research && !assistant.CanResearch) throw new CliError(Assistant.ResearchNeedsModel, Assistant.ResearchHint);
            await IngestRunner.EnsureIndexedAsync(host.Services, ct);
            if (r.GetValue(json))
            {
                Output.WriteJson(Output.ToJson(await assistant.AskAsync(text, filter, n, ct, ask: ask)));
                return ExitCodes.Ok;
            }

            // Checked sentences stream to the terminal as the model completes them; research calls are shown on stderr.
            var streamed = new StringBuilder();
            var stream = Output.TerminalStream(streamed);
            var answer = await assistant.AskAsync(text, filter, n, ct, stream, ask);
            Output.FinishAnswer(answer, streamed.ToString(), r.GetValue(explain));
            return ExitCodes.Ok;
        });
        return command;
    }
}
