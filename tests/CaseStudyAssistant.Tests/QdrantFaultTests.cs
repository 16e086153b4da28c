using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Grpc.Core;
using Grpc.Core.Interceptors;
using CaseStudyAssistant.Answering;
using CaseStudyAssistant.Configuration;
using CaseStudyAssistant.Indexing;
using CaseStudyAssistant.Qdrant;
using CaseStudyAssistant.Retrieval;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Qdrant.Client.Grpc;
using QdrantException = CaseStudyAssistant.Qdrant.QdrantException;

namespace CaseStudyAssistant.Tests;

/// <summary>Starts emulators, builds Qdrant pipelines and small corpora for the fault tests.</summary>
public abstract class QdrantEmulatorTestBase : IDisposable
{
    protected readonly TempDir Dir = new("qdrant-faults");
    private readonly List<QdrantEmulator> _emulators = [];
    protected const string Alias = "faults";

    protected QdrantEmulator StartEmulator(params string[] flags)
    {
        var emulator = QdrantEmulator.Start(flags);
        lock (_emulators) _emulators.Add(emulator);
        return emulator;
    }

    protected static QdrantOptions Options(string url, Action<QdrantOptions>? change = null)
    {
        var options = new QdrantOptions { Url = url, Collection = Alias };
        change?.Invoke(options);
        return options;
    }

    /// <summary>The real pipeline over Qdrant: the store (optionally with a test interceptor next to the network) and embedder registered first.</summary>
    protected ServiceProvider Build(QdrantOptions options, IEmbeddingGenerator<string, Embedding<float>>? embedder = null,
        Interceptor? handler = null, Action<CsaSettings>? configure = null) =>
        Pipeline.Build(Dir.File("unused/index.db"), s => { s.Index.Store = "qdrant"; configure?.Invoke(s); }, services =>
        {
            if (embedder is not null) services.AddSingleton(embedder);
            if (handler is null) services.AddQdrantStudyIndex(options);
            else services.AddSingleton<IStudyIndex>(_ => new QdrantStudyIndex(options, handler));
        });

    protected string WriteCorpus(IEnumerable<ConformanceCorpus.Study> studies, string folder = "corpus") => ConformanceCorpus.Write(Dir, folder, studies);

    protected string SmallCorpus() => WriteCorpus(ConformanceCorpus.Studies.Take(3));

    protected static Task<IngestReport> Ingest(ServiceProvider sp, string folder, bool rebuild = false) =>
        sp.GetRequiredService<Ingestor>().IngestAsync([folder], rebuild);

    protected static async Task<List<string>> TopChunks(ServiceProvider sp, string question) =>
        (await sp.GetRequiredService<Retriever>().RetrieveAsync(question)).Chunks.Select(c => c.Chunk.Id).ToList();

    /// <summary>Ingests the three-study corpus, then searches and answers through the same pipeline.</summary>
    protected async Task IngestAndSearchAsync(QdrantOptions options)
    {
        var corpus = SmallCorpus();
        using var sp = Build(options);
        var report = await Ingest(sp, corpus);
        Assert.Equal(3, report.Added);
        Assert.Equal(["churn-prediction", "fraud-graph", "search-ranking"], (await sp.GetRequiredService<IStudyIndex>().ListStudiesAsync(SearchFilter.None)).Select(s => s.Id).Order());
        var result = await sp.GetRequiredService<Retriever>().RetrieveAsync("How do they detect fraud rings of linked accounts?");
        Assert.Equal("fraud-graph", result.Chunks[0].Study.Id);
        var answer = await sp.GetRequiredService<Assistant>().AskAsync("How do they predict which subscribers will churn?");
        Assert.False(answer.Refused, answer.Text);
        Assert.Equal("churn-prediction", answer.Retrieved[0].DocId);
    }

    /// <summary>Statuses the emulator answered (numeric gRPC codes for gRPC calls), from its --log file.</summary>
    protected static List<int> LoggedStatuses(string log) =>
        File.ReadAllLines(log).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("status").GetInt32()).ToList();

    public void Dispose()
    {
        lock (_emulators) foreach (var e in _emulators) e.Dispose();
        Dir.Dispose();
    }
}

