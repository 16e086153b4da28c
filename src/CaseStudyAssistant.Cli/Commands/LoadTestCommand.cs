using CaseStudyAssistant.Configuration;
using System.Text.Json;
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
internal static class LoadTestCommand
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
                if (Secrets.FromEnvironment.ServerKey()?.Trim() is { Length: > 0 } key) http.DefaultRequestHeaders.Add(WebOptions.ApiKeyHeader, key);
                using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
                limit.CancelAfter(TimeSpan.FromSeconds(r.GetValue(seconds)));
                // Warm-up (JIT, index load, connection pool), not counted.
                foreach (var q in questions.Take(20))
                    using (var warm = await http.PostAsJsonAsync("api/ask", new { question = q }, limit.Token)) { }
                var latencies = new List<double>(); int errors = 0, limited = 0, next = -1;
                // Each answer is checked against the study list of the index generation it was answered from
                // (the X-Index-Generation header); the lists are sampled while the asks run, so an ingest that swaps
                // the index mid-run is caught if any answer cites a study its generation does not hold.
                var generations = new System.Collections.Concurrent.ConcurrentDictionary<string, HashSet<string>>();
                var answers = new System.Collections.Concurrent.ConcurrentBag<(string Generation, List<string> Cited)>();
                var failures = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
                using var sampling = CancellationTokenSource.CreateLinkedTokenSource(limit.Token);
                var sampler = Task.Run(async () =>
                {
                    while (!sampling.IsCancellationRequested)
                    {
                        try { await SampleGenerationAsync(http, generations, sampling.Token); await Task.Delay(100, sampling.Token); }
                        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or JsonException) { }
                    }
                });
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
                            var body = await response.Content.ReadAsStringAsync(limit.Token);
                            if ((int)response.StatusCode == 429) Interlocked.Increment(ref limited);
                            else if (!response.IsSuccessStatusCode) { Interlocked.Increment(ref errors); failures.AddOrUpdate($"{(int)response.StatusCode}", 1, (_, n) => n + 1); }
                            else if (response.Headers.TryGetValues("X-Index-Generation", out var g))
                                answers.Add((g.First(), Cited(body)));
                        }
                        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                        {
                            Interlocked.Increment(ref errors);
                            var kind = e is TaskCanceledException ? "timeout" : $"connection ({(e.InnerException ?? e).Message.Split('\n')[0].TrimEnd('.')})";
                            failures.AddOrUpdate(kind, 1, (_, n) => n + 1);
                        }
                        lock (latencies) latencies.Add(sw.Elapsed.TotalMilliseconds);
                    }
                });
                await Task.WhenAll(workers);
                var elapsed = clock.Elapsed.TotalSeconds;
                await sampling.CancelAsync();
                await sampler;
                // A generation no sample saw (it lived between two samples) is looked up once more if still current.
                try { await SampleGenerationAsync(http, generations, ct); } catch (HttpRequestException) { }
                var verified = answers.Where(a => generations.ContainsKey(a.Generation)).ToList();
                var outside = verified.Count(a => !a.Cited.All(generations[a.Generation].Contains));
                latencies.Sort();
                double P(double p) => latencies.Count == 0 ? 0 : latencies[Math.Clamp((int)Math.Ceiling(p * latencies.Count) - 1, 0, latencies.Count - 1)];
                var result = new
                {
                    target, requests = latencies.Count, concurrency = parallel, errors, rateLimited = limited, seconds = Math.Round(elapsed, 2),
                    requestsPerSecond = Math.Round(latencies.Count / elapsed, 1), p50Ms = Math.Round(P(0.5), 2), p95Ms = Math.Round(P(0.95), 2), p99Ms = Math.Round(P(0.99), 2),
                    generationsSeen = answers.Select(a => a.Generation).Distinct().Count(), answersVerified = verified.Count,
                    answersCitingOutsideTheirGeneration = outside,
                    errorsByKind = failures.ToDictionary(kv => kv.Key, kv => kv.Value),
                };
                if (r.GetValue(json)) Output.WriteJson(result);
                else
                {
                    Console.WriteLine($"{result.requests} asks at concurrency {parallel} against {target}: {result.errors} errors, {result.rateLimited} rate-limited (429), " +
                        $"{result.requestsPerSecond}/s, p50 {result.p50Ms} ms, p95 {result.p95Ms} ms, p99 {result.p99Ms} ms");
                    Console.WriteLine($"index generations answered from: {result.generationsSeen}; answers checked against their generation's studies: {verified.Count}, citing outside it: {outside}");
                    if (errors > 0) Console.WriteLine($"errors by kind: {string.Join(", ", failures.Select(kv => $"{kv.Key} × {kv.Value}"))}");
                    if (limited > 0) Terminal.Notice($"note: {limited} asks were refused by the server's rate limit (Web:RequestsPerMinute); they are not counted as errors");
                }
                return errors == 0 && limited == 0 && outside == 0 && latencies.Count == total ? ExitCodes.Ok : ExitCodes.Partial;
            }
            finally
            {
                if (app is not null) { await app.StopAsync(CancellationToken.None); await app.DisposeAsync(); }
            }
        });
        return command;
    }

    private static async Task SampleGenerationAsync(HttpClient http, System.Collections.Concurrent.ConcurrentDictionary<string, HashSet<string>> generations, CancellationToken ct)
    {
        using var response = await http.GetAsync("api/studies", ct);
        if (!response.IsSuccessStatusCode || !response.Headers.TryGetValues("X-Index-Generation", out var g)) return;
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        generations.TryAdd(g.First(), doc.RootElement.EnumerateArray().Select(s => s.GetProperty("id").GetString()!).ToHashSet(StringComparer.Ordinal));
    }

    private static List<string> Cited(string answerJson)
    {
        using var doc = JsonDocument.Parse(answerJson);
        return doc.RootElement.GetProperty("citations").EnumerateArray().Select(c => c.GetProperty("docId").GetString()!).ToList();
    }
}
