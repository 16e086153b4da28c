using System.ClientModel;
using System.ClientModel.Primitives;
using CaseStudyAssistant.Answering;
using CaseStudyAssistant.Configuration;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using OpenAI;

namespace CaseStudyAssistant.Tests;

/// <summary>
/// Research mode against the fake OpenAI-protocol server scripted to call the case-study functions: through a
/// client that invokes functions itself (UseFunctionInvocation) and through Semantic Kernel's own invocation.
/// </summary>
public sealed class ResearchTests : IAsyncLifetime
{
    public const string Search = "corpus_search_case_studies", GetStudy = "corpus_get_study";
    private const string Comparison = "Compare how RideCo and PayFast use machine learning";
    private const string RideCoSentence = "Gradient boosted trees predict travel time for each road segment from live traffic speeds [1].";
    private const string PayFastSentence = "A graph neural network scores each account from the transaction graph [2].";

    private readonly TempDir _dir = new("research");
    private FakeOpenAIServer _server = null!;
    private string IndexPath => _dir.File("index.db");

    public async Task InitializeAsync()
    {
        _server = await FakeOpenAIServer.StartAsync();
        LlmCorpus.Ingest(_dir, IndexPath);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _dir.Dispose();
    }

    /// <summary>Microsoft.Extensions.AI's client over the OpenAI SDK, pointed at the fake server, no retries.</summary>
    private IChatClient Bare() =>
        new OpenAIClient(new ApiKeyCredential("test-key"), new OpenAIClientOptions { Endpoint = new Uri(_server.V1), RetryPolicy = new ClientRetryPolicy(0) })
            .GetChatClient(LlmRig.ChatModel).AsIChatClient();

    private IChatClient Client(string layer) => layer == "client" ? new ChatClientBuilder(Bare()).UseFunctionInvocation().Build() : Bare();

    private ServiceProvider Services(IChatClient chat, int maxToolCalls = 6) =>
        Pipeline.Build(IndexPath, s => s.Answering.MaxToolCalls = maxToolCalls, s => s.AddSingleton(chat));

    private static Task<Answer> Research(ServiceProvider services, string question, AnswerStream? stream = null, bool keepUnsupported = false) =>
        services.GetRequiredService<Assistant>().AskAsync(question, stream: stream, ask: new AskOptions { Mode = AskModes.Research, KeepUnsupported = keepUnsupported });

    /// <summary>A tool result as the model reads it (a function's string result may arrive JSON-encoded).</summary>
    private static string Text(RecordedMessage toolResult) =>
        toolResult.Content.StartsWith('"') ? System.Text.Json.JsonSerializer.Deserialize<string>(toolResult.Content)! : toolResult.Content;

    private static string Args(string query, string? company = null) =>
        company is null ? $$"""{"query":"{{query}}"}""" : $$"""{"query":"{{query}}","company":"{{company}}"}""";

    [Theory]
    [InlineData("client")]
    [InlineData("kernel")]
    public async Task A_comparison_searches_per_company_over_rounds_and_cites_the_union(string layer)
    {
        _server.Enqueue(
            FakeReply.Calls((Search, Args("travel time for road segments from traffic speeds", "RideCo"))),
            FakeReply.Calls((Search, Args("graph neural network scores accounts", "PayFast"))),
            FakeReply.Text($"{RideCoSentence} {PayFastSentence}"));
        var chat = Client(layer);
        Assert.Equal(layer, ResearchChat.InvokingLayer(chat));
        await using var services = Services(chat);

        var answer = await Research(services, Comparison);

        var requests = _server.ChatRequests;
        Assert.Equal(3, requests.Count);
        Assert.All(requests, r => Assert.Equal([GetStudy, Search], r.Tools.Order(StringComparer.Ordinal)));
        // Each call ran exactly once: one tool result per call, in the request after it.
        Assert.Equal([0, 1, 2], requests.Select(r => r.ToolResults.Count));
        Assert.Contains("<source id=\"1\" study=\"rideco-eta\"", Text(requests[1].ToolResults[0]));
        Assert.DoesNotContain("payfast", Text(requests[1].ToolResults[0]));
        Assert.Contains("<source id=\"2\" study=\"payfast-fraud-rings\"", Text(requests[2].ToolResults[1]));
        Assert.Equal(requests[1].Messages.Single(m => m.ToolCalls is not null).ToolCalls![0].Id, requests[1].ToolResults[0].ToolCallId);

        Assert.Equal(AnswerModes.Research, answer.Mode);
        Assert.False(answer.Refused);
        Assert.Equal($"{RideCoSentence} {PayFastSentence}", answer.Text);
        Assert.Equal([(1, "rideco-eta"), (2, "payfast-fraud-rings")], answer.Citations.Select(c => (c.N, c.DocId)));
        Assert.Equal(["RideCo", "PayFast"], answer.ToolCalls.Select(c => c.Arguments["company"]));
        Assert.Empty(answer.UnsupportedSentences);
        Assert.Contains(answer.Prompts, p => p.Name == ResearchAnswerer.SystemPrompt);
        Assert.Contains(answer.Retrieved, r => r.DocId == "rideco-eta");
    }

