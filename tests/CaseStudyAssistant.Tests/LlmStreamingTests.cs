using CaseStudyAssistant.Configuration;
using System.Diagnostics;
using CaseStudyAssistant.Answering;
using CaseStudyAssistant.OpenAI;
using CaseStudyAssistant.Retrieval;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace CaseStudyAssistant.Tests;

/// <summary>Streamed answers: sources before text, retries only before the first update, broken streams.</summary>
public sealed class LlmStreamingTests
{
    private const string Question = LlmAnswerTests.VoiceLabQuestion;

    [Fact]
    public async Task Sources_come_before_the_first_text_and_the_text_is_the_streamed_content()
    {
        await using var rig = await LlmRig.StartAsync();
        rig.Server.Enqueue(FakeReply.Stream("Word error rate ", "fell from 18% ", "to 9% [1].", " Agents saved 6 minutes per call [1]."));
        var r = new StreamRecorder();

        var answer = await rig.Assistant.AskAsync(Question, stream: r.Stream);

        var request = rig.Server.ChatRequests.Single();
        Assert.True(request.Stream);
        Assert.Equal("sources", r.Events[0]);
        Assert.Equal(1, r.Events.Count(e => e == "sources"));
        Assert.Contains("text", r.Events);
        Assert.Equal("Word error rate fell from 18% to 9% [1]. Agents saved 6 minutes per call [1].", r.Text);
        Assert.Equal(r.Text, answer.Text);
        Assert.Equal(AnswerModes.Llm, answer.Mode);
        Assert.Equal(LlmCorpus.VoiceLab, answer.Citations.Single().DocId);
        // The sources announced up front are the numbered sources the model was given.
        Assert.Equal(request.Sources.Count, r.Sources!.Count);
        Assert.Equal(LlmCorpus.VoiceLab, r.Sources[0].DocId);
        // Usage arrives in the final chunk (empty choices).
        Assert.Equal(new LlmUsage(123, 45), answer.Usage);
    }

    [Fact]
    public async Task Malformed_stream_falls_back_to_the_extractive_answer()
    {
        await using var rig = await LlmRig.StartAsync(maxRetries: 2);
        rig.Server.Enqueue(FakeReply.MalformedStream(), FakeReply.Stream("should not be used"));
        var r = new StreamRecorder();

        var answer = await rig.Assistant.AskAsync(Question, stream: r.Stream);

        Assert.Single(rig.Server.ChatRequests);
        Assert.Equal(AnswerModes.Extractive, answer.Mode);
        Assert.NotNull(answer.Notice);
        Assert.Contains("language model failed", answer.Notice);
        Assert.Contains("could not be read", answer.Notice);
        Assert.NotEmpty(answer.Citations);
        Assert.DoesNotContain("should not be used", r.Text + answer.Text);
        // Nothing had been shown when the stream failed, so the reader gets the extractive answer, sources first.
        r.ShowedExactly(answer);
        Assert.Equal(answer.Citations, r.Sources);
    }

    [Fact]
    public async Task A_lead_in_of_an_answer_that_keeps_nothing_is_never_shown_and_the_fallback_is_streamed()
    {
        await using var rig = await LlmRig.StartAsync();
        rig.Server.Enqueue(FakeReply.Stream("Here is what the sources say:\n", "PWNED. ", "Netflix also uses ", "quantum annealing [9]."));
        var r = new StreamRecorder();

        var answer = await rig.Assistant.AskAsync(Question, stream: r.Stream);

        Assert.Equal(AnswerModes.Extractive, answer.Mode);
        Assert.False(answer.Refused);
        Assert.Contains("extractive answer instead", answer.Notice);
        Assert.DoesNotContain("Here is what", r.Text);
        r.ShowedExactly(answer);
        Assert.Equal(answer.Citations, r.Sources);
    }

    /// <summary>
    /// "Explain audio." matches the VoiceLab study only by its category tag: the evidence covers the question, but no
    /// sentence of the study says anything about it, so even the extractive answer has nothing to quote.
    /// </summary>
    [Fact]
    public async Task An_answer_refused_after_the_model_streamed_shows_only_the_refusal()
    {
        const string question = "Explain audio.";
        await using var rig = await LlmRig.StartAsync();
        var retrieval = await rig.Services.GetRequiredService<Retriever>().RetrieveAsync(question);
        Assert.True(RefusalPolicy.Covers(retrieval, rig.Services.GetRequiredService<AnsweringOptions>()), "precondition: the evidence covers the question");
        Assert.Empty((await rig.Services.GetRequiredService<ExtractiveAnswerer>().GenerateAsync(retrieval)).Answer.Citations);
        rig.Server.Enqueue(FakeReply.Stream("Here is what the sources say:\n", "PWNED. ", "Audio is recorded ", "by VoiceLab [7]."));
        var r = new StreamRecorder();

        var answer = await rig.Assistant.AskAsync(question, stream: r.Stream);

        Assert.Single(rig.Server.ChatRequests);
        Assert.True(answer.Refused);
        Assert.Equal(RefusalPolicy.NothingSupported, answer.Notice);
        Assert.Equal(["PWNED.", "Audio is recorded by VoiceLab."], answer.UnsupportedSentences);
        Assert.Contains(answer.Nearest, n => n.DocId == LlmCorpus.VoiceLab);
        Assert.DoesNotContain("Here is what", r.Text);
        r.ShowedExactly(answer);
    }

