using System.CommandLine;
using System.Diagnostics;
using System.Net.Http.Json;
using CaseStudyAssistant.Indexing;
using CaseStudyAssistant.Retrieval;
using CaseStudyAssistant.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace CaseStudyAssistant.Cli.Commands;

/// <summary>
/// A bounded load test of POST /api/ask on loopback: a fixed number of requests at a fixed concurrency, with a time
/// limit, reporting latency percentiles and errors. Starts its own server unless --url names one.
/// </summary>
public static class LoadTestCommand
{
    public static Command Create()
    {
        var url = new Option<string?>("--url") { Description = "A running csa serve to test (loopback only); default: start one in this process" };
        var requests = new Option<int>("--requests") { Description = "Total asks (1–5000)", DefaultValueFactory = _ => 200 };
        var concurrency = new Option<int>("--concurrency") { Description = "Asks in flight at once (1–100)", DefaultValueFactory = _ => 20 };
        var seconds = new Option<int>("--max-seconds") { Description = "Stop after this long whatever is left", DefaultValueFactory = _ => 120 };
        var json = CommonOptions.Json();
        var store = new CommonOptions.Store();
        var command = new Command("loadtest", "Load-test the HTTP API on loopback: N asks at concurrency C, latency percentiles and errors") { url, requests, concurrency, seconds, json };
        store.AddTo(command);
        command.SetAction(async (r, ct) =>
        {
            var total = r.GetValue(requests); var parallel = r.GetValue(concurrency);
            if (total is < 1 or > 5000) throw new CliError($"--requests must be between 1 and 5000, got {total}");
            if (parallel is < 1 or > 100) throw new CliError($"--concurrency must be between 1 and 100, got {parallel}");
            var target = r.GetValue(url);
            if (target is not null && !WebOptions.LoopbackOnly([target])) throw new CliError($"{target} is not a loopback address", "load tests only target this machine: use http://127.0.0.1:PORT");

            WebApplication? app = null;
            List<string> questions;
            try
            {
                if (target is null)
                {
                    var overrides = store.Overrides(r);
                    overrides["Web:RequestsPerMinute"] = "100000"; // the test measures the pipeline, not the rate limiter
                    app = WebApp.Build([], overrides);
                    await IngestRunner.EnsureIndexedAsync(app.Services, ct);
                    app.Urls.Add("http://127.0.0.1:0");
                    await app.StartAsync(ct);
                    target = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
                    questions = (await app.Services.GetRequiredService<IStudyIndex>().ListStudiesAsync(SearchFilter.None, ct)).Select(s => $"How did {s.Company} approach: {s.Title}?").ToList();
                }
                else questions = ["How do teams keep online and offline features consistent?", "How do companies moderate content with LLMs?", "How is ETA predicted for deliveries?"];

                using var http = new HttpClient { BaseAddress = new Uri(target.TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(30) };
                if (Environment.GetEnvironmentVariable("CSA_API_KEY") is { Length: > 0 } key) http.DefaultRequestHeaders.Add(WebOptions.ApiKeyHeader, key);
                using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
                limit.CancelAfter(TimeSpan.FromSeconds(r.GetValue(seconds)));
                // Warm-up (JIT, index load, connection pool), not counted.
                foreach (var q in questions.Take(20))
                    using (var warm = await http.PostAsJsonAsync("api/ask", new { question = q }, limit.Token)) { }
                var latencies = new List<double>(); var errors = 0; var next = -1;
                var clock = Stopwatch.StartNew();
                var workers = Enumerable.Range(0, parallel).Select(async _ =>
                {
                    int i;
                    while ((i = Interlocked.Increment(ref next)) < total && !limit.IsCancellationRequested)
                    {
                        var sw = Stopwatch.StartNew();
                        try
                        {
                            using var response = await http.PostAsJsonAsync("api/ask", new { question = questions[i % questions.Count] }, limit.Token);
                            await response.Content.ReadAsStringAsync(limit.Token);
                            if (!response.IsSuccessStatusCode) Interlocked.Increment(ref errors);
                        }
                        catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { Interlocked.Increment(ref errors); }
                        lock (latencies) latencies.Add(sw.Elapsed.TotalMilliseconds);
                    }
                });
                await Task.WhenAll(workers);
                var elapsed = clock.Elapsed.TotalSeconds;
                latencies.Sort();
                double P(double p) => latencies.Count == 0 ? 0 : latencies[Math.Clamp((int)Math.Ceiling(p * latencies.Count) - 1, 0, latencies.Count - 1)];
                var result = new
                {
                    target, requests = latencies.Count, concurrency = parallel, errors, seconds = Math.Round(elapsed, 2),
                    requestsPerSecond = Math.Round(latencies.Count / elapsed, 1), p50Ms = Math.Round(P(0.5), 2), p95Ms = Math.Round(P(0.95), 2), p99Ms = Math.Round(P(0.99), 2),
                };
                if (r.GetValue(json)) Output.WriteJson(result);
                else Console.WriteLine($"{result.requests} asks at concurrency {parallel} against {target}: {result.errors} errors, {result.requestsPerSecond}/s, p50 {result.p50Ms} ms, p95 {result.p95Ms} ms, p99 {result.p99Ms} ms");
                return errors == 0 && latencies.Count == total ? ExitCodes.Ok : ExitCodes.Partial;
            }
            finally
            {
                if (app is not null) { await app.StopAsync(CancellationToken.None); await app.DisposeAsync(); }
            }
        });
        return command;
    }
}
