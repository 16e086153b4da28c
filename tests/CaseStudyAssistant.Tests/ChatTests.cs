using CaseStudyAssistant.Configuration;
using CaseStudyAssistant.Answering;
using CaseStudyAssistant.Chat;
using CaseStudyAssistant.Cli.Commands;
using CaseStudyAssistant.Configuration;
using CaseStudyAssistant.Indexing;
using CaseStudyAssistant.Retrieval;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.AI;
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
        var userTurns = chat.History.Where(m => m.Role == ChatRole.User).ToList();
        Assert.Equal([(First, First), (FollowUp, Rewritten)], userTurns.Select(m => (m.Text, ChatTurns.Standalone(m)!)));
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
        var now = DateTimeOffset.UtcNow;
        IReadOnlyList<ChatMessage> history =
        [
            ChatTurns.User("and VoiceLab?", First, now),
            ChatTurns.Assistant("A conformer model [1].", [LlmCorpus.VoiceLab], now),
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

    private static Conversation Open(IServiceProvider services, string session) => new(services.GetRequiredService<Assistant>(),
        services.GetRequiredService<IQuestionRewriter>(), services.GetRequiredService<IFollowUpSuggester>(), services.GetRequiredService<ChatHistoryStore>(), session);

    [Fact]
    public async Task Session_is_resumed_after_a_restart_as_chat_messages_and_cleared_by_reset()
    {
        using var dir = new TempDir("chat-session");
        var indexPath = dir.File("state/index.db");
        LlmCorpus.Ingest(dir, indexPath);
        var before = DateTimeOffset.UtcNow;
        Answer answer;
        await using (var first = Pipeline.Build(indexPath))
            answer = await Open(first, "work").AskAsync(First);
        var after = DateTimeOffset.UtcNow;
        Assert.Equal(LlmCorpus.VoiceLab, answer.Citations[0].DocId);

        // A new process (a new service provider) sees the turns, as chat messages with their details; another name does not.
        await using var services = Pipeline.Build(indexPath);
        Assert.Equal(dir.File("state/chat.db"), services.GetRequiredService<ChatHistoryStore>().Location);
        var resumed = Open(services, "work");
        Assert.Equal([ChatRole.User, ChatRole.Assistant], resumed.History.Select(m => m.Role));
        Assert.All(resumed.History, m => Assert.IsType<TextContent>(Assert.Single(m.Contents)));
        var (user, assistant) = (resumed.History[0], resumed.History[1]);
        Assert.Equal(First, user.Text);
        Assert.Equal(First, ChatTurns.Standalone(user));
        Assert.Empty(ChatTurns.CitedIds(user));
        Assert.Equal(answer.Text, assistant.Text);
        Assert.Null(ChatTurns.Standalone(assistant));
        Assert.Equal(answer.Citations.Select(c => c.DocId), ChatTurns.CitedIds(assistant));
        Assert.All(resumed.History, m => Assert.InRange(m.CreatedAt!.Value, before.AddMilliseconds(-1), after.AddMilliseconds(1)));
        Assert.Empty(Open(services, "other").History);
        // ...and uses them: a follow-up in the resumed session is read with the earlier question.
        var followUp = await resumed.AskAsync(FollowUp);
        Assert.Equal($"{FollowUp} (following up on: {First})", followUp.Question);
        Assert.Equal(4, Open(services, "work").History.Count);

        // /reset forgets them, for good.
        var reset = Open(services, "work");
        reset.Filter = new SearchFilter { Company = "VoiceLab" };
        reset.Reset();
        Assert.Empty(reset.History);
        Assert.Null(reset.Last);
        Assert.True(reset.Filter.IsEmpty);
        Assert.Empty(Open(services, "work").History);
    }

    [Fact]
    public async Task Rebuild_of_the_index_leaves_the_chat_file_alone()
    {
        using var dir = new TempDir("chat-rebuild");
        var indexPath = dir.File("index.db");
        var corpus = LlmCorpus.Ingest(dir, indexPath);
        await using var services = Pipeline.Build(indexPath);
        await Open(services, "work").AskAsync(First);
        var chatFile = services.GetRequiredService<ChatHistoryStore>().Location;
        var chatBefore = Pipeline.FileHash(chatFile);

        var report = await services.GetRequiredService<Ingestor>().IngestAsync([corpus], rebuild: true);

        Assert.True(report.Rebuilt);
        Assert.Equal(chatBefore, Pipeline.FileHash(chatFile));
        Assert.Equal(2, Open(services, "work").History.Count);
        Assert.DoesNotContain(IndexFileSessions.Table, SqliteTables(indexPath));
    }

    [Fact]
    public async Task Chat_path_setting_puts_the_sessions_in_that_file()
    {
        using var dir = new TempDir("chat-path");
        var indexPath = dir.File("index.db");
        LlmCorpus.Ingest(dir, indexPath);
        var chatPath = dir.File("elsewhere/sessions.db");
        await using (var services = Pipeline.Build(indexPath, s => s.Chat.Path = chatPath))
            await Open(services, "work").AskAsync(First);

        Assert.True(File.Exists(chatPath));
        Assert.False(File.Exists(dir.File(ChatSettings.FileName)));
        Assert.Equal(2, new ChatHistoryStore(chatPath, indexPath).Load("work").Count);
        Assert.Equal(Path.Combine("some", "folder", "chat.db"), new ChatSettings().ResolvePath(Path.Combine("some", "folder", "index.db")));
        Assert.Equal("chat.db", new ChatSettings().ResolvePath("index.db"));
    }

    [Fact]
    public async Task Sessions_of_an_old_index_file_are_copied_once_and_the_index_file_is_not_touched()
    {
        using var dir = new TempDir("chat-migrate");
        var indexPath = dir.File("index.db");
        LlmCorpus.Ingest(dir, indexPath);
        OldIndexSessions.Add(indexPath, OldIndexSessions.Work);
        OldIndexSessions.Add(indexPath, OldIndexSessions.Other);
        var indexBefore = Pipeline.FileHash(indexPath);
        var store = new ChatHistoryStore(dir.File("chat.db"), indexPath);

        var work = store.Load("work");

        Assert.Equal([ChatRole.User, ChatRole.Assistant, ChatRole.User, ChatRole.Assistant], work.Select(m => m.Role));
        Assert.Equal(OldIndexSessions.Work.Select(r => r.Text), work.Select(m => m.Text));
        Assert.Equal(OldIndexSessions.Work.Select(r => r.Standalone), work.Select(ChatTurns.Standalone));
        Assert.Equal([[], [LlmCorpus.VoiceLab], [], [LlmCorpus.VoiceLab, LlmCorpus.HelpDesk]], work.Select(m => ChatTurns.CitedIds(m).ToArray()));
        Assert.Equal(OldIndexSessions.At(2), work[1].CreatedAt);
        Assert.Equal(TimeSpan.Zero, work[1].CreatedAt!.Value.Offset);
        Assert.Equal(OldIndexSessions.Other.Select(r => r.Text), store.Load("other").Select(m => m.Text));
        Assert.Equal(indexBefore, Pipeline.FileHash(indexPath));

        // A resumed old session carries on after its last turn.
        await using (var services = Pipeline.Build(indexPath))
        {
            var resumed = Open(services, "work");
            var followUp = await resumed.AskAsync("and their latency?");
            Assert.Equal($"and their latency? (following up on: {OldIndexSessions.Work[2].Standalone})", followUp.Question);
            Assert.Equal(6, Open(services, "work").History.Count);
        }

        // Once only: sessions reset afterwards do not come back from the index file.
        store.Clear("work");
        store.Clear("other");
        Assert.Empty(new ChatHistoryStore(dir.File("chat.db"), indexPath).Load("work"));
        Assert.Empty(new ChatHistoryStore(dir.File("chat.db"), indexPath).Load("other"));
        Assert.Equal(indexBefore, Pipeline.FileHash(indexPath));
    }

    [Fact]
    public async Task Rebuild_before_the_first_chat_keeps_the_sessions_of_an_old_index_file()
    {
        using var dir = new TempDir("chat-migrate-rebuild");
        var indexPath = dir.File("index.db");
        var corpus = LlmCorpus.Ingest(dir, indexPath);
        OldIndexSessions.Add(indexPath, OldIndexSessions.Work);
        await using var services = Pipeline.Build(indexPath);

        var report = await services.GetRequiredService<Ingestor>().IngestAsync([corpus], rebuild: true);

        Assert.True(report.Rebuilt);
        Assert.DoesNotContain(IndexFileSessions.Table, SqliteTables(indexPath));
        Assert.Equal(OldIndexSessions.Work.Select(r => r.Text), Open(services, "work").History.Select(m => m.Text));
    }

    [Fact]
    public void Index_file_that_is_missing_or_not_a_database_gives_no_sessions_and_stays_as_it_was()
    {
        using var dir = new TempDir("chat-no-index");
        var missing = dir.File("missing/index.db");
        var text = dir.Write("notes.txt", "not a database, just notes\n");

        Assert.Empty(new ChatHistoryStore(dir.File("a/chat.db"), missing).Load("work"));
        Assert.Empty(new ChatHistoryStore(dir.File("b/chat.db"), text).Load("work"));

        Assert.False(Directory.Exists(dir.File("missing")));
        Assert.Equal("not a database, just notes\n", File.ReadAllText(text));
    }

    [Fact]
    public void Chat_file_that_is_not_a_database_is_a_store_error_naming_it()
    {
        using var dir = new TempDir("chat-bad-file");
        var path = dir.Write("chat.db", "these are my notes, not a database\n");

        var e = Assert.Throws<StoreException>(() => new ChatHistoryStore(path, dir.File("index.db")).Load("work"));

        Assert.Contains(path, e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains("Chat:Path", e.Hint);
        Assert.Equal("these are my notes, not a database\n", File.ReadAllText(path));
    }

    [Fact]
    public async Task Concurrent_appends_to_one_session_from_two_stores_lose_no_turns()
    {
        using var dir = new TempDir("chat-concurrent");
        var indexPath = dir.File("index.db");
        OldIndexSessions.Add(indexPath, OldIndexSessions.Other);
        var chatPath = dir.File("chat.db");
        // Two stores are two processes' views of the file: each append opens its own connection.
        ChatHistoryStore[] stores = [new(chatPath, indexPath), new(chatPath, indexPath)];
        const int writers = 4, turns = 25;
        using var start = new Barrier(writers);

        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(() =>
        {
            var store = stores[w % 2];
            start.SignalAndWait();
            for (var i = 0; i < turns; i++)
            {
                var now = DateTimeOffset.UtcNow;
                store.Append("shared", ChatTurns.User($"question {w}.{i}", $"question {w}.{i}", now), ChatTurns.Assistant($"answer {w}.{i}", [], now));
            }
        })));

        var history = new ChatHistoryStore(chatPath, indexPath).Load("shared");
        Assert.Equal(writers * turns * 2, history.Count);
        // Each append's two messages stay together, and each writer's appends keep their order.
        for (var k = 0; k < history.Count; k += 2)
        {
            Assert.Equal(ChatRole.User, history[k].Role);
            Assert.Equal(history[k].Text.Replace("question", "answer"), history[k + 1].Text);
        }
        for (var w = 0; w < writers; w++)
            Assert.Equal(Enumerable.Range(0, turns).Select(i => $"question {w}.{i}"), history.Where(m => m.Text.StartsWith($"question {w}.")).Select(m => m.Text));
        // The old sessions were taken over once, although every writer opened the new file at the same time.
        Assert.Equal(OldIndexSessions.Other.Select(r => r.Text), stores[1].Load("other").Select(m => m.Text));
    }

    private static List<string> SqliteTables(string path)
    {
        using var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table'";
        using var r = cmd.ExecuteReader();
        var names = new List<string>();
        while (r.Read()) names.Add(r.GetString(0));
        return names;
    }
}

