using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace CaseStudyAssistant.Tests;

/// <summary>The HTTP API over a small ingested corpus, as a client sees it.</summary>
[Collection("Web")]
public sealed partial class WebApiTests(WebFixture fixture)
{
    private HttpClient Client => fixture.Client;

    private const string FeedQuestion = "How does Acme rank posts in the home feed?";
    private const string OffTopic = "What is the best recipe for sourdough bread with a rye starter?";

    [GeneratedRegex(@"\[(\d+)\]")]
    private static partial Regex CitationMarker();

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static string[] Ids(JsonElement studies) => studies.EnumerateArray().Select(s => s.GetProperty("id").GetString()!).Order().ToArray();

    // ---- /api/ask ----

    [Fact]
    public async Task Ask_returns_the_answer_object_with_citations_that_back_every_marker()
    {
        var json = await JsonAsync(await Client.PostAsJsonAsync("/api/ask", new { question = FeedQuestion }));

        foreach (var key in new[] { "question", "answer", "refused", "mode", "citations", "retrieved", "timingsMs", "followUps" })
            Assert.True(json.TryGetProperty(key, out _), $"missing key '{key}' in {json}");
        Assert.Equal(FeedQuestion, json.GetProperty("question").GetString());
        Assert.False(json.GetProperty("refused").GetBoolean());
        Assert.Equal("extractive", json.GetProperty("mode").GetString());

        var citations = json.GetProperty("citations").EnumerateArray().ToList();
        Assert.NotEmpty(citations);
        foreach (var c in citations)
            foreach (var key in new[] { "n", "docId", "title", "company", "year", "url", "page", "passage" })
                Assert.True(c.TryGetProperty(key, out _), $"citation lacks '{key}': {c}");
        Assert.Equal(WebCorpus.AcmeFeed, citations[0].GetProperty("docId").GetString());
        Assert.Equal("Acme", citations[0].GetProperty("company").GetString());
        Assert.Equal(2023, citations[0].GetProperty("year").GetInt32());
        Assert.Equal("https://acme.example/feed", citations[0].GetProperty("url").GetString());
        Assert.False(string.IsNullOrWhiteSpace(citations[0].GetProperty("passage").GetString()));
        Assert.Equal(JsonValueKind.Null, citations[0].GetProperty("page").ValueKind); // a note has no pages

        var answer = json.GetProperty("answer").GetString()!;
        var numbers = citations.Select(c => c.GetProperty("n").GetInt32()).ToHashSet();
        var markers = CitationMarker().Matches(answer).Select(m => int.Parse(m.Groups[1].Value)).ToList();
        Assert.NotEmpty(markers);
        Assert.All(markers, n => Assert.Contains(n, numbers));

        var retrieved = json.GetProperty("retrieved").EnumerateArray().ToList();
        Assert.NotEmpty(retrieved);
        foreach (var r in retrieved)
        {
            foreach (var key in new[] { "docId", "chunkId", "heading", "score" }) Assert.True(r.TryGetProperty(key, out _), $"retrieved lacks '{key}': {r}");
            Assert.Equal(JsonValueKind.Number, r.GetProperty("score").ValueKind);
        }
        Assert.Equal(JsonValueKind.Object, json.GetProperty("timingsMs").ValueKind);
        Assert.True(json.GetProperty("timingsMs").TryGetProperty("total", out _));
        Assert.Equal(JsonValueKind.Array, json.GetProperty("followUps").ValueKind);
        Assert.NotEmpty(json.GetProperty("followUps").EnumerateArray());
    }

    [Fact]
    public async Task Ask_with_a_company_filter_cites_only_that_company()
    {
        var json = await JsonAsync(await Client.PostAsJsonAsync("/api/ask",
            new { question = "How do the teams use a model to score and rank things?", filters = new { company = "Globex" } }));

        Assert.False(json.GetProperty("refused").GetBoolean(), json.ToString());
        var citations = json.GetProperty("citations").EnumerateArray().ToList();
        Assert.NotEmpty(citations);
        Assert.All(citations, c => Assert.Equal("Globex", c.GetProperty("company").GetString()));
        Assert.All(json.GetProperty("retrieved").EnumerateArray(), r => Assert.Equal(WebCorpus.GlobexFraud, r.GetProperty("docId").GetString()));
    }