/// <summary>
/// Transient failures are retried (MaxRetries, default 4). These wait out retry-after (1 s per failure, a trailer the
/// emulator sends with injected failures), so each has its own class.
/// </summary>
public sealed class QdrantRetryOnUnavailableTests : QdrantEmulatorTestBase
{
    [EmulatorFact]
    public async Task Every_third_call_failing_with_UNAVAILABLE_is_retried_and_ingest_and_search_succeed()
    {
        var log = Dir.File("requests.jsonl");
        var emulator = StartEmulator("--fail-every", "3", "--fail-status", "503", "--log", log);

        await IngestAndSearchAsync(Options(emulator.Url)); // MaxRetries: the default (4)

        var statuses = LoggedStatuses(log);
        var unavailable = statuses.Count(s => s == (int)StatusCode.Unavailable);
        Assert.True(unavailable >= 5, $"{unavailable} injected failures");
        Assert.All(statuses, s => Assert.True(s is (int)StatusCode.OK or (int)StatusCode.Unavailable, $"status {s}"));
    }
}

/// <summary>Separate from <see cref="QdrantRetryOnUnavailableTests"/> so the two retry-after waits overlap.</summary>
public sealed class QdrantRetryOnResourceExhaustedTests : QdrantEmulatorTestBase
{
    [EmulatorFact]
    public async Task RESOURCE_EXHAUSTED_with_retry_after_is_retried_too()
    {
        var log = Dir.File("requests.jsonl");
        var emulator = StartEmulator("--fail-every", "8", "--fail-status", "429", "--log", log);

        await IngestAndSearchAsync(Options(emulator.Url));

        Assert.Contains((int)StatusCode.ResourceExhausted, LoggedStatuses(log));
    }
}

/// <summary>A deadline that passes is retried like the other transient statuses.</summary>
public sealed class QdrantRetryOnDeadlineTests : QdrantEmulatorTestBase
{
    [EmulatorFact]
    public async Task A_DEADLINE_EXCEEDED_attempt_is_retried_and_the_call_succeeds()
    {
        var emulator = StartEmulator();
        var slowOnce = new SlowFirstAttempt("qdrant.Collections/ListAliases", TimeSpan.FromSeconds(2));
        using var sp = Build(Options(emulator.Url, o => o.TimeoutSeconds = 0.5), handler: slowOnce);

        var report = await Ingest(sp, SmallCorpus());

        Assert.Equal(3, report.Added);
        Assert.True(slowOnce.Attempts >= 2, $"{slowOnce.Attempts} attempts");
    }

    /// <summary>Holds the first call of one method past its deadline (it then fails DEADLINE_EXCEEDED); later calls pass.</summary>
    private sealed class SlowFirstAttempt(string method, TimeSpan delay) : Interceptor
    {
        private int _attempts;
        public int Attempts => Volatile.Read(ref _attempts);

        public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context,
            AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
        {
            if (context.Method.FullName.TrimStart('/') != method || Interlocked.Increment(ref _attempts) > 1) return continuation(request, context);
            var deadline = context.Options.Deadline ?? throw new InvalidOperationException("the call policy sets a deadline on every attempt");
            async Task<TResponse> Late()
            {
                await Task.Delay(delay);
                Assert.True(DateTime.UtcNow > deadline);
                throw new RpcException(new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded"));
            }
            return new AsyncUnaryCall<TResponse>(Late(), Task.FromResult(new Metadata()), () => Status.DefaultSuccess, () => new Metadata(), () => { });
        }
    }
}

public sealed class QdrantFaultTests : QdrantEmulatorTestBase
{
    [EmulatorFact]
    public async Task A_server_that_keeps_failing_gives_one_readable_error_and_the_cli_shows_no_stack_trace()
    {
        var emulator = StartEmulator("--fail-every", "1");
        var corpus = SmallCorpus();

        using (var sp = Build(Options(emulator.Url, o => o.MaxRetries = 1)))
        {
            var e = await Assert.ThrowsAsync<QdrantException>(() => Ingest(sp, corpus));
            Assert.IsAssignableFrom<StoreException>(e);
            Assert.Equal(StatusCode.Unavailable, e.Status);
            Assert.Contains("Qdrant", e.Message);
            Assert.Contains("UNAVAILABLE", e.Message);
            Assert.Contains("2 attempts", e.Message);
            Assert.DoesNotContain('\n', e.Message);
            Assert.False(string.IsNullOrWhiteSpace(e.Hint));
        }

        var env = new Dictionary<string, string>
        {
            ["CSA_INDEX__QDRANT__MAXRETRIES"] = "1", // the default 4 would wait out 4 × Retry-After
            ["QDRANT_URL"] = "", ["QDRANT_API_KEY"] = "",
        };
        var run = Cli.Run(Dir.Path, env, "ingest", "--store", "qdrant", "--qdrant-url", emulator.Url, "--corpus", corpus);

        Assert.True(run.ExitCode == 2, run.ToString());
        // Progress notices ("Reading corpus…") may come first; then the error, on one line, and a hint.
        var lines = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToList();
        var messages = lines.SkipWhile(l => l.EndsWith('…')).ToList();
        Assert.True(messages.Count > 0 && messages[0].StartsWith("error:"), run.ToString());
        Assert.Contains("Qdrant", messages[0]);
        Assert.Contains("UNAVAILABLE", messages[0]);
        Assert.Contains(messages, l => l.StartsWith("hint:"));
        Assert.DoesNotContain(lines, l => l.Contains("   at "));
        Assert.Equal(["error:", "hint:"], messages.Select(l => l[..(l.IndexOf(':') + 1)]));
    }