/// <summary>Sessions written into an index file the way earlier versions kept them there.</summary>
internal static class OldIndexSessions
{
    public sealed record Row(string Session, int Seq, string Role, string Text, string? Standalone, string[] Cited);

    public static readonly Row[] Work =
    [
        new("work", 1, "user", "How does VoiceLab transcribe customer calls?", "How does VoiceLab transcribe customer calls?", []),
        new("work", 2, "assistant", "A conformer acoustic model transcribes each call recording [1].", null, [LlmCorpus.VoiceLab]),
        new("work", 3, "user", "what about drafting replies?", "what about drafting replies? (following up on: How does VoiceLab transcribe customer calls?)", []),
        new("work", 4, "assistant", "Transcripts reach agents in 2 seconds [1], and a language model drafts replies [2].", null, [LlmCorpus.VoiceLab, LlmCorpus.HelpDesk]),
    ];

    public static readonly Row[] Other =
    [
        new("other", 1, "user", "How does PayFast catch fraud rings?", "How does PayFast catch fraud rings?", []),
        new("other", 2, "assistant", "A graph neural network scores each account [1].", null, [LlmCorpus.PayFast]),
    ];

    public static DateTimeOffset At(int seq) => new DateTimeOffset(2025, 3, 4, 5, 6, 0, TimeSpan.Zero).AddMinutes(seq);