    [Fact]
    public async Task Stream_that_breaks_after_text_was_shown_is_not_retried_and_falls_back()
    {
        await using var rig = await LlmRig.StartAsync(maxRetries: 2);
        rig.Server.Enqueue(FakeReply.MalformedStream("Word error rate fell ", "from 18% to 9% [1]. Agents saved 6 min"), FakeReply.Stream("second attempt"));
        var r = new StreamRecorder();

        var answer = await rig.Assistant.AskAsync(Question, stream: r.Stream);

        Assert.Single(rig.Server.ChatRequests);
        // Only the sentence that was complete (and checked) had been shown.
        Assert.Equal("Word error rate fell from 18% to 9% [1].", r.Text);
        Assert.Equal(AnswerModes.Extractive, answer.Mode);
        Assert.Contains("language model failed", answer.Notice);
        Assert.DoesNotContain("second attempt", answer.Text);
    }

    [Fact]
    public async Task Failure_before_the_first_update_is_retried()
    {
        await using var rig = await LlmRig.StartAsync(maxRetries: 1);
        rig.Server.Enqueue(FakeReply.Error(503), FakeReply.Stream("Word error rate fell ", "from 18% to 9% [1]."));
        var r = new StreamRecorder();

        var answer = await rig.Assistant.AskAsync(Question, stream: r.Stream);

        Assert.Equal(2, rig.Server.ChatRequests.Count);
        Assert.All(rig.Server.ChatRequests, q => Assert.True(q.Stream));
        Assert.Equal(AnswerModes.Llm, answer.Mode);
        Assert.Equal("Word error rate fell from 18% to 9% [1].", r.Text);
        Assert.Null(answer.Notice);
    }

    [Fact]
    public async Task Chat_client_reports_a_malformed_stream_as_a_transient_LlmException()
    {
        await using var server = await FakeOpenAIServer.StartAsync();
        server.Enqueue(FakeReply.MalformedStream("partial "));
        var chat = LlmProvider.Create(LlmRig.OptionsFor(server, maxRetries: 1), new Secrets(_ => null)).Chat!;

        var seen = new List<string>();
        var e = await Assert.ThrowsAsync<LlmException>(async () =>
        {
            await foreach (var update in chat.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "hi")]))
                seen.Add(update.Text);
        });

        Assert.True(e.Transient);
        Assert.Equal("partial ", string.Concat(seen));
    }

    [Fact]
    public async Task Chat_client_metadata_and_plain_response_come_from_the_server()
    {
        await using var server = await FakeOpenAIServer.StartAsync();
        server.Enqueue(FakeReply.Text("pong"));
        var provider = LlmProvider.Create(LlmRig.OptionsFor(server), new Secrets(_ => null));

        var response = await provider.Chat!.GetResponseAsync([new ChatMessage(ChatRole.System, "be brief"), new ChatMessage(ChatRole.User, "ping")]);

        Assert.Equal("pong", response.Text);
        Assert.Equal(123, response.Usage!.InputTokenCount);
        var metadata = provider.Chat.GetService<ChatClientMetadata>()!;
        // The client speaks the OpenAI protocol whichever server is behind it; the configured provider is ours.
        Assert.Equal((LlmRig.ChatModel, "openai"), (metadata.DefaultModelId, metadata.ProviderName));
        Assert.Equal("compatible", provider.Provider);
        Assert.Equal(new Uri(server.V1).ToString().TrimEnd('/'), metadata.ProviderUri!.ToString().TrimEnd('/'));
        var request = server.Requests.Single();
        Assert.Equal([("system", "be brief"), ("user", "ping")], request.Messages.Select(m => (m.Role, m.Content)));
    }

    /// <summary>
    /// Regression test (bug fixed in cc9aad6): the stream used to be bound to the retry pipeline's per-attempt
    /// token only, so cancelling after the first update (Ctrl+C in csa ask / csa chat) let the stream run to its end.
    /// </summary>
    [Fact]
    public async Task Cancelling_during_a_stream_stops_the_answer_promptly()
    {
        await using var rig = await LlmRig.StartAsync();
        // Text reaches the caller once its first sentence is complete and checked: after the second chunk.
        rig.Server.Enqueue(FakeReply.Stream("Word error rate fell from 18% to 9% [1]. ", "Agents saved 6 minutes per call [1]. ", "Transcripts stream to agents ", "within 2 seconds [1].")
            with { ChunkDelay = TimeSpan.FromSeconds(1) });
        using var cts = new CancellationTokenSource();
        var stream = new AnswerStream { OnText = _ => cts.Cancel() };

        var clock = Stopwatch.StartNew();
        var e = await Record.ExceptionAsync(() => rig.Assistant.AskAsync(Question, ct: cts.Token, stream: stream));

        Assert.IsAssignableFrom<OperationCanceledException>(e);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3.5), $"cancellation took {clock.Elapsed.TotalSeconds:0.0} s (the stream ran to its end)");
    }
}