    [EmulatorFact]
    public async Task A_server_slower_than_the_timeout_gives_a_did_not_answer_in_time_error()
    {
        var emulator = StartEmulator("--latency-ms", "1500");
        var corpus = SmallCorpus();
        using var sp = Build(Options(emulator.Url, o => { o.TimeoutSeconds = 0.5; o.MaxRetries = 1; }));

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<QdrantException>(() => Ingest(sp, corpus));

        Assert.Equal(StatusCode.DeadlineExceeded, e.Status);
        Assert.Contains("2 attempts", e.Message);
        Assert.Contains("did not answer", e.Message);
        Assert.Contains("in time", e.Message);
        Assert.Contains("TimeoutSeconds", e.Hint);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
    }

    [EmulatorFact]
    public async Task A_failed_rebuild_leaves_the_alias_on_the_old_collection_and_nothing_behind()
    {
        var emulator = StartEmulator();
        using var admin = new QdrantAdmin(emulator.Url);
        // 20 studies: more than one embedding batch, so the generator can fail half-way.
        var corpus = WriteCorpus(ConformanceCorpus.Studies.Concat(ConformanceCorpus.Fillers(12)));
        const string question = "How do they detect fraud rings of linked accounts?";
        using (var sp = Build(Options(emulator.Url)))
        {
            var first = await Ingest(sp, corpus, rebuild: true);
            Assert.Equal(20, first.Added);
        }
        var target = await admin.AliasTargetAsync(Alias);
        Assert.NotNull(target);
        var points = await admin.CountAsync(target);
        List<string> before;
        using (var sp = Build(Options(emulator.Url))) before = await TopChunks(sp, question);
        Assert.StartsWith("fraud-graph#", before[0]);

        async Task AssertUntouched(string what)
        {
            Assert.True(target == await admin.AliasTargetAsync(Alias), $"{what}: the alias moved");
            Assert.True(new[] { target }.SequenceEqual(await admin.CollectionsOfAsync(Alias)), $"{what}: left {string.Join(", ", await admin.CollectionsOfAsync(Alias))}");
            Assert.Equal(points, await admin.CountAsync(Alias));
            using var fresh = Build(Options(emulator.Url));
            Assert.Equal(before, await TopChunks(fresh, question));
            Assert.Equal(20, (await fresh.GetRequiredService<IStudyIndex>().ListStudiesAsync(SearchFilter.None)).Count);
        }

        // 1. The embedding model fails on its second batch.
        var embedder = new FailingEmbeddingGenerator(succeedCalls: 1);
        using (var sp = Build(Options(emulator.Url), embedder, configure: s => s.Embedding.CachePath = Dir.File("own-cache/embeddings.db")))
            await Assert.ThrowsAsync<InvalidOperationException>(() => Ingest(sp, corpus, rebuild: true));
        Assert.Equal(2, embedder.Calls);
        await AssertUntouched("embedding failure");

        // 2. Qdrant rejects the second upsert into the new collection (the store must drop the half-built one).
        var upserts = 0;
        var failUpsert = new FailingCalls((method, _) => method == "qdrant.Points/Upsert" && ++upserts == 2);
        using (var sp = Build(Options(emulator.Url, o => o.BatchSize = 16), handler: failUpsert))
        {
            var e = await Assert.ThrowsAsync<QdrantException>(() => Ingest(sp, corpus, rebuild: true));
            Assert.Contains("injected by the test", e.Message);
        }
        Assert.Equal(1, failUpsert.Failed);
        await AssertUntouched("failed upsert");

        // 3. Qdrant rejects the alias switch itself, the last step.
        var failSwitch = new FailingCalls((method, _) => method == "qdrant.Collections/UpdateAliases");
        using (var sp = Build(Options(emulator.Url), handler: failSwitch))
            await Assert.ThrowsAsync<QdrantException>(() => Ingest(sp, corpus, rebuild: true));
        Assert.Equal(1, failSwitch.Failed);
        await AssertUntouched("failed alias switch");

        // 4. Qdrant counts fewer points in the new collection than were written: the alias must not move.
        var shortCount = new StubQdrant((method, _) => method == "qdrant.Points/Count" ? new CountResponse { Result = new CountResult { Count = 7 } } : null);
        using (var sp = Build(Options(emulator.Url), handler: shortCount))
        {
            var e = await Assert.ThrowsAsync<QdrantException>(() => Ingest(sp, corpus, rebuild: true));
            Assert.Contains("holds 7 points", e.Message);
            Assert.Contains("was not switched", e.Message);
        }
        Assert.DoesNotContain("qdrant.Collections/UpdateAliases", shortCount.Calls);
        await AssertUntouched("short count");

        // And a rebuild that goes through moves the alias and deletes the old collection.
        using (var sp = Build(Options(emulator.Url)))
            Assert.Equal(20, (await Ingest(sp, corpus, rebuild: true)).Added);
        var next = await admin.AliasTargetAsync(Alias);
        Assert.NotEqual(target, next);
        Assert.Equal([next!], await admin.CollectionsOfAsync(Alias));
    }

