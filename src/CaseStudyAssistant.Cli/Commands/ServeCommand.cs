using System.CommandLine;
using CaseStudyAssistant.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace CaseStudyAssistant.Cli.Commands;

/// <summary>The web chat page and the HTTP API.</summary>
internal static class ServeCommand
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
            if (WebOptions.CheckUrls(listen, out _) is { } badUrls)
                throw new CliError($"cannot listen on {listen}: {badUrls}", "e.g. --urls http://127.0.0.1:5080 (several: separate them with ';')");
            var overrides = store.Overrides(r);
            llm.AddOverrides(r, overrides);
            overrides["urls"] = listen;
            await using (var app = WebApp.Build([], overrides))
            {
                var options = app.Services.GetRequiredService<WebOptions>();
                if (!WebOptions.LoopbackOnly(listen.Split(';')) && options.ApiKey is null)
                    throw new CliError($"listening on {listen} (beyond loopback) needs an API key", "set CSA_API_KEY in the environment, or use --urls http://127.0.0.1:PORT");
                await IngestRunner.EnsureIndexedAsync(app.Services, ct);
                app.Urls.Clear();
                foreach (var url in listen.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)) app.Urls.Add(url);
                try { await app.StartAsync(ct); }
                catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException)
                {
                    var why = e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase) ? "the address is already in use" : e.Message.Split('\n')[0].TrimEnd('.');
                    throw new CliError($"cannot listen on {listen}: {why}", "stop what uses that port, or choose another with --urls http://127.0.0.1:PORT");
                }
                // Only now: the sockets are bound.
                Terminal.Notice($"Serving on {string.Join(", ", app.Urls)} (API key {(options.ApiKey is null ? "not required" : "required")}); Ctrl+C stops.");
                await app.WaitForShutdownAsync(ct);
            }
            return ExitCodes.Ok;
        });
        return command;
    }
}
