using System.Diagnostics;
using System.Text.Json;
using CaseStudyAssistant.Chat;
using Microsoft.Extensions.AI;
using Xunit.Abstractions;

namespace CaseStudyAssistant.Tests;

/// <summary>The built CLI, run with <c>dotnet csa.dll</c> in a temp working folder, as a user runs it.</summary>
public sealed class CliTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _dir = new("cli");

    public void Dispose() => _dir.Dispose();

    private string IndexPath => _dir.File("state/index.db");

    private string WriteCorpus()
    {
        _dir.Write("corpus/rec/feed.md", StudyFile.Markdown("acme-feed-ranking", "Ranking the Acme home feed", "Acme",
            [("Problem", "The home feed ranked posts by recency only."), ("Approach", "A two-tower model retrieves posts and a ranking model orders the home feed by predicted engagement.")],
            2023, "Social", "rec", ["ranking", "feed"], "https://acme.example/feed"));
        _dir.Write("corpus/rec/ads.md", StudyFile.Markdown("acme-ads-pacing", "Pacing Acme ad budgets", "Acme",
            [("Problem", "Advertisers spent their daily budgets by noon."), ("Approach", "A feedback controller paces ad budget spend across the day.")],
            2022, "Social", "ads", ["ads", "pacing"], "https://acme.example/ads"));
        _dir.Write("corpus/fraud/rings.md", StudyFile.Markdown("globex-fraud-rings", "Catching fraud rings at Globex", "Globex",
            [("Problem", "Fraud rings of linked accounts laundered stolen card payments."), ("Approach", "A graph neural network scores accounts from the transaction graph and blocks risky payments.")],
            2021, "Fintech", "fraud", ["graph", "fraud"], "https://globex.example/rings"));
        return _dir.File("corpus");
    }

    private CliResult Run(params string[] args) => Run(null, args);

    private CliResult Run(IDictionary<string, string>? env, params string[] args)
    {
        var result = Cli.Run(_dir.Path, env, args);
        output.WriteLine($"$ csa {string.Join(' ', args)}\n{result}");
        return result;
    }

    private void Ingest() => Assert.Equal(0, Run("ingest", "--corpus", WriteCorpus(), "--index", IndexPath).ExitCode);

    private static void AssertNoStackTrace(CliResult r)
    {
        Assert.DoesNotContain("   at ", r.Stderr);
        Assert.DoesNotContain("Exception", r.Stderr);
        Assert.DoesNotContain("   at ", r.Stdout);
    }

    [Fact]
    public void Ingest_prints_the_summary_and_exits_0()
    {
        var corpus = WriteCorpus();

        var r = Run("ingest", "--corpus", corpus, "--index", IndexPath);

        Assert.Equal(0, r.ExitCode);
        Assert.Contains("3 added, 0 updated, 0 unchanged, 0 removed, 0 rejected", r.Stdout);
        Assert.Contains(Path.GetFullPath(IndexPath), r.Stdout);
        Assert.DoesNotContain("rejected:", r.Stderr);
        Assert.True(File.Exists(IndexPath));

        var again = Run("ingest", "--corpus", corpus, "--index", IndexPath);
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("0 added, 0 updated, 3 unchanged, 0 removed, 0 rejected", again.Stdout);
    }

    [Fact]
    public void Ingest_takes_the_index_path_from_CSA_INDEX__PATH()
    {
        var corpus = WriteCorpus();

        var r = Run(new Dictionary<string, string> { ["CSA_INDEX__PATH"] = IndexPath }, "ingest", "--corpus", corpus);

        Assert.Equal(0, r.ExitCode);
        Assert.True(File.Exists(IndexPath));
        Assert.False(File.Exists(_dir.File(".csa/index.db")));
    }

    [Fact]
    public void Ingest_with_a_bad_file_exits_1_and_names_it_on_stderr()
    {
        var corpus = WriteCorpus();
        var bad = _dir.Write("corpus/rec/broken.md", "---\nid: broken\ntitle: Broken\ncompany: Acme\nyear: twenty\n---\n\n## Problem\nText.\n");

        var r = Run("ingest", "--corpus", corpus, "--index", IndexPath);

        Assert.Equal(1, r.ExitCode);
        var line = Assert.Single(r.Stderr.Split('\n'), l => l.StartsWith("rejected: "));
        Assert.StartsWith($"rejected: {bad}: ", line);
        Assert.Contains("year", line);
        Assert.Contains("3 added", r.Stdout);
        Assert.Contains("1 rejected", r.Stdout);
        AssertNoStackTrace(r);
    }

    [Fact]
    public void Ingest_of_a_missing_folder_exits_2_with_error_and_hint()
    {
        var r = Run("ingest", "--corpus", _dir.File("nope"), "--index", IndexPath);

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("error: ", r.Stderr);
        Assert.Contains("hint: ", r.Stderr);
        Assert.Contains(_dir.File("nope"), r.Stderr);
        AssertNoStackTrace(r);
    }

    [Fact]
    public void Ask_json_prints_one_valid_object_with_the_documented_keys()
    {
        Ingest();

        var r = Run("ask", "How do they catch fraud rings of linked accounts?", "--json", "--index", IndexPath);

        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Stdout);
        var root = doc.RootElement;
        Assert.Equal("How do they catch fraud rings of linked accounts?", root.GetProperty("question").GetString());
        Assert.Equal(JsonValueKind.String, root.GetProperty("answer").ValueKind);
        Assert.False(root.GetProperty("refused").GetBoolean());
        Assert.Equal("extractive", root.GetProperty("mode").GetString());

        var citations = root.GetProperty("citations").EnumerateArray().ToList();
        Assert.NotEmpty(citations);
        var first = citations[0];
        Assert.Equal(1, first.GetProperty("n").GetInt32());
        Assert.Equal("globex-fraud-rings", first.GetProperty("docId").GetString());
        Assert.Equal("Catching fraud rings at Globex", first.GetProperty("title").GetString());
        Assert.Equal("Globex", first.GetProperty("company").GetString());
        Assert.Equal(2021, first.GetProperty("year").GetInt32());
        Assert.Equal("https://globex.example/rings", first.GetProperty("url").GetString());

        var retrieved = root.GetProperty("retrieved").EnumerateArray().ToList();
        Assert.NotEmpty(retrieved);
        foreach (var hit in retrieved)
        {
            Assert.Equal(JsonValueKind.String, hit.GetProperty("docId").ValueKind);
            Assert.StartsWith(hit.GetProperty("docId").GetString() + "#", hit.GetProperty("chunkId").GetString());
            Assert.Equal(JsonValueKind.String, hit.GetProperty("heading").ValueKind);
            Assert.True(hit.GetProperty("score").GetDouble() > 0);
        }
        var retrievedDocs = retrieved.Select(h => h.GetProperty("docId").GetString()).ToHashSet();
        Assert.All(citations, c => Assert.Contains(c.GetProperty("docId").GetString(), retrievedDocs));
        Assert.Contains("[1]", root.GetProperty("answer").GetString());

        var timings = root.GetProperty("timingsMs");
        Assert.Equal(JsonValueKind.Object, timings.ValueKind);
        Assert.True(timings.GetProperty("total").GetDouble() >= 0);
    }

    [Fact]
    public void Ask_json_for_an_off_topic_question_is_a_refusal()
    {
        Ingest();

        var r = Run("ask", "What is the best recipe for sourdough bread with a cast iron pan?", "--json", "--index", IndexPath);

        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Stdout);
        Assert.True(doc.RootElement.GetProperty("refused").GetBoolean());
        Assert.Empty(doc.RootElement.GetProperty("citations").EnumerateArray());
    }

    [Fact]
    public void Ask_explain_shows_the_ranking_table()
    {
        Ingest();

        var r = Run("ask", "How do they catch fraud rings of linked accounts?", "--explain", "--index", IndexPath);

        Assert.Equal(0, r.ExitCode);
        Assert.Contains("Sources:", r.Stdout);
        Assert.Contains("[1] Catching fraud rings at Globex — Globex, 2021 — https://globex.example/rings", r.Stdout);
        Assert.Contains("sparse", r.Stdout);
        Assert.Contains("dense", r.Stdout);
        Assert.Contains("globex-fraud-rings#", r.Stdout);
    }

    [Fact]
    public void Studies_with_company_filter_lists_only_that_company()
    {
        Ingest();

        var json = Run("studies", "--company", "Acme", "--json", "--index", IndexPath);
        Assert.Equal(0, json.ExitCode);
        using var doc = JsonDocument.Parse(json.Stdout);
        var studies = doc.RootElement.EnumerateArray().ToList();
        Assert.Equal(["acme-ads-pacing", "acme-feed-ranking"], studies.Select(s => s.GetProperty("id").GetString()).Order());
        Assert.All(studies, s => Assert.Equal("Acme", s.GetProperty("company").GetString()));

        var text = Run("studies", "--company", "Acme", "--index", IndexPath);
        Assert.Equal(0, text.ExitCode);
        Assert.Contains("acme-feed-ranking", text.Stdout);
        Assert.Contains("acme-ads-pacing", text.Stdout);
        Assert.DoesNotContain("globex", text.Stdout, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("2 studies", text.Stdout);
    }

    [Fact]
    public void Show_prints_the_study()
    {
        Ingest();

        var r = Run("show", "globex-fraud-rings", "--index", IndexPath);

        Assert.Equal(0, r.ExitCode);
        Assert.Contains("# Catching fraud rings at Globex", r.Stdout);
        Assert.Contains("Globex · 2021", r.Stdout);
        Assert.Contains("source: https://globex.example/rings", r.Stdout);
        Assert.Contains("## Approach", r.Stdout);
        Assert.Contains("A graph neural network scores accounts from the transaction graph and blocks risky payments.", r.Stdout);
    }

    [Fact]
    public void Show_of_a_missing_id_exits_2_with_error_and_hint_and_no_stack_trace()
    {
        Ingest();

        var r = Run("show", "no-such-study", "--index", IndexPath);

        Assert.Equal(2, r.ExitCode);
        var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains(lines, l => l.StartsWith("error: ") && l.Contains("no-such-study"));
        Assert.Contains(lines, l => l.StartsWith("hint: "));
        Assert.Equal("", r.Stdout.Trim());
        AssertNoStackTrace(r);
    }

    [Fact]
    public void Ask_on_an_empty_index_ingests_the_project_corpus_first_and_says_so()
    {
        var index = _dir.File("fresh/index.db");

        var r = Cli.Run(Repo.Root, (IDictionary<string, string>?)null, "ask", "How do teams detect training-serving skew in their features?", "--json", "--index", index);
        output.WriteLine(r.ToString());

        Assert.Equal(0, r.ExitCode);
        Assert.Contains("is empty", r.Stderr);
        Assert.Contains(Path.Combine(Repo.Root, "corpus"), r.Stderr);
        Assert.Contains("Ingested", r.Stderr);
        Assert.True(File.Exists(index));
        using var doc = JsonDocument.Parse(r.Stdout); // stdout stays clean JSON
        Assert.NotEmpty(doc.RootElement.GetProperty("retrieved").EnumerateArray());
    }

    [Fact]
    public void Ask_against_an_index_built_with_another_model_exits_2_with_a_rebuild_hint()
    {
        Ingest();

        var r = Run(new Dictionary<string, string> { ["CSA_EMBEDDING__MODEL"] = "snowflake-arctic-embed-xs" }, "ask", "How do they catch fraud rings?", "--index", IndexPath);

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("error: ", r.Stderr);
        var hint = Assert.Single(r.Stderr.Split('\n'), l => l.StartsWith("hint: "));
        Assert.Contains("--rebuild", hint);
        AssertNoStackTrace(r);

        // Rebuilding with the configured model makes the index usable again.
        var rebuild = Run(new Dictionary<string, string> { ["CSA_EMBEDDING__MODEL"] = "snowflake-arctic-embed-xs" }, "ingest", "--corpus", _dir.File("corpus"), "--index", IndexPath, "--rebuild");
        Assert.Equal(0, rebuild.ExitCode);
        Assert.StartsWith("Rebuilt", rebuild.Stdout);
        var ok = Run(new Dictionary<string, string> { ["CSA_EMBEDDING__MODEL"] = "snowflake-arctic-embed-xs" }, "ask", "How do they catch fraud rings?", "--index", IndexPath);
        Assert.Equal(0, ok.ExitCode);
    }

    [Fact]
    public void Ingest_json_prints_the_report_as_one_object()
    {
        var corpus = WriteCorpus();
        var bad = _dir.Write("corpus/empty.md", "");

        var r = Run("ingest", "--corpus", corpus, "--index", IndexPath, "--json");

        Assert.Equal(1, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Stdout);
        var root = doc.RootElement;
        Assert.Equal(3, root.GetProperty("added").GetInt32());
        Assert.Equal(0, root.GetProperty("removed").GetInt32());
        Assert.Equal(6, root.GetProperty("chunks").GetInt32());
        var rejected = Assert.Single(root.GetProperty("rejected").EnumerateArray());
        Assert.Equal(bad, rejected.GetProperty("path").GetString());
        Assert.Contains("empty", rejected.GetProperty("problem").GetString());
    }

    [Fact]
    public void Studies_with_year_from_after_year_to_exits_2_with_a_hint()
    {
        var r = Run("studies", "--year-from", "2025", "--year-to", "2020", "--index", IndexPath);

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("error: ", r.Stderr);
        Assert.Contains("hint: ", r.Stderr);
        AssertNoStackTrace(r);
        Assert.False(File.Exists(IndexPath), "a rejected command must not ingest anything");
    }

    [Fact]
    public void Ask_with_top_out_of_range_exits_2()
    {
        var r = Run("ask", "How are feeds ranked?", "--top", "0", "--index", IndexPath);

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("error: top must be between 1 and 50", r.Stderr); // the same rule and words as POST /api/ask
        AssertNoStackTrace(r);
    }

    [Fact]
    public void An_index_file_that_is_not_a_database_gives_error_and_hint_not_a_stack_trace()
    {
        _dir.Write("state/index.db", "this is not a database, just some text that happens to be here\n");

        var r = Run("studies", "--index", IndexPath);

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("error: ", r.Stderr);
        Assert.Contains("hint: ", r.Stderr);
        AssertNoStackTrace(r);
    }

    [Fact]
    public void Ingest_rebuild_never_replaces_a_file_that_is_not_an_index()
    {
        var corpus = WriteCorpus();
        const string text = "this is not a database, just some text that happens to be here\n";
        _dir.Write("state/index.db", text);

        var r = Run("ingest", "--corpus", corpus, "--index", IndexPath, "--rebuild");

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("is not a csa index", r.Stderr);
        Assert.Contains("hint: ", r.Stderr);
        Assert.DoesNotContain("--rebuild", r.Stderr.Split("hint:")[1]); // the hint no longer suggests the overwrite
        Assert.Equal(text, File.ReadAllText(IndexPath));
        AssertNoStackTrace(r);
    }

    [Fact]
    public void Argument_errors_exit_2_with_one_line_and_a_hint()
    {
        var r = Run("ask", "How are feeds ranked?", "--top", "many", "--index", IndexPath);

        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("error: ", r.Stderr);
        Assert.Contains("hint: csa ask --help", r.Stderr);
        Assert.Equal("", r.Stdout);
        AssertNoStackTrace(r);
    }

    [Fact]
    public void Ask_with_an_empty_question_exits_2_with_a_hint()
    {
        var r = Run("ask", "   ", "--index", IndexPath);

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("error: the question is empty", r.Stderr);
        Assert.Contains("hint: ", r.Stderr);
        AssertNoStackTrace(r);
    }

    [Fact]
    public async Task Two_chat_processes_on_one_session_keep_every_turn_in_the_chat_file_beside_the_index()
    {
        Ingest();
        string[] questions = ["How is the Acme home feed ranked?", "How are ad budgets paced?", "How are fraud rings caught?"];
        async Task<CliResult> ChatAsync(int process)
        {
            var psi = Cli.StartInfo(_dir.Path, null, "chat", "--session", "shared", "--index", IndexPath);
            psi.RedirectStandardInput = true;
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            foreach (var q in questions.Concat(questions)) await p.StandardInput.WriteLineAsync($"{q} ({process})");
            p.StandardInput.Close();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(300));
            await p.WaitForExitAsync(timeout.Token);
            var result = new CliResult(p.ExitCode, await stdout, await stderr);
            output.WriteLine($"$ csa chat --session shared ({process})\n{result}");
            return result;
        }

        var results = await Task.WhenAll(ChatAsync(1), ChatAsync(2));

        Assert.All(results, r => Assert.Equal(0, r.ExitCode));
        Assert.All(results, AssertNoStackTrace);
        Assert.True(File.Exists(_dir.File("state/chat.db")));
        var history = new ChatHistoryStore(_dir.File("state/chat.db"), IndexPath).Load("shared");
        Assert.Equal(24, history.Count);
        Assert.Equal(Enumerable.Range(0, 12).SelectMany(_ => new[] { ChatRole.User, ChatRole.Assistant }), history.Select(m => m.Role));
        var asked = history.Where(m => m.Role == ChatRole.User).Select(m => m.Text).Order().ToList();
        Assert.Equal(new[] { 1, 2 }.SelectMany(p => questions.Concat(questions).Select(q => $"{q} ({p})")).Order().ToList(), asked);
    }
}