    [EmulatorFact]
    public async Task An_interrupted_incremental_ingest_is_completed_by_the_next_one()
    {
        var emulator = StartEmulator();
        var corpus = WriteCorpus(ConformanceCorpus.Studies);
        using (var sp = Build(Options(emulator.Url))) await Ingest(sp, corpus);

        // Edit one study (dropping a section), add one, delete one.
        var fraud = ConformanceCorpus.Get("fraud-graph");
        var edited = fraud with { Sections = fraud.Sections.Take(2).Select(x => (x.Heading, x.Text.Replace("narwhal", "pangolin"))).ToArray() };
        Dir.Write($"corpus/{edited.RelativePath}", edited.Markdown);
        var added = ConformanceCorpus.Fillers(1).Single();
        Dir.Write($"corpus/{added.RelativePath}", added.Markdown);
        File.Delete(Dir.File($"corpus/{ConformanceCorpus.Get("speech-asr").RelativePath}"));

        // Every write after the chunk upsert fails: new chunks are in, study points, stale chunks and deletions are not.
        var writes = 0;
        var failing = new FailingCalls((method, _) => FailingCalls.IsWrite(method) && ++writes > 1, StatusCode.Unavailable);
        using (var sp = Build(Options(emulator.Url, o => o.MaxRetries = 1), handler: failing))
            await Assert.ThrowsAsync<QdrantException>(() => Ingest(sp, corpus));
        Assert.True(failing.Failed > 0);

        using (var sp = Build(Options(emulator.Url)))
        {
            var report = await Ingest(sp, corpus);
            Assert.Equal((1, 1, 6, 1), (report.Added, report.Updated, report.Unchanged, report.Removed));
        }

        // Now the store holds exactly what a fresh embedded index of the corpus holds.
        using var reference = new TempDir("qdrant-faults-ref");
        using var refSp = Pipeline.Build(reference.File("index.db"));
        await Ingest(refSp, corpus);
        using var check = Build(Options(emulator.Url));
        var got = (await check.GetRequiredService<IStudyIndex>().ListStudiesAsync(SearchFilter.None)).Select(s => (s.Id, s.Title, s.ChunkCount)).ToList();
        var want = (await refSp.GetRequiredService<IStudyIndex>().ListStudiesAsync(SearchFilter.None)).Select(s => (s.Id, s.Title, s.ChunkCount)).ToList();
        Assert.Equal(want, got);
        // Same leaders and the same passages; near-equal fused scores may swap places further down, since Qdrant
        // fuses in 32-bit floats and breaks ties by point id.
        foreach (var question in new[] { "narwhal", "pangolin rings", "axolotl", added.UniqueWord, "Fraud losses fell", "production system" })
        {
            var (expected, actual) = (await TopChunks(refSp, question), await TopChunks(check, question));
            Assert.Equal(expected.Take(2), actual.Take(2));
            Assert.Equal(expected.Order(), actual.Order());
        }
    }

