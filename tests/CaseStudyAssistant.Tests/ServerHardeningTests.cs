using CaseStudyAssistant.Configuration;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CaseStudyAssistant.Indexing;
using CaseStudyAssistant.Indexing.Embedded;
using CaseStudyAssistant.Retrieval;
using CaseStudyAssistant.Web;
using Microsoft.Extensions.DependencyInjection;

namespace CaseStudyAssistant.Tests;

/// <summary>The server follows the index a separate ingest writes, one generation per request.</summary>
public sealed class IndexReloadTests : IAsyncLifetime
{
    private readonly TempDir _dir = new("reload");
    private WebTestFactory _factory = null!;
    private string IndexPath => _dir.File("state/index.db");

    public async Task InitializeAsync()
    {
        await WebCorpus.IngestAsync(_dir, IndexPath);
        _factory = WebTestFactory.ForIndex(IndexPath);
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        _dir.Dispose();
    }

    /// <summary>What another process does: rebuild the same file from a different corpus.</summary>
    private async Task RebuildWithOtherStudiesAsync()
    {
        _dir.Write("other/zed.md", StudyFile.Markdown("zed-quota-sharding", "Sharding quotas at Zed", "Zed",
            [("Problem", "The Zed quota service kept every tenant's counters on one database."), ("Approach", "Quota counters were sharded by tenant with consistent hashing.")], 2024));
        await using var other = Pipeline.Build(IndexPath);
        await other.GetRequiredService<Ingestor>().IngestAsync([_dir.File("other")], rebuild: true);
    }

    private static async Task<List<string>> Ids(HttpResponseMessage response)
    {
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return doc.RootElement.EnumerateArray().Select(s => s.GetProperty("id").GetString()!).ToList();
    }

    [Fact]
    public async Task A_rebuild_by_another_process_is_served_by_the_next_request()
    {
        var client = _factory.CreateClient();
        var before = await client.GetAsync("/api/studies");
        Assert.Equal(4, (await Ids(before)).Count);
        var generationBefore = before.Headers.GetValues("X-Index-Generation").Single();

        await RebuildWithOtherStudiesAsync();

        // The new generation loads in the background while requests are still answered from the old one.
        HttpResponseMessage after = null!;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        do
        {
            after = await client.GetAsync("/api/studies");
            if ((await Ids(after)).Count == 1) break;
            await Task.Delay(50);
        } while (DateTime.UtcNow < deadline);
        Assert.Equal(["zed-quota-sharding"], await Ids(after));
        Assert.NotEqual(generationBefore, after.Headers.GetValues("X-Index-Generation").Single());
        var ready = JsonDocument.Parse(await client.GetStringAsync("/readyz")).RootElement;
        Assert.Equal(1, ready.GetProperty("studies").GetInt32());
        var answer = JsonDocument.Parse(await (await client.PostAsJsonAsync("/api/ask", new { question = "How were quota counters sharded by tenant?" })).Content.ReadAsStringAsync()).RootElement;
        Assert.False(answer.GetProperty("refused").GetBoolean());
        Assert.All(answer.GetProperty("citations").EnumerateArray(), c => Assert.Equal("zed-quota-sharding", c.GetProperty("docId").GetString()));
    }

    [Fact]
    public async Task Reads_inside_one_scope_keep_their_generation_while_a_rebuild_lands()
    {
        using var index = new SqliteStudyIndex(IndexPath);
        using (var scope = await index.BeginReadAsync())
        {
            Assert.Equal(4, (await index.ListStudiesAsync(SearchFilter.None)).Count);
            await RebuildWithOtherStudiesAsync();
            // Still the generation the scope began with: the studies, the search and the lookups agree.
            Assert.Equal(4, (await index.ListStudiesAsync(SearchFilter.None)).Count);
            Assert.NotNull(await index.GetStudyAsync(WebCorpus.AcmeFeed));
        }
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((await index.ListStudiesAsync(SearchFilter.None)).Count != 1 && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.Equal(["zed-quota-sharding"], (await index.ListStudiesAsync(SearchFilter.None)).Select(s => s.Id));
        Assert.Null(await index.GetStudyAsync(WebCorpus.AcmeFeed));
    }

    [Fact]
    public async Task Concurrent_first_reads_load_the_index_once_and_all_see_it_whole()
    {
        using var index = new SqliteStudyIndex(IndexPath);
        var counts = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(async () => (await index.ListStudiesAsync(SearchFilter.None)).Count)));
        Assert.All(counts, c => Assert.Equal(4, c));
    }
}

/// <summary>Headers, hosts, error bodies and paths: what a browser page or a curious client can see.</summary>
[Collection("Web")]
public sealed class ServerSurfaceTests(WebFixture fixture)
{
    private HttpClient Client => fixture.Client;

