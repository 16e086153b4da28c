using System.Text.Json;
using System.Text.RegularExpressions;
using CaseStudyAssistant.Indexing;
using CaseStudyAssistant.Web;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace CaseStudyAssistant.Tests;

/// <summary>
/// The web app in memory (WebApplicationFactory over the web project's Program), configured only through
/// <c>UseSetting</c>: those settings reach <c>WebApp.Build</c> as command-line arguments, so they win over
/// appsettings.json and CSA_ variables. Runs as Production, the way <c>csa serve</c> runs.
/// The entry point is named through <see cref="WebOptions"/>, a type of the web assembly: <c>Program</c> itself is
/// ambiguous here, since csa's top-level <c>Program</c> is internal and visible to this assembly too (CS0433).
/// </summary>
public sealed class WebTestFactory(IReadOnlyDictionary<string, string?> settings, string environment = "Production") : WebApplicationFactory<WebOptions>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(environment);
        builder.UseSetting("Embedding:CachePath", TestCache.Path);
        foreach (var (key, value) in settings) builder.UseSetting(key, value);
    }

    /// <summary>A factory over an index file, with a rate limit high enough not to interfere.</summary>
    public static WebTestFactory ForIndex(string indexPath, int requestsPerMinute = 10_000, params (string Key, string? Value)[] extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Index:Path"] = indexPath,
            ["Index:Store"] = "embedded",
            ["Llm:Provider"] = "none",
            ["Web:RequestsPerMinute"] = requestsPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var (k, v) in extra) settings[k] = v;
        return new WebTestFactory(settings);
    }
}

/// <summary>A small corpus of four studies from three companies, ingested into a temp index.</summary>
public static class WebCorpus
{
    public const string AcmeFeed = "acme-feed-ranking";
    public const string AcmeAds = "acme-ads-pacing";
    public const string GlobexFraud = "globex-fraud-rings";
    public const string InitechSearch = "initech-product-search";

    public static string Write(TempDir dir)
    {
        dir.Write("corpus/rec/feed.md", StudyFile.Markdown(AcmeFeed, "Ranking the Acme home feed", "Acme",
            [
                ("Problem", "The Acme home feed ranked posts by recency only, so members missed posts from close friends. Engagement with the feed fell for two years."),
                ("Approach", "A two-tower model retrieves candidate posts and a gradient-boosted ranking model orders the home feed by predicted engagement. Features include the author's affinity with the viewer and the age of the post."),
                ("Key decisions", "The team chose a two-tower retrieval model over collaborative filtering because new posts need embeddings at once. Ranking runs in under 50 milliseconds per request."),
                ("Results", "Daily active sessions rose by 12 percent and time spent in the feed rose by 8 percent in an A/B test."),
            ],
            2023, "Social", "recommendations", ["ranking", "feed"], "https://acme.example/feed"));
        dir.Write("corpus/ads/pacing.md", StudyFile.Markdown(AcmeAds, "Pacing Acme ad budgets", "Acme",
            [
                ("Problem", "Advertisers spent their daily budgets by noon, so their ads vanished during the evening peak."),
                ("Approach", "A feedback controller paces ad budget spend across the day using a forecast of traffic per hour."),
                ("Key decisions", "The team chose a PID controller rather than a reinforcement learning agent because it is easy to reason about."),
                ("Results", "Budget exhaustion before 6 pm dropped from 40 percent of campaigns to 5 percent."),
            ],
            2022, "Social", "ads", ["ads", "pacing"], "https://acme.example/ads"));
        dir.Write("corpus/fraud/rings.md", StudyFile.Markdown(GlobexFraud, "Catching fraud rings at Globex", "Globex",
            [
                ("Problem", "Fraud rings of linked accounts laundered stolen card payments through the Globex wallet."),
                ("Approach", "A graph neural network scores accounts from the transaction graph and blocks risky payments before settlement."),
                ("Key decisions", "The team chose a graph model instead of per-account rules because rings share devices and cards. Scores are refreshed every hour."),
                ("Results", "Fraud losses fell by 30 percent while false declines stayed under 0.5 percent."),
            ],
            2021, "Fintech", "fraud", ["graph", "fraud"], "https://globex.example/rings"));
        dir.Write("corpus/search/products.md", StudyFile.Markdown(InitechSearch, "Semantic product search at Initech", "Initech",
            [
                ("Problem", "Shoppers searching the Initech store with vague queries found no matching products."),
                ("Approach", "Dense embeddings of queries and product titles are combined with BM25 keyword scores in a hybrid search index."),
                ("Key decisions", "The team chose hybrid search over pure vector search because part numbers need exact keyword matches."),
                ("Results", "Searches with zero results dropped by 45 percent and conversion from search rose by 3 percent."),
            ],
            2020, "Retail", "search", ["search", "embeddings"], "https://initech.example/search"));
        return dir.File("corpus");
    }