    [EmulatorFact]
    public async Task An_api_key_is_required_when_the_server_has_one()
    {
        var emulator = StartEmulator("--api-key", "secret");
        var corpus = SmallCorpus();

        foreach (var key in new string?[] { null, "wrong" })
        {
            using var sp = Build(Options(emulator.Url, o => o.ApiKey = key));
            var e = await Assert.ThrowsAsync<QdrantException>(() => Ingest(sp, corpus));
            Assert.Equal(StatusCode.Unauthenticated, e.Status);
            Assert.Contains("UNAUTHENTICATED", e.Message);
            Assert.Contains("QDRANT_API_KEY", e.Hint);
            Assert.Contains(key is null ? "needs an API key" : "did not accept the API key", e.Hint);
        }

        await IngestAndSearchAsync(Options(emulator.Url, o => o.ApiKey = "secret"));
    }

    private static object Health(string version) => new HealthCheckReply { Title = "qdrant - vector search engine", Version = version, Commit = "x" };

    private static QdrantStudyIndex Stubbed(StubQdrant stub, int maxRetries = 1, string? apiKey = null) =>
        new(new QdrantOptions { Url = "http://qdrant.test:6334", MaxRetries = maxRetries, ApiKey = apiKey }, stub);

    [Theory]
    [InlineData("1.15.0")]
    [InlineData("1.9.7")]
    public async Task A_server_older_than_1_16_is_refused_with_both_versions_named(string version)
    {
        var stub = new StubQdrant((method, _) => method == "qdrant.Qdrant/HealthCheck" ? Health(version)
            : throw StubQdrant.Fail(StatusCode.Internal, "not expected"));
        using var index = Stubbed(stub);

        var e = await Assert.ThrowsAsync<QdrantException>(() => index.GetStateAsync());

        Assert.Contains(version, e.Message);
        Assert.Contains("1.16.0", e.Message);
        Assert.False(string.IsNullOrWhiteSpace(e.Hint));
        Assert.Equal(["qdrant.Qdrant/HealthCheck"], stub.Calls);
    }

    [Theory]
    [InlineData("1.16.0")]
    [InlineData("1.19.0")]
    public async Task A_server_of_1_16_or_newer_is_accepted(string version)
    {
        var stub = new StubQdrant((method, _) => method switch
        {
            "qdrant.Qdrant/HealthCheck" => Health(version),
            "qdrant.Collections/ListAliases" => new ListAliasesResponse(),
            _ => throw StubQdrant.Fail(StatusCode.Internal, "not expected"),
        });
        using var index = Stubbed(stub);

        Assert.Equal(Version.Parse(version), await index.ServerVersionAsync());
        Assert.True((await index.GetStateAsync()).IsEmpty);
    }

    [Fact]
    public async Task MaxRetries_0_means_a_single_attempt()
    {
        var stub = new StubQdrant((method, _) => method == "qdrant.Qdrant/HealthCheck" ? Health("1.19.0")
            : throw StubQdrant.Fail(StatusCode.Unavailable, "Service internal error: down"));
        using var index = Stubbed(stub, maxRetries: 0);

        var e = await Assert.ThrowsAsync<QdrantException>(() => index.GetStateAsync());

        Assert.Equal(StatusCode.Unavailable, e.Status);
        Assert.Equal(["qdrant.Qdrant/HealthCheck", "qdrant.Collections/ListAliases"], stub.Calls);
    }