    public static void Add(string indexPath, IEnumerable<Row> rows)
    {
        using var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = indexPath, Pooling = false }.ToString());
        c.Open();
        using var tx = c.BeginTransaction();
        using var create = c.CreateCommand();
        create.Transaction = tx;
        create.CommandText = $"CREATE TABLE IF NOT EXISTS {IndexFileSessions.Table} (session TEXT NOT NULL, seq INTEGER NOT NULL, role TEXT NOT NULL, text TEXT NOT NULL, standalone TEXT, cited TEXT NOT NULL, at TEXT NOT NULL)";
        create.ExecuteNonQuery();
        foreach (var r in rows)
        {
            using var insert = c.CreateCommand();
            insert.Transaction = tx;
            insert.CommandText = $"INSERT INTO {IndexFileSessions.Table} VALUES ($s, $q, $r, $t, $st, $c, $a)";
            insert.Parameters.AddWithValue("$s", r.Session);
            insert.Parameters.AddWithValue("$q", r.Seq);
            insert.Parameters.AddWithValue("$r", r.Role);
            insert.Parameters.AddWithValue("$t", r.Text);
            insert.Parameters.AddWithValue("$st", (object?)r.Standalone ?? DBNull.Value);
            insert.Parameters.AddWithValue("$c", System.Text.Json.JsonSerializer.Serialize(r.Cited));
            insert.Parameters.AddWithValue("$a", At(r.Seq).UtcDateTime.ToString("O")); // as DateTime.ToString("O") wrote it
            insert.ExecuteNonQuery();
        }
        tx.Commit();
    }
}