    [Theory]
    [InlineData("/")]
    [InlineData("/api/studies")]
    public async Task Every_response_carries_the_page_protection_headers(string path)
    {
        var response = await Client.GetAsync(path);

        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("default-src 'self'", csp);
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
    }

    [Fact]
    public async Task A_foreign_host_name_is_refused_on_a_loopback_server()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/studies");
        request.Headers.Host = "rebind.attacker.example";

        var response = await Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Host header", await WebAssert.ErrorAsync(response));
        using var local = new HttpRequestMessage(HttpMethod.Get, "/api/studies");
        local.Headers.Host = "127.0.0.1:5080";
        Assert.Equal(HttpStatusCode.OK, (await Client.SendAsync(local)).StatusCode);
    }

    [Fact]
    public async Task No_response_names_a_server_path()
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(fixture.IndexPath))!;
        var root = fixture.Dir.Path;
        foreach (var path in new[] { "/readyz", $"/api/studies/{WebCorpus.AcmeFeed}", "/api/studies" })
        {
            var body = await Client.GetStringAsync(path);
            Assert.DoesNotContain(folder, body);
            Assert.DoesNotContain(root, body);
        }
        var study = JsonDocument.Parse(await Client.GetStringAsync($"/api/studies/{WebCorpus.AcmeFeed}")).RootElement;
        Assert.Equal("feed.md", study.GetProperty("sourceFile").GetString());
        Assert.False(study.TryGetProperty("sourcePath", out _));
    }

    public static TheoryData<string, string, string?, string?, HttpStatusCode, string> BadRequests => new()
    {
        { "POST", "/api/ask", "text/plain", "How?", HttpStatusCode.UnsupportedMediaType, "JSON" },
        { "POST", "/api/ask", "application/json", null, HttpStatusCode.BadRequest, "needs a JSON object" },
        { "POST", "/api/ask", "application/json", "null", HttpStatusCode.BadRequest, "JSON" },
        { "GET", "/api/studies?yearFrom=abc", null, null, HttpStatusCode.BadRequest, "yearFrom must be a whole number" },
        { "GET", "/api/studies?yearFrom=2024&yearTo=2020", null, null, HttpStatusCode.BadRequest, "year-from 2024 is after year-to 2020" },
        { "GET", "/api/nothing-here", null, null, HttpStatusCode.NotFound, "nothing at" },
        { "DELETE", "/api/ask", null, null, HttpStatusCode.MethodNotAllowed, "not allowed" },
        { "GET", "/api/studies?q=" + new string('x', 5000), null, null, HttpStatusCode.RequestUriTooLong, "the limit is 4096" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Every_error_is_a_json_body_with_the_right_status(string method, string path, string? contentType, string? body, HttpStatusCode status, string says)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (contentType is not null) request.Content = new StringContent(body ?? "", Encoding.UTF8, contentType);
        if (contentType is not null && body is null) request.Content!.Headers.ContentLength = 0;

        var response = await Client.SendAsync(request);

        Assert.Equal(status, response.StatusCode);
        Assert.Contains(says, await WebAssert.ErrorAsync(response));
    }

    [Fact]
    public async Task The_api_applies_the_same_rules_in_the_same_words_as_the_cli()
    {
        var top = await Client.PostAsJsonAsync("/api/ask", new { question = "How is the feed ranked?", top = 80 });
        Assert.Equal(HttpStatusCode.BadRequest, top.StatusCode);
        Assert.Equal(Configuration.RequestRules.Top(80)!.Message, await WebAssert.ErrorAsync(top));

        var years = await Client.PostAsJsonAsync("/api/ask", new { question = "How is the feed ranked?", filters = new { yearFrom = 2024, yearTo = 2020 } });
        Assert.Equal(HttpStatusCode.BadRequest, years.StatusCode); // not a silent refusal

        var practice = await Client.PostAsJsonAsync("/api/practice", new { filters = new { company = "Nobody Inc" } });
        Assert.Equal(HttpStatusCode.NotFound, practice.StatusCode); // the CLI exits 2 with the same message
        Assert.StartsWith("no study matches", await WebAssert.ErrorAsync(practice));
    }

    [Fact]
    public async Task The_openapi_document_describes_success_and_error_responses_of_every_endpoint()
    {
        using var doc = JsonDocument.Parse(await Client.GetStringAsync("/openapi/v1.json"));
        var paths = doc.RootElement.GetProperty("paths");
        var operations = paths.EnumerateObject().SelectMany(p => p.Value.EnumerateObject().Select(o => (Path: p.Name, Op: o.Value))).ToList();
        Assert.True(operations.Count >= 6);
        foreach (var (path, op) in operations)
        {
            var responses = op.GetProperty("responses");
            Assert.True(responses.TryGetProperty("200", out _), path);
            foreach (var status in new[] { "401", "429", "500" })
            {
                var schema = responses.GetProperty(status).GetProperty("content").GetProperty("application/json").GetProperty("schema");
                Assert.EndsWith("ErrorBody", schema.GetProperty("$ref").GetString());
            }
        }
        Assert.EndsWith("AnswerBody", paths.GetProperty("/api/ask").GetProperty("post").GetProperty("responses").GetProperty("200")
            .GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString());
        Assert.True(doc.RootElement.GetProperty("components").GetProperty("schemas").GetProperty("AnswerBody").GetProperty("properties").TryGetProperty("citations", out _));
    }
}

