using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using CaseStudyAssistant.Web;
using Xunit.Abstractions;

namespace CaseStudyAssistant.Tests;

/// <summary>Input limits, error bodies, static files and CORS on the shared app.</summary>
[Collection("Web")]
public sealed class WebLimitsTests(WebFixture fixture)
{
    private HttpClient Client => fixture.Client;

    private static StringContent RawJson(string body) => new(body, Encoding.UTF8, "application/json");

    [Theory]
    [InlineData("/api/ask")]
    [InlineData("/api/ask/stream")]
    public async Task Empty_or_blank_question_is_400(string url)
    {
        foreach (var question in new[] { "", "   " })
        {
            var response = await Client.PostAsJsonAsync(url, new { question });
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("empty", await WebAssert.ErrorAsync(response));
        }
        var missing = await Client.PostAsync(url, RawJson("{}"));
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Contains("empty", await WebAssert.ErrorAsync(missing));
    }

    [Fact]
    public async Task Question_of_1001_characters_is_400_naming_the_limit_and_1000_is_accepted()
    {
        var tooLong = await Client.PostAsJsonAsync("/api/ask", new { question = new string('x', 1001) });
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        var error = await WebAssert.ErrorAsync(tooLong);
        Assert.Contains("1001", error);
        Assert.Contains("1000", error);

        var chat = await Client.PostAsJsonAsync("/api/chat/limits", new { message = new string('x', 1001) });
        Assert.Equal(HttpStatusCode.BadRequest, chat.StatusCode);
        Assert.Contains("1000", await WebAssert.ErrorAsync(chat));

        var atLimit = await Client.PostAsJsonAsync("/api/ask", new { question = "How does Acme rank the home feed? " + new string('x', 1000 - 34) });
        Assert.Equal(HttpStatusCode.OK, atLimit.StatusCode);
    }

    [Fact]
    public async Task Top_outside_1_to_50_is_400()
    {
        var response = await Client.PostAsJsonAsync("/api/ask", new { question = "How does Acme rank the home feed?", top = 0 });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("top", await WebAssert.ErrorAsync(response));
    }

    [Fact]
    public async Task Body_over_64_KB_is_413_with_a_clear_message()
    {
        var response = await Client.PostAsJsonAsync("/api/ask", new { question = new string('a', 70_000) });

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var error = await WebAssert.ErrorAsync(response);
        Assert.Contains("too large", error);
        Assert.Contains("65536", error);
    }

    public static TheoryData<string, string> MalformedBodies => new()
    {
        { "/api/ask", "{\"question\": \"unterminated" },
        { "/api/ask", "{not json at all" },
        { "/api/ask", "{\"question\": 42}" },
        { "/api/ask/stream", "{\"question\": " },
        { "/api/practice", "{\"count\": \"three\"}" },
        { "/api/chat/s1", "[1,2,3]" },
    };

    [Theory]
    [MemberData(nameof(MalformedBodies))]
    public async Task Malformed_json_is_400_without_a_stack_trace(string url, string body)
    {
        var response = await Client.PostAsync(url, RawJson(body));

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {text}");
        WebAssert.AssertNoInternals(text);
    }

