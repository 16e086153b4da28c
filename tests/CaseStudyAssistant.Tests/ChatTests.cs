using CaseStudyAssistant.Configuration;
using CaseStudyAssistant.Answering;
using CaseStudyAssistant.Cli.Commands;
using CaseStudyAssistant.Indexing;
using CaseStudyAssistant.Retrieval;
using Microsoft.Extensions.DependencyInjection;

namespace CaseStudyAssistant.Tests;

/// <summary>Chat: follow-up rewriting, follow-up suggestions and resumable sessions.</summary>
public sealed class ChatTests
{
    private const string First = "How does VoiceLab transcribe customer calls?";
    private const string FollowUp = "what about their results?";
    private const string Rewritten = "What word error rate results did VoiceLab report for transcribing customer calls?";
    private const string ThreeSuggestions = "1. Which decoder does VoiceLab bias towards product names?\n- How fast do VoiceLab transcripts reach agents?\n* How many calls a day does VoiceLab record?";

    private static Citation VoiceLabCitation(int n = 1) =>
        new(n, LlmCorpus.VoiceLab, LlmCorpus.Title(LlmCorpus.VoiceLab), "VoiceLab", 2022, null, LlmCorpus.VoiceLab + "#0", "Approach");

    private static Answer CitedAnswer(params Citation[] citations) => new()
    {
        Question = First, Text = "A conformer acoustic model transcribes each call recording [1].", Refused = false, Mode = AnswerModes.Llm, Citations = citations,
    };

    [Fact]
    public async Task Follow_up_is_rewritten_by_the_model_and_retrieval_uses_the_rewrite()
    {
        await using var rig = await LlmRig.StartAsync();
        rig.Server
            .When(PromptFiles.IsRewrite, FakeReply.Text($"\"{Rewritten}\""))
            .When(PromptFiles.IsFollowUps, FakeReply.Text(ThreeSuggestions))
            .Enqueue(FakeReply.Text("A conformer acoustic model transcribes each call recording [1]."), FakeReply.Text("Word error rate fell from 18% to 9% [1]."));
        var chat = rig.Conversation("rewrite");

        var first = await chat.AskAsync(First);
        var second = await chat.AskAsync(FollowUp);

        // The first question needs no rewrite; the follow-up does, with the conversation in the prompt.
        var rewrite = Assert.Single(rig.Server.ChatRequests, PromptFiles.IsRewrite);
        Assert.Equal(["user"], rewrite.Messages.Select(m => m.Role));
        Assert.Contains($"user: {First}", rewrite.User);
        Assert.Contains($"assistant: {first.Text}", rewrite.User);
        Assert.Contains($"Latest message: {FollowUp}", rewrite.User);
        Assert.True(rig.Server.ChatRequests.ToList().IndexOf(rewrite) < rig.Server.ChatRequests.ToList().FindLastIndex(PromptFiles.IsAnswer));

        // Retrieval and the answer prompt used the rewritten question (quotes stripped), and the answer cites the study.
        Assert.Equal(Rewritten, second.Question);
        var answerRequest = rig.Server.ChatRequests.Last(PromptFiles.IsAnswer);
        Assert.Contains($"Question: {Rewritten}", answerRequest.User);
        Assert.Contains("company=\"VoiceLab\"", answerRequest.Sources[0].Tag);
        Assert.Equal(LlmCorpus.VoiceLab, second.Citations.Single().DocId);
        Assert.Equal(AnswerModes.Llm, second.Mode);

        // History keeps what the user typed and what it was rewritten to.
        var userTurns = chat.History.Where(t => t.Role == ChatTurn.User).ToList();
        Assert.Equal([(First, First), (FollowUp, Rewritten)], userTurns.Select(t => (t.Text, t.Standalone!)));
        Assert.Equal(["Which decoder does VoiceLab bias towards product names?", "How fast do VoiceLab transcripts reach agents?", "How many calls a day does VoiceLab record?"], second.FollowUps);
    }