/// <summary>Key guessing and weak keys. The key comes from the environment, so these run alone.</summary>
[Collection("WebEnvironment")]
public sealed class ApiKeyHardeningTests : IAsyncLifetime
{
    private const string Key = "a-long-enough-key-0123456789";
    private readonly TempDir _dir = new("web-key-limit");
    private WebTestFactory _factory = null!;

    public async Task InitializeAsync()
    {
        await WebCorpus.IngestAsync(_dir, _dir.File("index.db"));
        _factory = WebTestFactory.ForIndex(_dir.File("index.db"), extra: ("Web:KeyFailuresPerMinute", "5"));
        var previous = Environment.GetEnvironmentVariable("CSA_API_KEY");
        Environment.SetEnvironmentVariable("CSA_API_KEY", Key);
        try { _ = _factory.Services; }
        finally { Environment.SetEnvironmentVariable("CSA_API_KEY", previous); }
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task Wrong_keys_beyond_the_budget_lock_the_client_out_for_the_minute()
    {
        var client = _factory.CreateClient();
        for (var i = 0; i < 5; i++)
        {
            using var guess = new HttpRequestMessage(HttpMethod.Get, "/api/studies");
            guess.Headers.Add(WebOptions.ApiKeyHeader, $"guess-{i}");
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(guess)).StatusCode);
        }
        using var more = new HttpRequestMessage(HttpMethod.Get, "/api/studies");
        more.Headers.Add(WebOptions.ApiKeyHeader, "guess-5");
        var limited = await client.SendAsync(more);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.True(limited.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Contains("too many wrong", await WebAssert.ErrorAsync(limited));
        // Even the right key waits: a guesser cannot keep testing keys.
        using var right = new HttpRequestMessage(HttpMethod.Get, "/api/studies");
        right.Headers.Add(WebOptions.ApiKeyHeader, Key);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await client.SendAsync(right)).StatusCode);
    }

    [Theory]
    [InlineData(" ")]
    [InlineData("short-key")]
    [InlineData("   fifteen-chars   ")]
    public void A_blank_or_short_key_stops_the_server_from_starting(string key)
    {
        var previous = Environment.GetEnvironmentVariable("CSA_API_KEY");
        Environment.SetEnvironmentVariable("CSA_API_KEY", key);
        try
        {
            var error = Assert.Throws<ConfigurationException>(() => WebApp.Build([], new Dictionary<string, string?> { ["Index:Path"] = _dir.File("index.db") }));
            Assert.Contains("at least 16 characters", error.Message);
        }
        finally { Environment.SetEnvironmentVariable("CSA_API_KEY", previous); }
    }
}

/// <summary>csa serve that cannot start says why in one line.</summary>
public sealed class ServeStartupTests : IDisposable
{
    private readonly TempDir _dir = new("serve-start");

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("http://127.0.0.1:99999", "a port is a number from 1 to 65535")]
    [InlineData("http://127.0.0.1:5080,http://127.0.0.1:5081", "separate them with ';'")]
    [InlineData("ftp://127.0.0.1:21", "not an http:// or https:// URL")]
    public void Bad_listen_addresses_are_one_line_before_anything_starts(string urls, string says)
    {
        var r = Cli.Run(_dir.Path, "serve", "--urls", urls, "--index", _dir.File("index.db"));

        Assert.Equal(2, r.ExitCode);
        Assert.Contains(says, r.Stderr);
        Assert.DoesNotContain("Serving on", r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr);
    }

    [Fact]
    public async Task A_busy_port_is_one_line_and_no_serving_notice()
    {
        await WebCorpus.IngestAsync(_dir, _dir.File("index.db"));
        using var busy = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        busy.Start();
        var port = ((IPEndPoint)busy.LocalEndpoint).Port;

        var r = Cli.Run(_dir.Path, "serve", "--urls", $"http://127.0.0.1:{port}", "--index", _dir.File("index.db"));

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("already in use", r.Stderr);
        Assert.DoesNotContain("Serving on", r.Stderr);
        Assert.True(r.Stderr.Trim().Split('\n').Length <= 2, r.Stderr);
    }
}
