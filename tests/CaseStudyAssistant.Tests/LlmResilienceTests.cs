using CaseStudyAssistant.Configuration;
using System.Diagnostics;
using System.Text.Json.Nodes;
using CaseStudyAssistant.Answering;
using CaseStudyAssistant.OpenAI;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace CaseStudyAssistant.Tests;

/// <summary>The composed model client: retries with Retry-After, the circuit breaker, bounded tool rounds, bad settings.</summary>
public sealed class LlmResilienceTests
{
    private const string Question = LlmAnswerTests.VoiceLabQuestion;

    [Theory]
    [InlineData(429)]
    [InlineData(503)]
    public async Task Retry_After_on_a_transient_status_is_waited_out_before_the_retry(int status)
    {
        await using var server = await FakeOpenAIServer.StartAsync();
        server.Enqueue(FakeReply.Error(status, "busy", retryAfter: "1"), FakeReply.Text("pong"));
        using var provider = LlmProvider.Create(LlmRig.OptionsFor(server, maxRetries: 1), new Secrets(_ => null));

        var response = await provider.Chat.GetResponseAsync([new ChatMessage(ChatRole.User, "ping")]);

        Assert.Equal("pong", response.Text);
        var requests = server.ChatRequests;
        Assert.Equal(2, requests.Count);
        Assert.True(requests[1].At - requests[0].At >= TimeSpan.FromSeconds(0.9), $"retried after {(requests[1].At - requests[0].At).TotalMilliseconds} ms, Retry-After said 1 s");
        // The retry re-sends the whole request, not an emptied body.
        Assert.Equal(requests[0].RawBody, requests[1].RawBody);
    }

    [Fact]
    public async Task Circuit_opens_after_repeated_failures_then_answers_fall_back_at_once_until_the_break_ends()
    {
        await using var rig = await LlmRig.StartAsync(maxRetries: 1, configure: o => { o.CircuitBreakerFailures = 2; o.CircuitBreakSeconds = 1; });
        rig.Server.Enqueue(FakeReply.Error(503), FakeReply.Error(503));

        var first = await rig.Assistant.AskAsync(Question);
        var clock = Stopwatch.StartNew();
        var second = await rig.Assistant.AskAsync(Question);
        var fastFallback = clock.Elapsed;

        // Two failed attempts (one try, one retry) opened the circuit: the second question never reached the server.
        Assert.Equal(2, rig.Server.ChatRequests.Count);
        Assert.Equal(AnswerModes.Extractive, first.Mode);
        Assert.Contains("503", first.Notice);
        Assert.Equal(AnswerModes.Extractive, second.Mode);
        Assert.Contains("failed repeatedly", second.Notice);
        Assert.Contains("not called for 1 s", second.Notice);
        Assert.NotEmpty(second.Citations);
        Assert.True(fastFallback < TimeSpan.FromSeconds(1), $"the open circuit took {fastFallback.TotalMilliseconds:0} ms to fail");

        // After the break one call is let through; it succeeds, and the circuit closes again.
        await Task.Delay(TimeSpan.FromSeconds(1.3));
        rig.Server.Enqueue(FakeReply.Text(LlmAnswerTests.GroundedReply), FakeReply.Text(LlmAnswerTests.GroundedReply));
        var third = await rig.Assistant.AskAsync(Question);
        var fourth = await rig.Assistant.AskAsync(Question);

        Assert.Equal(AnswerModes.Llm, third.Mode);
        Assert.Equal(AnswerModes.Llm, fourth.Mode);
        Assert.Equal(4, rig.Server.ChatRequests.Count);
    }

    [Fact]
    public async Task Open_circuit_is_shared_by_chat_and_embeddings_of_one_endpoint()
    {
        await using var server = await FakeOpenAIServer.StartAsync();
        server.Enqueue(FakeReply.Error(500), FakeReply.Error(500));
        var options = LlmRig.OptionsFor(server, maxRetries: 1);
        options.CircuitBreakerFailures = 2;
        options.EmbeddingModel = "emb-model";
        using var provider = LlmProvider.Create(options, new Secrets(_ => null));

        await Assert.ThrowsAsync<LlmException>(() => provider.Chat.GetResponseAsync([new ChatMessage(ChatRole.User, "ping")]));
        var e = await Assert.ThrowsAsync<LlmException>(() => provider.Embeddings!.GenerateAsync(["one"]));

        Assert.True(e.Transient);
        Assert.Contains("failed repeatedly", e.Message);
        Assert.Empty(server.EmbeddingRequests);
    }

