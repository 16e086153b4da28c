using System.CommandLine;
using CaseStudyAssistant.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace CaseStudyAssistant.Cli.Commands;

/// <summary>The web chat page and the HTTP API.</summary>
public static class ServeCommand
{
    public static Command Create()
    {
        var urls = new Option<string>("--urls") { Description = "Where to listen; beyond loopback an API key (CSA_API_KEY) is required", DefaultValueFactory = _ => "http://127.0.0.1:5080" };
        var store = new CommonOptions.Store();
        var llm = new CommonOptions.Llm();
        var command = new Command("serve", "Serve the chat page and the HTTP API (/api/ask, /api/ask/stream, /api/studies, /api/practice, /api/chat, /openapi/v1.json)") { urls };
        store.AddTo(command);
        llm.AddTo(command);
        command.SetAction(async (r, ct) =>
        {
            var listen = r.GetValue(urls)!;
            var overrides = store.Overrides(r);
            llm.AddOverrides(r, overrides);
            overrides["urls"] = listen;
            var app = WebApp.Build([], overrides);
            await using (app)
            {
                var options = app.Services.GetRequiredService<WebOptions>();
                if (!WebOptions.LoopbackOnly(listen.Split(';')) && options.ApiKey is null)
                    throw new CliError($"listening on {listen} (beyond loopback) needs an API key", "set CSA_API_KEY in the environment, or use --urls http://127.0.0.1:PORT");
                await IngestRunner.EnsureIndexedAsync(app.Services, ct);
                Terminal.Notice($"Serving on {listen} (API key {(options.ApiKey is null ? "not required" : "required")}); Ctrl+C stops.");
                await app.RunAsync(listen);
            }
            return ExitCodes.Ok;
        });
        return command;
    }
}
