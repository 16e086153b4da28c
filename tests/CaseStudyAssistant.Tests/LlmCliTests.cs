using System.Text.Json;
using Xunit.Abstractions;

namespace CaseStudyAssistant.Tests;

/// <summary><c>csa ask --llm compatible</c> against the fake server, as a user runs it.</summary>
public sealed class LlmCliTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly TempDir _dir = new("llm-cli");
    private FakeOpenAIServer _server = null!;
    private string IndexPath => _dir.File("state/index.db");

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

    private CliResult Run(IDictionary<string, string>? env, params string[] args)
    {
        var result = Cli.Run(_dir.Path, env, args);
        output.WriteLine($"$ csa {string.Join(' ', args)}\n{result}");
        return result;
    }

    private string[] Ask(string model = "m", params string[] extra) =>
        ["ask", LlmAnswerTests.VoiceLabQuestion, "--llm", "compatible", "--llm-endpoint", _server.V1, "--chat-model", model, "--index", IndexPath, .. extra];

    private static void AssertNoStackTrace(CliResult r)
    {
        Assert.DoesNotContain("   at ", r.Stderr);
        Assert.DoesNotContain("Exception", r.Stderr);
        Assert.DoesNotContain("   at ", r.Stdout);
    }

    private static string Line(string text, string prefix) =>
        text.Split('\n').Select(l => l.TrimEnd('\r')).FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal))
        ?? throw new Xunit.Sdk.XunitException($"no line starting with '{prefix}' in:\n{text}");

    [Fact]
    public void Streamed_answer_is_printed_with_its_sources()
    {
        _server.Enqueue(FakeReply.Stream("Word error rate fell ", "from 18% to 9% [1]."));

        var r = Run(new Dictionary<string, string> { ["CSA_LLM_API_KEY"] = "sk-cli-test" }, Ask());

        Assert.Equal(0, r.ExitCode);
        Assert.Contains("Word error rate fell from 18% to 9% [1].", r.Stdout);
        Assert.Contains("Sources:", r.Stdout);
        Assert.Contains($"[1] {LlmCorpus.Title(LlmCorpus.VoiceLab)} — VoiceLab, 2022 — https://example.com/{LlmCorpus.VoiceLab}", r.Stdout);
        Assert.DoesNotContain("[2]", r.Stdout);
        var request = _server.ChatRequests.Single();
        Assert.Equal("m", request.Model);
        Assert.True(request.Stream);
        Assert.Equal("Bearer sk-cli-test", request.Header("Authorization"));
        AssertNoStackTrace(r);
    }

    [Fact]
    public void Streamed_text_agrees_with_the_checked_answer_an_invented_citation_never_shows()
    {
        // The invented citation and the uncited sentences arrive split across chunks, mid-token.
        _server.Enqueue(FakeReply.Stream("Word error rate fell from 18% to 9% [1]. Agents saved 6 minutes per call [", "7]. PWN", "ED. Netflix also uses quantum annealing."));

        var r = Run(null, Ask());

        Assert.Equal(0, r.ExitCode);
        var answer = r.Stdout[..r.Stdout.IndexOf("Sources:", StringComparison.Ordinal)].Trim();
        Assert.Equal("Word error rate fell from 18% to 9% [1].", answer);
        Assert.DoesNotContain("[7]", r.Stdout);
        Assert.DoesNotContain("PWNED", r.Stdout);
        Assert.Contains("note: left out, no supporting citation: \"Netflix also uses quantum annealing.\"", r.Stderr);
        AssertNoStackTrace(r);
    }

    [Fact]
    public void Keep_unsupported_shows_the_sentences_marked()
    {
        _server.Enqueue(FakeReply.Stream("Word error rate fell from 18% to 9% [1]. Netflix also uses ", "quantum annealing."));

        var r = Run(null, Ask("m", "--keep-unsupported"));

        Assert.Equal(0, r.ExitCode);
        Assert.Contains("Word error rate fell from 18% to 9% [1]. Netflix also uses quantum annealing. [unsupported]", r.Stdout);
        Assert.Contains("note: marked, no supporting citation", r.Stderr);
    }

    [Fact]
    public void Research_mode_without_a_model_exits_2_with_one_error_line_and_a_hint()
    {
        var r = Run(null, "ask", "Compare how RideCo and PayFast use machine learning", "--mode", "research", "--index", IndexPath);

        Assert.Equal(2, r.ExitCode);
        Assert.Equal("research mode needs a language model, and none is configured", Line(r.Stderr, "error: ")["error: ".Length..]);
        Assert.Contains("--llm", Line(r.Stderr, "hint: "));
        Assert.Equal("", r.Stdout.Trim());
        AssertNoStackTrace(r);
    }

    [Fact]
    public void Json_answer_names_the_model_and_prompts()
    {
        _server.Enqueue(FakeReply.Text("Word error rate fell from 18% to 9% [1][7]."));

        var r = Run(null, Ask("m", "--json"));

        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Stdout);
        var root = doc.RootElement;
        Assert.Equal("llm", root.GetProperty("mode").GetString());
        Assert.Equal("m", root.GetProperty("model").GetString());
        Assert.Equal("Word error rate fell from 18% to 9% [1].", root.GetProperty("answer").GetString());
        Assert.Equal(["[7]"], root.GetProperty("removedCitations").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(LlmCorpus.VoiceLab, root.GetProperty("citations").EnumerateArray().Single().GetProperty("docId").GetString());
        Assert.Equal(["answer.system", "answer.user"], root.GetProperty("prompts").EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        Assert.False(_server.ChatRequests.Single().Stream);
    }

    [Fact]
    public void Failing_model_shows_the_extractive_answer_and_a_note()
    {
        _server.Enqueue(FakeReply.Error(500), FakeReply.Error(500));

        var r = Run(new Dictionary<string, string> { ["CSA_LLM__MAXRETRIES"] = "0" }, Ask());

        Assert.Equal(0, r.ExitCode);
        Assert.Single(_server.ChatRequests); // MaxRetries = 0: one attempt, no retry
        Assert.Contains("note: The language model failed", r.Stderr);
        Assert.Contains("18% to 9%", r.Stdout);
        Assert.Contains("Sources:", r.Stdout);
        AssertNoStackTrace(r);
    }

    [Fact]
    public void Rejected_key_exits_2_with_an_error_and_a_hint_about_the_key()
    {
        _server.Enqueue(FakeReply.Error(401, "Incorrect API key provided"));

        var r = Run(null, Ask());

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("API key", Line(r.Stderr, "error: "));
        Assert.Contains("CSA_LLM_API_KEY", Line(r.Stderr, "hint: "));
        Assert.Single(_server.ChatRequests);
        AssertNoStackTrace(r);
    }

    [Fact]
    public void Unknown_model_exits_2_with_a_hint_about_the_chat_model_flag()
    {
        _server.Enqueue(FakeReply.Error(404, "The model `no-such-model` does not exist"));

        var r = Run(null, Ask("no-such-model"));

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("no-such-model", Line(r.Stderr, "error: "));
        Assert.Contains("--chat-model", Line(r.Stderr, "hint: "));
        AssertNoStackTrace(r);
    }

    [Fact]
    public async Task OpenAI_without_a_key_exits_2_with_a_hint_naming_OPENAI_API_KEY()
    {
        var psi = Cli.StartInfo(_dir.Path, null, "ask", LlmAnswerTests.VoiceLabQuestion, "--llm", "openai", "--index", IndexPath);
        foreach (var key in new[] { "OPENAI_API_KEY", "AZURE_OPENAI_API_KEY", "CSA_LLM_API_KEY" }) psi.Environment.Remove(key);
        using var p = System.Diagnostics.Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await p.WaitForExitAsync(timeout.Token);
        var r = new CliResult(p.ExitCode, await stdout, await stderr);
        output.WriteLine(r.ToString());

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("no API key", Line(r.Stderr, "error: "));
        Assert.Contains("OPENAI_API_KEY", Line(r.Stderr, "hint: "));
        Assert.Equal("", r.Stdout.Trim());
        AssertNoStackTrace(r);
    }
}