/// <summary>Chat over the Qdrant store, through the contract emulator.</summary>
public sealed class QdrantChatTests : QdrantEmulatorTestBase
{
    [EmulatorFact]
    public async Task Chat_over_the_Qdrant_store_needs_no_embedded_index_file()
    {
        var emulator = StartEmulator();
        var corpus = SmallCorpus();
        var indexPath = Dir.File("unused/index.db");
        Conversation Open(ServiceProvider sp) => new(sp.GetRequiredService<Assistant>(), sp.GetRequiredService<IQuestionRewriter>(),
            sp.GetRequiredService<IFollowUpSuggester>(), sp.GetRequiredService<ChatHistoryStore>(), "qdrant");

        await using (var sp = Build(Options(emulator.Url)))
        {
            await Ingest(sp, corpus);
            var chat = Open(sp);
            var first = await chat.AskAsync("How do they detect fraud rings of linked accounts?");
            Assert.Equal("fraud-graph", first.Retrieved[0].DocId);
            await chat.AskAsync("and what about their results?");
        }

        await using var again = Build(Options(emulator.Url));
        var resumed = Open(again);
        Assert.Equal(4, resumed.History.Count);
        Assert.Equal("and what about their results? (following up on: How do they detect fraud rings of linked accounts?)", ChatTurns.Standalone(resumed.History[2]));
        Assert.True(File.Exists(Dir.File("unused/chat.db")));
        Assert.False(File.Exists(indexPath));
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