    /// <summary>Writes the corpus and ingests it with the offline pipeline into <paramref name="indexPath"/>.</summary>
    public static async Task IngestAsync(TempDir dir, string indexPath)
    {
        var corpus = Write(dir);
        await using var sp = Pipeline.Build(indexPath);
        var report = await sp.GetRequiredService<Ingestor>().IngestAsync([corpus], rebuild: false);
        Assert.Equal(4, report.Added);
    }
}

/// <summary>One ingested index and one app over it, shared by the read-only API tests.</summary>
public sealed class WebFixture : IAsyncLifetime
{
    public TempDir Dir { get; } = new("web");
    public string IndexPath => Dir.File("state/index.db");
    public WebTestFactory Factory { get; private set; } = null!;
    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await WebCorpus.IngestAsync(Dir, IndexPath);
        Factory = WebTestFactory.ForIndex(IndexPath);
        Client = Factory.CreateClient();
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Factory.DisposeAsync();
        Dir.Dispose();
    }
}

[CollectionDefinition("Web")]
public sealed class WebCollection : ICollectionFixture<WebFixture>;

/// <summary>Tests that set process-wide environment variables (CSA_API_KEY): they run alone, after everything else.</summary>
[CollectionDefinition("WebEnvironment", DisableParallelization = true)]
public sealed class WebEnvironmentCollection;

/// <summary>One Server-Sent Event, as parsed from the raw body.</summary>
public sealed record SseEvent(string Event, string Data)
{
    public JsonElement Json => JsonDocument.Parse(Data).RootElement;
}

public static partial class WebAssert
{
    [GeneratedRegex(@"\A(?:event: [a-z]+\ndata: [^\n]*\n\n)+\z")]
    private static partial Regex SseBody();

    [GeneratedRegex(@"\Aevent: (?<event>[a-z]+)\ndata: (?<data>[^\n]*)\z")]
    private static partial Regex SseFrame();

    /// <summary>Parses an event-stream body, asserting that every frame is exactly <c>event: X\ndata: {one line}\n\n</c>.</summary>
    public static List<SseEvent> ParseSse(string body)
    {
        Assert.True(SseBody().IsMatch(body), $"not a sequence of 'event: X\\ndata: …\\n\\n' frames:\n{body}");
        var frames = body[..^2].Split("\n\n");
        return frames.Select(f =>
        {
            var m = SseFrame().Match(f);
            Assert.True(m.Success, $"bad frame: {f}");
            var data = m.Groups["data"].Value;
            using var _ = JsonDocument.Parse(data); // every data line is complete JSON on its own
            return new SseEvent(m.Groups["event"].Value, data);
        }).ToList();
    }

    /// <summary>A JSON error object {"error": "…"} with no stack trace or exception type names.</summary>
    public static async Task<string> ErrorAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.MediaType ?? "", StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(body);
        var error = doc.RootElement.GetProperty("error").GetString();
        Assert.False(string.IsNullOrWhiteSpace(error), body);
        AssertNoInternals(body);
        return error!;
    }

    public static void AssertNoInternals(string body)
    {
        Assert.DoesNotContain("   at ", body);
        Assert.DoesNotContain("Exception", body);
        Assert.DoesNotContain("System.", body);
        Assert.DoesNotContain("CaseStudyAssistant.", body);
    }
}