    [Theory]
    [InlineData(StatusCode.InvalidArgument, "INVALID_ARGUMENT", "invalid", "--rebuild")]
    [InlineData(StatusCode.NotFound, "NOT_FOUND", "no such collection or alias", "csa ingest --store qdrant")]
    [InlineData(StatusCode.Unauthenticated, "UNAUTHENTICATED", "refused", "QDRANT_API_KEY")]
    [InlineData(StatusCode.PermissionDenied, "PERMISSION_DENIED", "refused", "QDRANT_API_KEY")]
    public async Task A_permanent_status_is_never_retried_and_is_explained(StatusCode status, string name, string says, string hint)
    {
        var stub = new StubQdrant((method, _) => method == "qdrant.Qdrant/HealthCheck" ? Health("1.19.0")
            : throw StubQdrant.Fail(status, "Wrong input: the server's own words\nsecond line"));
        using var index = Stubbed(stub, maxRetries: 4);

        var e = await Assert.ThrowsAsync<QdrantException>(() => index.GetStateAsync());

        Assert.Equal(status, e.Status);
        Assert.Equal(["qdrant.Qdrant/HealthCheck", "qdrant.Collections/ListAliases"], stub.Calls); // one attempt
        Assert.Contains(name, e.Message);
        Assert.Contains(says, e.Message);
        Assert.Contains("Collections/ListAliases", e.Message);
        Assert.Contains("Wrong input: the server's own words second line", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains(hint, e.Hint);
    }

    [Fact]
    public async Task A_server_that_is_not_Qdrant_is_refused_with_the_grpc_port_in_the_hint()
    {
        // An HTTP/1.1 web server: it answers the gRPC client's HTTP/2 preface with a page.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var serve = Task.Run(async () =>
        {
            for (var i = 0; i < 3; i++)
            {
                using var client = await listener.AcceptTcpClientAsync();
                var stream = client.GetStream();
                _ = await stream.ReadAsync(new byte[4096]);
                await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 18\r\nConnection: close\r\n\r\n<html>hello</html>"));
            }
        });
        var url = $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";
        using var index = new QdrantStudyIndex(new QdrantOptions { Url = url, MaxRetries = 1, TimeoutSeconds = 5 });

        var e = await Assert.ThrowsAnyAsync<Exception>(() => index.GetStateAsync());

        var q = Assert.IsType<QdrantException>(e);
        Assert.Contains(url, q.Message);
        Assert.Contains("gRPC", q.Message);
        Assert.DoesNotContain('\n', q.Message);
        Assert.Contains("6334", q.Hint);
    }

    [EmulatorFact]
    public async Task The_REST_port_instead_of_the_gRPC_port_gives_a_hint_naming_both()
    {
        var emulator = StartEmulator();
        using var index = new QdrantStudyIndex(Options(emulator.RestUrl, o => o.MaxRetries = 1));

        var e = await Assert.ThrowsAsync<QdrantException>(() => index.GetStateAsync());

        Assert.Contains("gRPC", e.Message);
        Assert.Contains("6334", e.Hint);
        Assert.Contains("6333", e.Hint);
    }

    [EmulatorFact]
    public async Task TLS_against_a_plain_text_server_fails_readably()
    {
        var emulator = StartEmulator();
        using var index = new QdrantStudyIndex(Options(emulator.Url.Replace("http://", "https://"), o => o.MaxRetries = 1));

        var e = await Assert.ThrowsAsync<QdrantException>(() => index.GetStateAsync());

        Assert.Contains("TLS", e.Message);
        Assert.Contains("http://", e.Hint);
    }

    [Fact]
    public async Task Nothing_listening_gives_cannot_reach_after_the_retries()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop(); // a port that was free a moment ago

        using var index = new QdrantStudyIndex(new QdrantOptions { Url = $"http://127.0.0.1:{port}", MaxRetries = 1 });
        var e = await Assert.ThrowsAsync<QdrantException>(() => index.GetStateAsync());

        Assert.Equal(StatusCode.Unavailable, e.Status);
        Assert.Contains("cannot reach Qdrant", e.Message);
        Assert.Contains("2 attempts", e.Message);
        Assert.Contains("is Qdrant running", e.Hint);
    }

    [Theory]
    [InlineData("localhost:6334", "not an http(s)://host:port URL")]
    [InlineData("ftp://localhost:6334", "not an http(s)://host:port URL")]
    [InlineData("http://localhost:6334/qdrant", "not an http(s)://host:port URL")]
    public void A_url_that_cannot_be_Qdrants_gRPC_endpoint_is_refused_at_once(string url, string says)
    {
        var e = Assert.Throws<QdrantException>(() => new QdrantStudyIndex(new QdrantOptions { Url = url }));
        Assert.Contains(says, e.Message);
        Assert.Contains("6334", e.Hint);
    }

    [Fact]
    public void A_certificate_thumbprint_needs_an_https_url()
    {
        var e = Assert.Throws<QdrantException>(() => new QdrantStudyIndex(new QdrantOptions { Url = "http://localhost:6334", CertificateThumbprint = "AB:CD" }));
        Assert.Contains("https://", e.Message);
    }
}