    [Fact]
    public async Task Rewrite_falls_back_to_the_offline_rewrite_when_the_model_fails()
    {
        await using var rig = await LlmRig.StartAsync(maxRetries: 1);
        rig.Server
            .When(PromptFiles.IsRewrite, FakeReply.Error(503))
            .When(PromptFiles.IsFollowUps, FakeReply.Text(ThreeSuggestions))
            .When(PromptFiles.IsAnswer, FakeReply.Text("Word error rate fell from 18% to 9% [1]."));
        var chat = rig.Conversation("fallback");

        await chat.AskAsync(First);
        var second = await chat.AskAsync(FollowUp);

        Assert.Equal(2, rig.Server.ChatRequests.Count(PromptFiles.IsRewrite)); // one try, one retry
        Assert.Equal($"{FollowUp} (following up on: {First})", second.Question);
        Assert.Equal(LlmCorpus.VoiceLab, second.Citations.Single().DocId);
    }

    [Fact]
    public async Task Offline_rewrite_adds_the_previous_standalone_question_to_a_follow_up_that_leans_on_it()
    {
        var rewriter = new OfflineQuestionRewriter();
        var now = DateTime.UtcNow;
        IReadOnlyList<ChatTurn> history =
        [
            new(ChatTurn.User, "and VoiceLab?", First, [], now),
            new(ChatTurn.Assistant, "A conformer model [1].", null, [LlmCorpus.VoiceLab], now),
        ];

        Assert.Equal($"{FollowUp} (following up on: {First})", await rewriter.RewriteAsync(history, FollowUp));
        Assert.Equal($"latency? (following up on: {First})", await rewriter.RewriteAsync(history, "latency?"));
        // A question that stands on its own, or the first question of a session, is left alone.
        const string standalone = "How does PayFast block payments from fraud rings of linked accounts?";
        Assert.Equal(standalone, await rewriter.RewriteAsync(history, standalone));
        Assert.Equal(FollowUp, await rewriter.RewriteAsync([], FollowUp));
    }

    [Fact]
    public async Task Model_suggestions_are_parsed_into_three_clean_questions()
    {
        await using var server = await FakeOpenAIServer.StartAsync();
        server.Enqueue(FakeReply.Text(ThreeSuggestions + "\n"), FakeReply.Text("Only one question?\n\n"));
        var prompts = new PromptLibrary(Path.Combine(Repo.Root, "prompts"));
        var suggester = new LlmFollowUps(OpenAI.LlmProvider.Create(LlmRig.OptionsFor(server), new Secrets(_ => null)).Chat!, prompts, new OfflineFollowUps());

        var parsed = await suggester.SuggestAsync(CitedAnswer(VoiceLabCitation()));
        var fallback = await suggester.SuggestAsync(CitedAnswer(VoiceLabCitation()));
        var nothing = await suggester.SuggestAsync(CitedAnswer());

        Assert.Equal(["Which decoder does VoiceLab bias towards product names?", "How fast do VoiceLab transcripts reach agents?", "How many calls a day does VoiceLab record?"], parsed);
        var request = server.ChatRequests[0];
        Assert.True(PromptFiles.IsFollowUps(request));
        Assert.Contains($"- {LlmCorpus.Title(LlmCorpus.VoiceLab)} (VoiceLab, 2022)", request.User);
        Assert.Contains($"Question: {First}", request.User);
        // A reply that is not three questions gives the offline suggestions instead.
        Assert.Equal(3, fallback.Count);
        Assert.All(fallback, q => Assert.Contains("VoiceLab", q));
        // No studies to ask about: no suggestions, and no model call.
        Assert.Empty(nothing);
        Assert.Equal(2, server.ChatRequests.Count);
    }