    /// <summary>In Production (how csa serve runs) minimal APIs answer a body that fails to bind with an empty 400.</summary>
    [Theory]
    [MemberData(nameof(MalformedBodies))]
    public async Task Malformed_json_is_400_with_a_json_error(string url, string body)
    {
        var response = await Client.PostAsync(url, RawJson(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("JSON", await WebAssert.ErrorAsync(response), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Unknown_api_path_is_404_without_internals()
    {
        var response = await Client.GetAsync("/api/nothing-here");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        WebAssert.AssertNoInternals(await response.Content.ReadAsStringAsync());
    }

    // ---- static files ----

    [Fact]
    public async Task Root_serves_the_chat_page_which_loads_app_js()
    {
        var response = await Client.GetAsync("/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("CaseStudyAssistant", html);
        Assert.Contains("app.js", html);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
    }

    [Theory]
    [InlineData("/app.js", "javascript")]
    [InlineData("/style.css", "text/css")]
    [InlineData("/index.html", "text/html")]
    public async Task Page_assets_are_served_with_their_content_types(string path, string type)
    {
        var response = await Client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(type, response.Content.Headers.ContentType?.MediaType);
        Assert.NotEmpty(await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("/appsettings.json")]
    [InlineData("/CaseStudyAssistant.Web.dll")]
    [InlineData("/%2e%2e/CaseStudyAssistant.Web.dll")]
    [InlineData("/..%2fCaseStudyAssistant.Web.dll")]
    [InlineData("/CaseStudyAssistant.Web.deps.json")]
    [InlineData("/wwwroot/index.html")]
    public async Task Files_outside_wwwroot_are_404(string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri("http://localhost" + path, UriKind.Absolute));
        var response = await Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    // ---- CORS ----

    [Fact]
    public async Task Cross_origin_requests_get_no_CORS_headers()
    {
        var get = new HttpRequestMessage(HttpMethod.Get, "/api/studies");
        get.Headers.Add("Origin", "https://evil.example");
        var response = await Client.SendAsync(get);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));

        var preflight = new HttpRequestMessage(HttpMethod.Options, "/api/ask");
        preflight.Headers.Add("Origin", "https://evil.example");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        var pre = await Client.SendAsync(preflight);
        Assert.False(pre.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.NotEqual(HttpStatusCode.NoContent, pre.StatusCode);
    }
}

/// <summary>The fixed-window rate limit on /api.</summary>
public sealed class WebRateLimitTests : IAsyncLifetime
{
    private readonly TempDir _dir = new("web-rate");
    private WebTestFactory _factory = null!;

    public async Task InitializeAsync()
    {
        await WebCorpus.IngestAsync(_dir, _dir.File("index.db"));
        _factory = WebTestFactory.ForIndex(_dir.File("index.db"), requestsPerMinute: 3);
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task The_fourth_request_in_a_minute_is_429_with_Retry_After_and_health_is_not_limited()
    {
        using var client = _factory.CreateClient();

        for (var i = 1; i <= 3; i++)
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/studies")).StatusCode);
        var fourth = await client.GetAsync("/api/studies");

        Assert.Equal(HttpStatusCode.TooManyRequests, fourth.StatusCode);
        Assert.Contains("rate limit", await WebAssert.ErrorAsync(fourth));
        Assert.True(fourth.Headers.RetryAfter is not null, "no Retry-After header");
        Assert.True(fourth.Headers.RetryAfter!.Delta > TimeSpan.Zero);

        // Other /api endpoints share the budget; health checks and the page are outside it.
        Assert.Equal(HttpStatusCode.TooManyRequests, (await client.PostAsJsonAsync("/api/ask", new { question = "How does Acme rank the home feed?" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/")).StatusCode);
    }
}

/// <summary>
/// The API key is read from the process environment (CSA_API_KEY) only, so these tests set it for the duration of
/// building the app, in a collection that runs alone, and restore it afterwards.
/// </summary>
[Collection("WebEnvironment")]
public sealed class WebApiKeyTests : IAsyncLifetime
{
    private const string Key = "test-key-4f1c-9a2e-77b0";
    private readonly TempDir _dir = new("web-key");
    private WebTestFactory _factory = null!;

    public async Task InitializeAsync()
    {
        await WebCorpus.IngestAsync(_dir, _dir.File("index.db"));
        _factory = WebTestFactory.ForIndex(_dir.File("index.db"));
        var previous = Environment.GetEnvironmentVariable("CSA_API_KEY");
        Environment.SetEnvironmentVariable("CSA_API_KEY", Key);
        try { _ = _factory.Services; } // builds the app while the variable is set
        finally { Environment.SetEnvironmentVariable("CSA_API_KEY", previous); }
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        _dir.Dispose();
    }

    private static object Question => new { question = "How does Acme rank the home feed?" };

    [Fact]
    public async Task Api_without_the_key_is_401_with_an_error()
    {
        using var client = _factory.CreateClient();

        var response = await client.PostAsJsonAsync("/api/ask", Question);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains(WebOptions.ApiKeyHeader, await WebAssert.ErrorAsync(response));
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/studies")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsJsonAsync("/api/ask/stream", Question)).StatusCode);
    }

    [Fact]
    public async Task Api_with_a_wrong_key_is_401()
    {
        using var client = _factory.CreateClient();
        client.DefaultRequestHeaders.Add(WebOptions.ApiKeyHeader, Key.ToUpperInvariant());

        var response = await client.PostAsJsonAsync("/api/ask", Question);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        await WebAssert.ErrorAsync(response);
    }

    [Fact]
    public async Task Api_with_the_key_is_200()
    {
        using var client = _factory.CreateClient();
        client.DefaultRequestHeaders.Add(WebOptions.ApiKeyHeader, Key);

        var response = await client.PostAsJsonAsync("/api/ask", Question);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/studies")).StatusCode);
    }

    [Fact]
    public async Task Health_and_the_page_need_no_key()
    {
        using var client = _factory.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/")).StatusCode);
    }
}

/// <summary>Which listen addresses count as loopback, and the CLI's refusal to listen beyond it without a key.</summary>
public sealed class WebOptionsLoopbackTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("http://127.0.0.1:5080")]
    [InlineData("http://localhost:5")]
    [InlineData("http://[::1]:8")]
    [InlineData("https://127.0.0.1:5443/")]
    public void Loopback_urls_are_loopback(string url) => Assert.True(WebOptions.LoopbackOnly([url]));

    [Theory]
    [InlineData("http://0.0.0.0:80")]
    [InlineData("http://example.com")]
    [InlineData("http://*:5080")]
    [InlineData("http://+:5080")]
    [InlineData("http://[::]:5080")]
    [InlineData("http://192.168.1.10:5080")]
    public void Other_urls_are_not_loopback(string url) => Assert.False(WebOptions.LoopbackOnly([url]));

    [Fact]
    public void A_list_is_loopback_only_if_every_url_is()
    {
        Assert.True(WebOptions.LoopbackOnly(["http://127.0.0.1:5080", "http://localhost:5081"]));
        Assert.False(WebOptions.LoopbackOnly(["http://127.0.0.1:5080", "http://0.0.0.0:5081"]));
    }

    /// <summary>
    /// Kestrel binds every interface for a host name that is neither "localhost" nor an IP address, so a name that
    /// merely starts with "127." is not loopback.
    /// </summary>
    [Theory]
    [InlineData("http://127.0.0.1.nip.io:5080")]
    [InlineData("http://127.example.com:5080")]
    public void Host_names_that_start_with_127_are_not_loopback(string url) => Assert.False(WebOptions.LoopbackOnly([url]));

    [Fact]
    public async Task Serve_beyond_loopback_without_an_API_key_exits_2_at_once()
    {
        using var dir = new TempDir("web-serve");
        var psi = Cli.StartInfo(dir.Path, new Dictionary<string, string> { ["CSA_INDEX__PATH"] = dir.File("index.db") },
            "serve", "--urls", "http://0.0.0.0:5999");
        var clock = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        var stdoutTask = p.StandardOutput.ReadToEndAsync();
        var stderrTask = p.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try { await p.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail("csa serve --urls http://0.0.0.0:5999 without CSA_API_KEY kept running (it started serving)");
        }
        var (stdout, stderr) = (await stdoutTask, await stderrTask);
        output.WriteLine($"exit {p.ExitCode} after {clock.ElapsedMilliseconds} ms\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}");

        Assert.Equal(2, p.ExitCode);
        Assert.Contains("error:", stderr);
        Assert.Contains("API key", stderr);
        Assert.Contains("CSA_API_KEY", stderr);
        Assert.DoesNotContain("Serving on", stderr + stdout);
        Assert.False(File.Exists(dir.File("index.db")), "it ingested before refusing");
    }
}
