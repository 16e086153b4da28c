using System.Diagnostics;
using System.Text;
using System.Text.Json;
using CaseStudyAssistant.Indexing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace CaseStudyAssistant.Tests;

/// <summary>Spans and metrics: on stderr with --telemetry (stdout stays the answer), and over OTLP to a collector.</summary>
public sealed class TelemetryTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly TempDir _dir = new("telemetry");
    private string IndexPath => _dir.File("state/index.db");

    public Task InitializeAsync()
    {
        LlmCorpus.Ingest(_dir, IndexPath);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        _dir.Dispose();
        return Task.CompletedTask;
    }

    private CliResult Run(IDictionary<string, string>? env, params string[] args)
    {
        var result = Cli.Run(_dir.Path, env, args);
        output.WriteLine($"$ csa {string.Join(' ', args)}\n{result}");
        return result;
    }

    private static IReadOnlyList<string> SpanNames(string stderr) =>
        stderr.Split('\n').Where(l => l.StartsWith("Activity.DisplayName:", StringComparison.Ordinal))
            .Select(l => l["Activity.DisplayName:".Length..].Trim()).ToList();

    [Fact]
    public void Telemetry_goes_to_stderr_and_the_json_answer_on_stdout_stays_parseable()
    {
        var r = Run(null, "ask", LlmAnswerTests.VoiceLabQuestion, "--json", "--telemetry", "--index", IndexPath);

        Assert.Equal(0, r.ExitCode);
        using var answer = JsonDocument.Parse(r.Stdout); // the whole of stdout is the one JSON object
        Assert.Equal("extractive", answer.RootElement.GetProperty("mode").GetString());
        var spans = SpanNames(r.Stderr);
        foreach (var name in new[] { "csa.retrieve", "csa.retrieve.embed", "csa.retrieve.search", "csa.search.sparse", "csa.search.dense", "csa.search.fusion" })
            Assert.Contains(name, spans);
        Assert.Contains("Metric Name: csa.retrieve.duration", r.Stderr);
        Assert.DoesNotContain("Activity.", r.Stdout);
    }

    [Fact]
    public async Task Model_calls_are_spans_with_GenAI_attributes_and_token_usage_is_a_metric()
    {
        await using var server = await FakeOpenAIServer.StartAsync();
        server.Enqueue(FakeReply.Text(LlmAnswerTests.GroundedReply));

        var r = Run(null, "ask", LlmAnswerTests.VoiceLabQuestion, "--json", "--telemetry", "--index", IndexPath,
            "--llm", "compatible", "--llm-endpoint", server.V1, "--chat-model", "m");

        Assert.Equal(0, r.ExitCode);
        using var answer = JsonDocument.Parse(r.Stdout);
        Assert.Equal("llm", answer.RootElement.GetProperty("mode").GetString());
        var spans = SpanNames(r.Stderr);
        Assert.Contains("csa.prompt.assemble", spans);
        Assert.Contains("csa.llm.generate", spans);
        Assert.Contains("chat m", spans);
        Assert.Contains("gen_ai.request.model: m", r.Stderr);
        Assert.Contains("gen_ai.usage.input_tokens: 123", r.Stderr);
        Assert.Contains("gen_ai.usage.output_tokens: 45", r.Stderr);
        Assert.Contains("Metric Name: gen_ai.client.token.usage", r.Stderr);
        Assert.Contains("Metric Name: gen_ai.client.operation.duration", r.Stderr);
    }

    [Theory]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT")]
    [InlineData("CSA_TELEMETRY__OTLPENDPOINT")]
    public async Task Spans_and_metrics_are_exported_over_OTLP(string variable)
    {
        await using var collector = await OtlpCollector.StartAsync();

        var r = Run(new Dictionary<string, string> { [variable] = collector.Url, ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf" },
            "ask", LlmAnswerTests.VoiceLabQuestion, "--json", "--index", IndexPath);

        Assert.Equal(0, r.ExitCode);
        using var answer = JsonDocument.Parse(r.Stdout);
        Assert.DoesNotContain("Activity.", r.Stderr); // no console export without --telemetry
        var traces = collector.Bodies("/v1/traces");
        Assert.NotEmpty(traces);
        Assert.Contains("csa.search.fusion", traces);
        Assert.Contains("csa", traces); // service.name
        Assert.Contains("csa.retrieve.duration", collector.Bodies("/v1/metrics"));
    }

    [Fact]
    public void Bad_OTLP_endpoint_is_one_line_naming_the_setting()
    {
        var r = Run(new Dictionary<string, string> { ["CSA_TELEMETRY__OTLPENDPOINT"] = "collector:4317" },
            "ask", LlmAnswerTests.VoiceLabQuestion, "--index", IndexPath);

        Assert.Equal(2, r.ExitCode);
        var error = r.Stderr.Split('\n').Single(l => l.StartsWith("error: ", StringComparison.Ordinal));
        Assert.Contains("Telemetry:OtlpEndpoint is 'collector:4317', but it must be an http:// or https:// URL", error);
        Assert.DoesNotContain("   at ", r.Stderr);
        Assert.Equal("", r.Stdout.Trim());
    }

    [Fact]
    public async Task Ingest_steps_are_spans_of_one_trace()
    {
        using var dir = new TempDir("telemetry-ingest");
        var spans = new List<Activity>();
        using var root = new Activity("test-root").Start(); // this test's spans are the ones in its trace
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == Telemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => { lock (spans) spans.Add(a); },
        };
        ActivitySource.AddActivityListener(listener);
        await using var services = Pipeline.Build(dir.File("index.db"));

        await services.GetRequiredService<Ingestor>().IngestAsync([LlmCorpus.Write(dir)], rebuild: false);

        List<Activity> mine;
        lock (spans) mine = spans.Where(a => a.TraceId == root.TraceId).ToList();
        var ingest = Assert.Single(mine, a => a.DisplayName == "csa.ingest");
        foreach (var step in new[] { "csa.ingest.read", "csa.ingest.chunk", "csa.ingest.embed", "csa.ingest.write" })
            Assert.Equal(ingest.SpanId, Assert.Single(mine, a => a.DisplayName == step).ParentSpanId);
        Assert.Equal(LlmCorpus.Studies.Length, mine.Single(a => a.DisplayName == "csa.ingest.read").GetTagItem("csa.studies"));
    }

    /// <summary>An OTLP/HTTP receiver that keeps what is posted to it (protobuf; span and metric names are plain UTF-8 in it).</summary>
    private sealed class OtlpCollector : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly List<(string Path, byte[] Body)> _posts = [];
        public string Url { get; }

        private OtlpCollector(WebApplication app, string url) { _app = app; Url = url; }

        public static async Task<OtlpCollector> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            OtlpCollector? collector = null;
            app.MapPost("/{**path}", async (HttpContext ctx) =>
            {
                using var body = new MemoryStream();
                await ctx.Request.Body.CopyToAsync(body);
                lock (collector!._posts) collector._posts.Add((ctx.Request.Path.Value ?? "", body.ToArray()));
                ctx.Response.ContentType = "application/x-protobuf";
            });
            await app.StartAsync();
            collector = new OtlpCollector(app, app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
            return collector;
        }

        public string Bodies(string path)
        {
            lock (_posts) return string.Concat(_posts.Where(p => p.Path == path).Select(p => Encoding.UTF8.GetString(p.Body)));
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }
}