    [Fact]
    public async Task Offline_suggestions_are_three_questions_naming_the_cited_company()
    {
        var suggester = new OfflineFollowUps();
        var payfast = new Citation(2, LlmCorpus.PayFast, LlmCorpus.Title(LlmCorpus.PayFast), "PayFast", 2019, null, LlmCorpus.PayFast + "#0", "Approach");

        var one = await suggester.SuggestAsync(CitedAnswer(VoiceLabCitation()));
        var two = await suggester.SuggestAsync(CitedAnswer(VoiceLabCitation(), payfast));

        Assert.Equal(3, one.Count);
        Assert.Equal(3, one.Distinct().Count());
        Assert.All(one, q => { Assert.Contains("VoiceLab", q); Assert.EndsWith("?", q); });
        Assert.Contains(two, q => q.Contains("VoiceLab") && q.Contains("PayFast"));
        Assert.Empty(await suggester.SuggestAsync(CitedAnswer()));
    }

    [Fact]
    public async Task Session_is_resumed_survives_a_rebuild_and_is_cleared_by_reset()
    {
        using var dir = new TempDir("chat-session");
        var indexPath = dir.File("index.db");
        var corpus = LlmCorpus.Ingest(dir, indexPath);
        await using var services = Pipeline.Build(indexPath);
        Conversation Open(string session) => new(services.GetRequiredService<Assistant>(), services.GetRequiredService<IQuestionRewriter>(),
            services.GetRequiredService<IFollowUpSuggester>(), services.GetRequiredService<ChatHistoryStore>(), session);

        var answer = await Open("work").AskAsync(First);
        Assert.Equal(LlmCorpus.VoiceLab, answer.Citations[0].DocId);

        // A new conversation with the same name sees the turns; another name does not.
        var resumed = Open("work");
        Assert.Equal([ChatTurn.User, ChatTurn.Assistant], resumed.History.Select(t => t.Role));
        Assert.Equal(First, resumed.History[0].Text);
        Assert.Equal(answer.Text, resumed.History[1].Text);
        Assert.Contains(LlmCorpus.VoiceLab, resumed.History[1].CitedIds);
        Assert.Empty(Open("other").History);
        // ...and uses them: a follow-up in the resumed session is read with the earlier question.
        var followUp = await resumed.AskAsync(FollowUp);
        Assert.Equal($"{FollowUp} (following up on: {First})", followUp.Question);

        // A rebuild of the index keeps the sessions.
        var report = await services.GetRequiredService<Ingestor>().IngestAsync([corpus], rebuild: true);
        Assert.True(report.Rebuilt);
        Assert.Equal(4, Open("work").History.Count);

        // /reset forgets them, for good.
        var reset = Open("work");
        reset.Filter = new SearchFilter { Company = "VoiceLab" };
        reset.Reset();
        Assert.Empty(reset.History);
        Assert.Null(reset.Last);
        Assert.True(reset.Filter.IsEmpty);
        Assert.Empty(Open("work").History);
    }
}

[CollectionDefinition("Console", DisableParallelization = true)]
public sealed class ConsoleCollection;