    [Fact]
    public async Task Ask_off_topic_is_refused_with_no_citations()
    {
        var json = await JsonAsync(await Client.PostAsJsonAsync("/api/ask", new { question = OffTopic }));

        Assert.True(json.GetProperty("refused").GetBoolean(), json.ToString());
        Assert.Empty(json.GetProperty("citations").EnumerateArray());
        Assert.Contains("do not cover", json.GetProperty("answer").GetString());
    }

    // ---- /api/ask/stream ----

    private async Task<(HttpResponseMessage Response, List<SseEvent> Events)> StreamAsync(object body)
    {
        var response = await Client.PostAsJsonAsync("/api/ask/stream", body);
        var raw = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, raw);
        return (response, WebAssert.ParseSse(raw));
    }

    [Fact]
    public async Task Stream_sends_sources_then_tokens_then_done_and_the_tokens_make_the_answer()
    {
        var (response, events) = await StreamAsync(new { question = FeedQuestion });

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("sources", events[0].Event);
        Assert.Equal("done", events[^1].Event);
        var middle = events.Skip(1).SkipLast(1).ToList();
        Assert.NotEmpty(middle);
        Assert.All(middle, e => Assert.Equal("token", e.Event));
        Assert.DoesNotContain(events, e => e.Event == "error");

        var sources = events[0].Json.GetProperty("sources").EnumerateArray().ToList();
        Assert.NotEmpty(sources);
        Assert.Equal(WebCorpus.AcmeFeed, sources[0].GetProperty("docId").GetString());

        var done = events[^1].Json;
        Assert.False(done.GetProperty("refused").GetBoolean());
        var text = string.Concat(middle.Select(e => e.Json.GetProperty("text").GetString()));
        Assert.Equal(done.GetProperty("answer").GetString(), text);
        Assert.Equal(sources.Select(s => s.GetProperty("docId").GetString()),
            done.GetProperty("citations").EnumerateArray().Select(c => c.GetProperty("docId").GetString()));

        // The same question answered without streaming gives the same text.
        var plain = await JsonAsync(await Client.PostAsJsonAsync("/api/ask", new { question = FeedQuestion }));
        Assert.Equal(plain.GetProperty("answer").GetString(), text);
    }

    [Fact]
    public async Task Stream_of_an_off_topic_question_streams_a_refusal()
    {
        var (_, events) = await StreamAsync(new { question = OffTopic });

        Assert.Equal("sources", events[0].Event);
        Assert.Empty(events[0].Json.GetProperty("sources").EnumerateArray());
        Assert.Equal("done", events[^1].Event);
        var done = events[^1].Json;
        Assert.True(done.GetProperty("refused").GetBoolean());
        var tokens = events.Where(e => e.Event == "token").ToList();
        Assert.NotEmpty(tokens);
        Assert.Equal(done.GetProperty("answer").GetString(), string.Concat(tokens.Select(e => e.Json.GetProperty("text").GetString())));
    }

    [Theory]
    [InlineData(FeedQuestion)]
    [InlineData(OffTopic)]
    public async Task Stream_done_event_is_the_answer_object_of_ask(string question)
    {
        var (_, events) = await StreamAsync(new { question });
        var plain = await JsonAsync(await Client.PostAsJsonAsync("/api/ask", new { question }));

        var done = events.Single(e => e.Event == "done").Json;
        var contract = typeof(CaseStudyAssistant.Web.Contracts.AnswerBody).GetProperties().Select(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name)).Order().ToList();
        Assert.Equal(contract, done.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(contract, plain.EnumerateObject().Select(p => p.Name).Order());
        foreach (var field in plain.EnumerateObject())
        {
            var streamed = done.GetProperty(field.Name);
            // Timings are measured per request; the same ones are reported.
            if (field.Name == "timingsMs")
                Assert.Equal(field.Value.EnumerateObject().Select(t => t.Name), streamed.EnumerateObject().Select(t => t.Name));
            else
                Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(System.Text.Json.Nodes.JsonNode.Parse(field.Value.GetRawText()), System.Text.Json.Nodes.JsonNode.Parse(streamed.GetRawText())),
                    $"'{field.Name}' differs: ask {field.Value.GetRawText()} vs done {streamed.GetRawText()}");
        }
    }

    [Fact]
    public async Task Stream_with_an_empty_question_is_a_plain_400()
    {
        var response = await Client.PostAsJsonAsync("/api/ask/stream", new { question = "" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("empty", await WebAssert.ErrorAsync(response));
    }

    [Theory]
    [InlineData("/api/ask")]
    [InlineData("/api/ask/stream")]
    public async Task Research_mode_without_a_model_is_a_400_that_says_so(string path)
    {
        var response = await Client.PostAsJsonAsync(path, new { question = FeedQuestion, mode = "research" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("research mode needs a language model", await WebAssert.ErrorAsync(response));
    }

    [Fact]
    public async Task An_unknown_mode_is_a_400_naming_the_field()
    {
        var response = await Client.PostAsJsonAsync("/api/ask", new { question = FeedQuestion, mode = "deep" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("mode must be 'answer' or 'research', got 'deep'", await WebAssert.ErrorAsync(response));
    }

    // ---- /api/studies ----

    [Fact]
    public async Task Studies_lists_every_study_with_its_metadata()
    {
        var json = await JsonAsync(await Client.GetAsync("/api/studies"));

        Assert.Equal([WebCorpus.AcmeAds, WebCorpus.AcmeFeed, WebCorpus.GlobexFraud, WebCorpus.InitechSearch], Ids(json));
        var feed = json.EnumerateArray().Single(s => s.GetProperty("id").GetString() == WebCorpus.AcmeFeed);
        Assert.Equal("Ranking the Acme home feed", feed.GetProperty("title").GetString());
        Assert.Equal("Social", feed.GetProperty("industry").GetString());
        Assert.Equal("recommendations", feed.GetProperty("category").GetString());
        Assert.Equal(["ranking", "feed"], feed.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
    }

    [Theory]
    [InlineData("company=Acme", new[] { WebCorpus.AcmeAds, WebCorpus.AcmeFeed })]
    [InlineData("company=globex", new[] { WebCorpus.GlobexFraud })]
    [InlineData("industry=Fintech", new[] { WebCorpus.GlobexFraud })]
    [InlineData("tag=search", new[] { WebCorpus.InitechSearch })]
    [InlineData("category=ads", new[] { WebCorpus.AcmeAds })]
    [InlineData("yearFrom=2022", new[] { WebCorpus.AcmeAds, WebCorpus.AcmeFeed })]
    [InlineData("yearTo=2021", new[] { WebCorpus.GlobexFraud, WebCorpus.InitechSearch })]
    [InlineData("yearFrom=2021&yearTo=2022", new[] { WebCorpus.AcmeAds, WebCorpus.GlobexFraud })]
    [InlineData("company=Acme&category=recommendations", new[] { WebCorpus.AcmeFeed })]
    [InlineData("company=Nobody", new string[0])]
    public async Task Studies_filters_restrict_the_list(string query, string[] expected)
    {
        var json = await JsonAsync(await Client.GetAsync($"/api/studies?{query}"));

        Assert.Equal(expected.Order().ToArray(), Ids(json));
    }

    [Fact]
    public async Task Studies_with_q_finds_studies_by_text()
    {
        var fraud = await JsonAsync(await Client.GetAsync("/api/studies?q=" + Uri.EscapeDataString("fraud rings stolen card payments")));
        Assert.Equal(WebCorpus.GlobexFraud, fraud[0].GetProperty("id").GetString());

        // q combines with the filters.
        var filtered = await JsonAsync(await Client.GetAsync("/api/studies?company=Acme&q=" + Uri.EscapeDataString("fraud rings stolen card payments")));
        Assert.DoesNotContain(WebCorpus.GlobexFraud, Ids(filtered));
        Assert.All(filtered.EnumerateArray(), s => Assert.Equal("Acme", s.GetProperty("company").GetString()));
    }

    [Fact]
    public async Task Study_by_id_has_its_sections_and_an_unknown_id_is_404()
    {
        var json = await JsonAsync(await Client.GetAsync($"/api/studies/{WebCorpus.GlobexFraud}"));
        Assert.Equal(WebCorpus.GlobexFraud, json.GetProperty("id").GetString());
        Assert.Equal("Globex", json.GetProperty("company").GetString());
        var sections = json.GetProperty("sections").EnumerateArray().ToList();
        Assert.Equal(["Problem", "Approach", "Key decisions", "Results"], sections.Select(s => s.GetProperty("heading").GetString()));
        Assert.Contains("graph neural network", sections[1].GetProperty("text").GetString());

        var missing = await Client.GetAsync("/api/studies/no-such-study");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("no-such-study", await WebAssert.ErrorAsync(missing));
    }

    // ---- /api/practice ----

    [Fact]
    public async Task Practice_respects_count_and_difficulty()
    {
        var json = await JsonAsync(await Client.PostAsJsonAsync("/api/practice", new { count = 2, difficulty = "staff", seed = 7 }));

        var items = json.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(2, items.Count);
        Assert.All(items, i => Assert.Equal("staff", i.GetProperty("difficulty").GetString()));
        Assert.All(items, i => Assert.False(string.IsNullOrWhiteSpace(i.GetProperty("prompt").GetString())));
        Assert.All(items, i => Assert.NotEmpty(i.GetProperty("citations").EnumerateArray()));
        Assert.Equal(7, json.GetProperty("seed").GetInt32());

        var junior = await JsonAsync(await Client.PostAsJsonAsync("/api/practice", new { count = 1, difficulty = "JUNIOR", seed = 7 }));
        Assert.Equal("junior", Assert.Single(junior.GetProperty("items").EnumerateArray()).GetProperty("difficulty").GetString());
    }

    [Fact]
    public async Task Practice_with_the_same_seed_gives_the_same_items()
    {
        var request = new { count = 3, difficulty = "senior", seed = 4242 };
        var first = await JsonAsync(await Client.PostAsJsonAsync("/api/practice", request));
        var second = await JsonAsync(await Client.PostAsJsonAsync("/api/practice", request));

        Assert.Equal(first.GetProperty("items").GetRawText(), second.GetProperty("items").GetRawText());
    }

    [Theory]
    [InlineData("{\"count\":2,\"difficulty\":\"expert\"}", "difficulty")]
    [InlineData("{\"count\":0}", "count")]
    [InlineData("{\"count\":21}", "count")]
    public async Task Practice_rejects_bad_requests_with_400(string body, string named)
    {
        var response = await Client.PostAsync("/api/practice", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(named, await WebAssert.ErrorAsync(response));
    }

    // ---- /api/chat/{session} ----

    [Fact]
    public async Task Chat_follow_up_is_rewritten_with_the_sessions_first_question()
    {
        var session = "web-" + Guid.NewGuid().ToString("N")[..8];
        const string first = "How does Globex catch fraud rings?";

        var one = await JsonAsync(await Client.PostAsJsonAsync($"/api/chat/{session}", new { message = first }));
        Assert.Equal(session, one.GetProperty("session").GetString());
        Assert.Equal(first, one.GetProperty("standaloneQuestion").GetString());
        Assert.False(one.GetProperty("answer").GetProperty("refused").GetBoolean());

        var two = await JsonAsync(await Client.PostAsJsonAsync($"/api/chat/{session}", new { message = "what about its results?" }));
        var standalone = two.GetProperty("standaloneQuestion").GetString()!;
        Assert.Contains("what about its results?", standalone);
        Assert.Contains("Globex", standalone);
        Assert.Contains("fraud rings", standalone);
        var citations = two.GetProperty("answer").GetProperty("citations").EnumerateArray().ToList();
        Assert.NotEmpty(citations);
        Assert.Equal(WebCorpus.GlobexFraud, citations[0].GetProperty("docId").GetString());

        // Another session does not see this one's history.
        var other = await JsonAsync(await Client.PostAsJsonAsync($"/api/chat/{session}-other", new { message = "what about its results?" }));
        Assert.DoesNotContain("Globex", other.GetProperty("standaloneQuestion").GetString());
    }

    [Theory]
    [InlineData("bad%20name")]
    [InlineData("semi;colon")]
    [InlineData("dots.are.not.allowed")]
    public async Task Chat_with_a_bad_session_name_is_400(string session)
    {
        var response = await Client.PostAsJsonAsync($"/api/chat/{session}", new { message = FeedQuestion });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("session", await WebAssert.ErrorAsync(response));
    }

    [Fact]
    public async Task Chat_with_a_session_name_over_64_characters_is_400()
    {
        var response = await Client.PostAsJsonAsync($"/api/chat/{new string('a', 65)}", new { message = FeedQuestion });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("session", await WebAssert.ErrorAsync(response));
    }

    // ---- health, readiness, OpenAPI ----

    [Fact]
    public async Task Healthz_is_200()
    {
        var response = await Client.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Readyz_reports_the_loaded_index_from_the_UseSetting_path()
    {
        var json = await JsonAsync(await Client.GetAsync("/readyz"));

        Assert.Equal("ready", json.GetProperty("status").GetString());
        Assert.Equal(4, json.GetProperty("studies").GetInt32());
        // 4 studies proves Index:Path set with UseSetting reached the app; where the file lives is not told.
        Assert.Equal("embedded", json.GetProperty("store").GetString());
        Assert.DoesNotContain(Path.GetDirectoryName(Path.GetFullPath(fixture.IndexPath))!, json.GetRawText());
    }

    [Fact]
    public async Task OpenApi_lists_the_api_endpoints()
    {
        var json = await JsonAsync(await Client.GetAsync("/openapi/v1.json"));

        var paths = json.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        foreach (var path in new[] { "/api/ask", "/api/ask/stream", "/api/studies", "/api/studies/{id}", "/api/practice", "/api/chat/{session}" })
            Assert.Contains(path, paths);
        Assert.True(json.GetProperty("paths").GetProperty("/api/ask").TryGetProperty("post", out _));
        Assert.True(json.GetProperty("paths").GetProperty("/api/studies").TryGetProperty("get", out _));
    }
}

/// <summary>Readiness when the index is missing or empty.</summary>
public sealed class WebReadinessTests : IDisposable
{
    private readonly TempDir _dir = new("web-ready");

    public void Dispose() => _dir.Dispose();

    /// <summary>
    /// Program.cs's top-level code after <c>WebApp.Build</c> runs under WebApplicationFactory too, and it ingests the
    /// project's corpus (found beside the solution) into an empty index; an empty Corpus:Path folder keeps it empty.
    /// </summary>
    [Fact]
    public async Task Readyz_is_503_for_an_empty_index_and_healthz_stays_200()
    {
        await using var factory = WebTestFactory.ForIndex(_dir.File("nothing-here/index.db"), extra: ("Corpus:Path", _dir.Sub("empty-corpus")));
        using var client = factory.CreateClient();

        var ready = await client.GetAsync("/readyz");
        var body = await ready.Content.ReadAsStringAsync();
        Assert.True(HttpStatusCode.ServiceUnavailable == ready.StatusCode, body);
        using var doc = JsonDocument.Parse(body);
        Assert.Equal("not ready", doc.RootElement.GetProperty("status").GetString());
        Assert.Contains("empty", doc.RootElement.GetProperty("reason").GetString());

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
    }
}