    [Fact]
    public async Task Connection_refused_is_reported_at_once_without_retries()
    {
        var options = new LlmOptions { Provider = "compatible", Endpoint = "http://127.0.0.1:9/v1", ChatModel = "m", MaxRetries = 3 };
        using var provider = LlmProvider.Create(options, new Secrets(_ => null));

        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<LlmException>(() => provider.Chat.GetResponseAsync([new ChatMessage(ChatRole.User, "ping")]));

        Assert.False(e.Transient);
        Assert.Contains("cannot reach the LLM endpoint", e.Message);
        Assert.Contains("--llm-endpoint", e.Hint);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"took {clock.Elapsed.TotalSeconds:0.0} s");
    }

    [Fact]
    public async Task Model_that_never_stops_calling_a_tool_is_stopped_after_MaxToolRounds()
    {
        await using var server = await FakeOpenAIServer.StartAsync();
        var toolCalls = 0;
        server.When(r => r.Field("tools") is not null, r => FakeReply.Text("") with { RawBody = ToolCall(r, ++toolCalls, "lookup", """{"company":"VoiceLab"}""") });
        server.When(r => r.Field("tools") is null, FakeReply.Text("Enough looking [1]."));
        var options = LlmRig.OptionsFor(server);
        options.MaxToolRounds = 3;
        using var provider = LlmProvider.Create(options, new Secrets(_ => null));
        var companies = new List<string>();
        var lookup = AIFunctionFactory.Create((string company) => { companies.Add(company); return $"{company}: word error rate fell from 18% to 9%"; }, "lookup");

        var response = await provider.Chat.GetResponseAsync([new ChatMessage(ChatRole.User, "research VoiceLab")], new ChatOptions { Tools = [lookup] });

        Assert.Equal("Enough looking [1].", response.Text);
        Assert.Equal(["VoiceLab", "VoiceLab", "VoiceLab"], companies);
        var requests = server.ChatRequests;
        Assert.Equal(4, requests.Count); // three rounds with the tool, then one without tools for the final answer
        Assert.Null(requests[^1].Field("tools"));
        // Each round sends the tool's result back to the model.
        Assert.Contains("word error rate fell from 18% to 9%", requests[1].RawBody);
    }

    [Theory]
    [InlineData("TimeoutSeconds", "0")]
    [InlineData("MaxRetries", "-1")]
    [InlineData("CircuitBreakerFailures", "1")]
    [InlineData("CircuitBreakSeconds", "0.1")]
    [InlineData("MaxToolRounds", "0")]
    public void Out_of_range_resilience_setting_is_one_line_naming_it(string setting, string value)
    {
        using var dir = new TempDir("llm-limits");
        var e = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => Pipeline.Build(dir.File("index.db"), settings: new Dictionary<string, string?>
        {
            ["Llm:Provider"] = "compatible", ["Llm:Endpoint"] = "http://127.0.0.1:9/v1", ["Llm:ChatModel"] = "m", [$"Llm:{setting}"] = value,
        }));

        var error = UserErrors.For(e);
        Assert.Equal(ErrorKind.Configuration, error.Kind);
        Assert.StartsWith($"Llm:{setting} is {value}", error.Message);
        Assert.DoesNotContain("\n", error.Message);
        Assert.Contains($"CSA_LLM__{setting.ToUpperInvariant()}", error.Hint);
    }

    /// <summary>A chat completion whose only content is one call of <paramref name="name"/>.</summary>
    private static string ToolCall(RecordedRequest r, int n, string name, string arguments) => new JsonObject
    {
        ["id"] = $"chatcmpl-tool-{r.Seq}",
        ["object"] = "chat.completion",
        ["created"] = 0,
        ["model"] = r.Model,
        ["choices"] = new JsonArray(new JsonObject
        {
            ["index"] = 0,
            ["message"] = new JsonObject
            {
                ["role"] = "assistant",
                ["content"] = null,
                ["tool_calls"] = new JsonArray(new JsonObject
                {
                    ["id"] = $"call_{n}", ["type"] = "function",
                    ["function"] = new JsonObject { ["name"] = name, ["arguments"] = arguments },
                }),
            },
            ["finish_reason"] = "tool_calls",
        }),
        ["usage"] = new JsonObject { ["prompt_tokens"] = 10, ["completion_tokens"] = 5, ["total_tokens"] = 15 },
    }.ToJsonString();
}