/// <summary>The chat loop driven through its input, as a user types at the prompt.</summary>
[Collection("Console")]
public sealed class ChatLoopTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const string Suggestion = "How many minutes did support agents save per call?";

    [Fact]
    public async Task Chat_loop_answers_and_handles_filters_sources_suggestions_and_reset()
    {
        await using var rig = await LlmRig.StartAsync();
        rig.Server
            .When(PromptFiles.IsFollowUps, FakeReply.Text($"{Suggestion}\nHow fast do transcripts reach agents?\nHow many calls a day are recorded?"))
            .When(PromptFiles.IsRewrite, r => FakeReply.Text(r.User!.Split("Latest message: ")[1].Trim()))
            .When(PromptFiles.IsAnswer, FakeModel.QuoteSourceOne);
        var conversation = rig.Conversation("loop");
        var script = string.Join("\n",
            "How does VoiceLab transcribe customer calls?", "/company VoiceLab", "/filters", "/sources", "1", "/reset", "/filters", "/sources", "/exit", "never read");

        var (stdout, stderr) = await CaptureAsync(() => ChatCommand.RunAsync(conversation, new StringReader(script), CancellationToken.None));
        output.WriteLine($"--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}");

        // The prompt "you> " is not followed by the (unechoed) input, so a command's reply shares its line.
        var lines = stdout.Split('\n').Select(l => l.TrimEnd('\r')).Select(l => l.StartsWith("you> ") ? l[5..] : l).ToList();
        Assert.Contains("Session 'loop'. Ask about ML and LLM system design; /help for commands.", lines);
        var firstAnswer = FakeModel.QuoteSourceOne(rig.Server.ChatRequests.First(PromptFiles.IsAnswer)).Content;
        Assert.Contains(firstAnswer, stdout);
        var sourceLine = $"[1] {LlmCorpus.Title(LlmCorpus.VoiceLab)} — VoiceLab, 2022 — https://example.com/{LlmCorpus.VoiceLab}";
        Assert.Contains(sourceLine, lines);
        Assert.Contains("Follow-ups:", lines);
        Assert.Contains($"  1. {Suggestion}", lines);
        Assert.Equal(2, lines.Count(l => l == "Filters: company=VoiceLab"));
        // /sources lists the last answer's source with its study id and section.
        Assert.Contains(lines, l => l.StartsWith($"    {LlmCorpus.VoiceLab} · "));
        // "1" asks the first suggestion, under the company filter.
        Assert.Contains($"→ {Suggestion}", lines);
        var answers = rig.Server.ChatRequests.Where(PromptFiles.IsAnswer).ToList();
        Assert.Equal(2, answers.Count);
        Assert.Contains($"Question: {Suggestion}", answers[1].User);
        Assert.NotEmpty(answers[1].Sources);
        Assert.All(answers[1].Sources, s => Assert.Contains("company=\"VoiceLab\"", s.Tag));
        // (Without the filter the same question also finds HelpDesk's study.)
        var unfiltered = await rig.Services.GetRequiredService<Retriever>().RetrieveAsync(Suggestion);
        Assert.Contains(unfiltered.Chunks, c => c.Study.Id == LlmCorpus.HelpDesk);
        // /reset clears history and filters; /sources then has nothing to show; /exit stops reading.
        var reset = lines.IndexOf("Session 'loop' started over.");
        Assert.True(reset > 0, stdout);
        Assert.Contains("No filters.", lines.Skip(reset));
        Assert.Contains("No answer yet.", lines.Skip(reset));
        Assert.DoesNotContain("never read", stdout);
        Assert.Empty(rig.Conversation("loop").History);
        Assert.Equal("", stderr.Trim());
    }

    [Fact]
    public async Task Resumed_session_says_how_many_questions_it_holds()
    {
        using var dir = new TempDir("chat-resume");
        var indexPath = dir.File("index.db");
        LlmCorpus.Ingest(dir, indexPath);
        await using var services = Pipeline.Build(indexPath);
        Conversation Open() => new(services.GetRequiredService<Assistant>(), services.GetRequiredService<IQuestionRewriter>(),
            services.GetRequiredService<IFollowUpSuggester>(), services.GetRequiredService<ChatHistoryStore>(), "kept");

        var (first, _) = await CaptureAsync(() => ChatCommand.RunAsync(Open(), new StringReader("How does VoiceLab transcribe customer calls?\n/exit\n"), CancellationToken.None));
        var (second, _) = await CaptureAsync(() => ChatCommand.RunAsync(Open(), new StringReader("/sources\n"), CancellationToken.None));

        Assert.Contains("Session 'kept'. Ask about", first);
        Assert.Contains("VoiceLab", first);
        Assert.Contains("Resumed session 'kept' (1 question so far).", second);
    }

    private static async Task<(string Stdout, string Stderr)> CaptureAsync(Func<Task> run)
    {
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        var (out_, err) = (new StringWriter(), new StringWriter());
        Console.SetOut(out_);
        Console.SetError(err);
        try { await run(); }
        finally { Console.SetOut(oldOut); Console.SetError(oldErr); }
        return (out_.ToString(), err.ToString());
    }
}