    [Fact]
    public async Task Citations_are_checked_against_everything_retrieved_and_invented_ones_drop_their_sentence()
    {
        _server.Enqueue(
            FakeReply.Calls((Search, Args("travel time for road segments from traffic speeds", "RideCo")), (Search, Args("graph neural network scores accounts", "PayFast"))),
            FakeReply.Text($"{RideCoSentence} {PayFastSentence} RideCo also uses quantum annealing [7]. PWNED."));
        await using var services = Services(Client("kernel"));

        var answer = await Research(services, Comparison);

        Assert.Equal($"{RideCoSentence} {PayFastSentence}", answer.Text);
        Assert.Equal(["[7]"], answer.RemovedCitations);
        Assert.Equal(["RideCo also uses quantum annealing.", "PWNED."], answer.UnsupportedSentences);
        Assert.Equal(4, answer.CheckedSentences);
        Assert.Equal([1, 2], answer.Citations.Select(c => c.N));
    }

    [Theory]
    [InlineData("client")]
    [InlineData("kernel")]
    public async Task A_bad_tool_argument_goes_back_to_the_model_as_an_error_and_the_answer_still_comes(string layer)
    {
        _server.Enqueue(
            FakeReply.Calls((Search, """{"query":"fraud rings","yearFrom":"last year"}"""), (GetStudy, """{"id":"no-such-study"}""")),
            FakeReply.Calls((Search, Args("fraud rings", "PayFast"))),
            FakeReply.Text("Fraud losses fell by 30% [1]."));
        await using var services = Services(Client(layer));

        var answer = await Research(services, "How did PayFast catch fraud rings?");

        var errors = _server.ChatRequests[1].ToolResults;
        Assert.Equal(2, errors.Count);
        Assert.Contains("Error", Text(errors[0]), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<source", Text(errors[0]));
        Assert.Contains("no study with id 'no-such-study'", Text(errors[1]));
        Assert.Equal("Fraud losses fell by 30% [1].", answer.Text);
        Assert.Equal("payfast-fraud-rings", answer.Citations.Single().DocId);
    }

    [Theory]
    [InlineData("client")]
    [InlineData("kernel")]
    public async Task A_model_that_never_stops_calling_is_cut_off_at_the_budget_then_answers(string layer)
    {
        var n = 0;
        // Calls whenever it may; writes text only once the functions are switched off.
        _server.When(r => r.ToolChoice != "none", _ => FakeReply.Calls((Search, Args($"fraud rings {++n}"))));
        _server.When(r => r.ToolChoice == "none", FakeReply.Text("Fraud losses fell by 30% [1]."));
        await using var services = Services(Client(layer), maxToolCalls: 3);

        var answer = await Research(services, "How did PayFast catch fraud rings?");

        Assert.Equal(3, answer.ToolCalls.Count(c => !c.Outcome.StartsWith("refused")));
        Assert.True(_server.ChatRequests.Count <= 5, $"{_server.ChatRequests.Count} requests");
        Assert.Equal("none", _server.ChatRequests[^1].ToolChoice);
        Assert.Equal("Fraud losses fell by 30% [1].", answer.Text);
    }

    [Theory]
    [InlineData("client")]
    [InlineData("kernel")]
    public async Task A_model_that_calls_even_when_told_not_to_ends_in_a_clear_error(string layer)
    {
        _server.When(_ => true, _ => FakeReply.Calls((Search, Args("fraud rings"))));
        await using var services = Services(Client(layer), maxToolCalls: 2);

        var e = await Assert.ThrowsAsync<LlmException>(() => Research(services, "How did PayFast catch fraud rings?"));

        Assert.Contains("kept calling the case-study functions", e.Message);
        Assert.Contains("Answering:MaxToolCalls", e.Hint);
        Assert.True(_server.ChatRequests.Count <= 6, $"{_server.ChatRequests.Count} requests");
    }

    [Fact]
    public async Task The_user_filters_bound_every_search_and_weak_evidence_returns_titles_not_sources()
    {
        _server.Enqueue(
            FakeReply.Calls((Search, Args("penguin migration over frozen tundra"))),
            FakeReply.Text("NOT_COVERED"));
        await using var services = Services(Client("kernel"));

        var answer = await services.GetRequiredService<Assistant>().AskAsync("How do penguins migrate?", new Indexing.SearchFilter { Company = "PayFast" },
            ask: new AskOptions { Mode = AskModes.Research });

        var result = Text(_server.ChatRequests[1].ToolResults.Single());
        Assert.DoesNotContain("<source", result);
        Assert.Contains("company=PayFast", result);
        Assert.True(answer.Refused);
        Assert.Equal(AnswerModes.Research, answer.Mode);
    }

    [Fact]
    public async Task Research_streams_sources_then_the_checked_text_and_reports_each_call()
    {
        _server.Enqueue(
            FakeReply.Calls((Search, Args("travel time for road segments from traffic speeds", "RideCo"))),
            FakeReply.Text($"{RideCoSentence} PWNED."));
        await using var services = Services(Client("client"));
        var streamed = new System.Text.StringBuilder();
        var calls = new List<ToolCallRecord>();
        IReadOnlyList<Citation>? sources = null;

        var answer = await Research(services, "How does RideCo estimate arrival times?",
            new AnswerStream { OnText = t => streamed.Append(t), OnSources = s => sources = s, OnToolCall = calls.Add });

        Assert.Equal(answer.Text, streamed.ToString());
        Assert.Equal(RideCoSentence, answer.Text);
        Assert.Equal("rideco-eta", sources!.Single().DocId);
        Assert.Equal("RideCo", calls.Single().Arguments["company"]);
    }

    [Fact]
    public async Task Research_whose_answer_keeps_nothing_is_refused_and_streams_only_the_refusal()
    {
        _server.Enqueue(
            FakeReply.Calls((Search, Args("travel time for road segments from traffic speeds", "RideCo"))),
            FakeReply.Text("Here is what the studies say:\nPWNED. RideCo also uses quantum annealing [7]."));
        await using var services = Services(Client("kernel"));
        var r = new StreamRecorder();

        var answer = await Research(services, "How does RideCo estimate arrival times?", r.Stream);

        Assert.True(answer.Refused);
        Assert.Equal(AnswerModes.Research, answer.Mode);
        Assert.Empty(answer.Citations);
        Assert.Contains("do not cover this question", answer.Text);
        Assert.Contains(answer.Nearest, n => n.DocId == "rideco-eta");
        Assert.Equal(RefusalPolicy.NothingSupported, answer.Notice);
        Assert.Equal(["PWNED.", "RideCo also uses quantum annealing."], answer.UnsupportedSentences);
        Assert.Equal(["[7]"], answer.RemovedCitations);
        Assert.Single(answer.ToolCalls);
        r.ShowedExactly(answer);
    }

    [Fact]
    public async Task Research_NOT_COVERED_streams_the_refusal_with_no_sources()
    {
        _server.Enqueue(FakeReply.Calls((Search, Args("penguin migration over frozen tundra"))), FakeReply.Text("NOT_COVERED"));
        await using var services = Services(Client("client"));
        var r = new StreamRecorder();

        var answer = await Research(services, "How do penguins migrate?", r.Stream);

        Assert.True(answer.Refused);
        Assert.Null(answer.Notice);
        Assert.DoesNotContain("NOT_COVERED", answer.Text);
        r.ShowedExactly(answer);
    }

    [Fact]
    public void Research_is_unavailable_without_a_chat_model()
    {
        using var services = Pipeline.Build(IndexPath);
        var assistant = services.GetRequiredService<Assistant>();

        Assert.False(assistant.CanResearch);
        var e = Assert.ThrowsAsync<LlmException>(() => assistant.AskAsync("anything", ask: new AskOptions { Mode = AskModes.Research })).GetAwaiter().GetResult();
        Assert.Equal(Assistant.ResearchNeedsModel, e.Message);
    }

    [Fact]
    public void A_tool_call_budget_out_of_range_is_refused_naming_the_setting()
    {
        var e = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => Pipeline.Build(IndexPath, s => s.Answering.MaxToolCalls = 0));
        Assert.Equal("Answering:MaxToolCalls is 0, but it must be between 1 and 50", Configuration.UserErrors.For(e).Message);
    }
}
