using System.Diagnostics;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace CaseStudyAssistant.Tests;

/// <summary><c>csa practice</c> over the practice corpus (ingested into a temp index), run as a user runs it.</summary>
public sealed class PracticeCliTests(PracticeIndexFixture fx, ITestOutputHelper output) : IClassFixture<PracticeIndexFixture>
{
    private CliResult Run(params string[] args)
    {
        string[] all = ["practice", "--index", fx.IndexPath, .. args];
        var result = Cli.Run(fx.Dir.Path, null, all);
        output.WriteLine($"$ csa {string.Join(' ', all)}\n{result}");
        return result;
    }

    private static void AssertNoStackTrace(CliResult r)
    {
        Assert.DoesNotContain("   at ", r.Stderr);
        Assert.DoesNotContain("Exception", r.Stderr);
        Assert.DoesNotContain("   at ", r.Stdout);
    }

    private static JsonArray Items(CliResult r) => JsonNode.Parse(r.Stdout)!["items"]!.AsArray();

    private static string DocId(JsonNode item) => item["citations"]![0]!["docId"]!.GetValue<string>();

    [Fact]
    public void Json_output_with_the_same_seed_is_identical()
    {
        var a = Run("--count", "2", "--seed", "5", "--format", "json");
        var b = Run("--count", "2", "--seed", "5", "--format", "json");

        Assert.Equal(0, a.ExitCode);
        Assert.Equal(0, b.ExitCode);
        Assert.Equal(a.Stdout, b.Stdout);
        var root = JsonNode.Parse(a.Stdout)!;
        Assert.Equal(5, root["seed"]!.GetValue<int>());
        Assert.Equal("offline", root["generator"]!.GetValue<string>());
        var items = root["items"]!.AsArray();
        Assert.Equal(2, items.Count);
        Assert.All(items, i =>
        {
            Assert.Equal(["prompt", "followUps", "strongAnswerCovers", "difficulty", "citations"], i!.AsObject().Select(p => p.Key));
            Assert.Equal("senior", i["difficulty"]!.GetValue<string>());
            Assert.Equal(3, i["followUps"]!.AsArray().Count);
            var c = i["citations"]![0]!.AsObject();
            Assert.Equal(["docId", "title", "company", "year", "url"], c.Select(p => p.Key));
            Assert.Equal(PracticeCorpus.Get(c["docId"]!.GetValue<string>()).Url, c["url"]!.GetValue<string>());
        });
        Assert.NotEqual(DocId(items[0]!), DocId(items[1]!));
        // JSON output stays clean: no seed notice, nothing else on stdout.
        Assert.DoesNotContain("seed", a.Stderr);

        var other = Run("--count", "2", "--seed", "6", "--format", "json");
        Assert.Equal(0, other.ExitCode);
        Assert.NotEqual(a.Stdout, other.Stdout);
    }

    [Fact]
    public void Filters_and_difficulty_flags_reach_the_generator()
    {
        var company = Run("--company", "Acme", "--count", "2", "--seed", "1", "--format", "json");
        Assert.Equal(0, company.ExitCode);
        Assert.Equal([PracticeCorpus.AcmePacing, PracticeCorpus.AcmeFeed], Items(company).Select(i => DocId(i!)).Order());

        var filtered = Run("--category", "forecast", "--tag", "real-time", "--year-from", "2021", "--year-to", "2022",
            "--difficulty", "junior", "--count", "1", "--seed", "3", "--format", "json");
        Assert.Equal(0, filtered.ExitCode);
        var item = Assert.Single(Items(filtered))!;
        Assert.Equal(PracticeCorpus.WayneEta, DocId(item));
        Assert.Equal("junior", item["difficulty"]!.GetValue<string>());
        Assert.Equal(2, item["followUps"]!.AsArray().Count);

        var topic = Run("--topic", "fraud", "--difficulty", "staff", "--count", "2", "--seed", "9", "--format", "json");
        Assert.Equal(0, topic.ExitCode);
        Assert.All(Items(topic), i =>
        {
            Assert.Contains("fraud", PracticeCorpus.Get(DocId(i!)).Text, StringComparison.OrdinalIgnoreCase);
            Assert.Equal(4, i!["followUps"]!.AsArray().Count);
        });
    }

    [Fact]
    public void More_items_than_matching_studies_prints_fewer_and_a_note()
    {
        var r = Run("--company", "Acme", "--count", "5", "--seed", "1");

        Assert.Equal(0, r.ExitCode);
        Assert.Contains("note: only 2 studies match the filters; asked for 5", r.Stderr);
        Assert.Contains("Question 1 (senior)", r.Stdout);
        Assert.Contains("Question 2 (senior)", r.Stdout);
        Assert.DoesNotContain("Question 3", r.Stdout);
    }

    [Fact]
    public void Text_output_without_a_seed_says_which_seed_to_reuse()
    {
        var r = Run("--count", "1");

        Assert.Equal(0, r.ExitCode);
        var line = r.Stderr.Split('\n').Single(l => l.StartsWith("seed "));
        var seed = line.Split(' ')[1];
        Assert.Contains($"pass --seed {seed} to get the same questions again", line);
        Assert.Contains("Question 1 (senior)", r.Stdout);
        Assert.Contains("Follow-ups:", r.Stdout);
        Assert.Contains("A strong answer covers:", r.Stdout);
        Assert.Contains("Source:", r.Stdout);

        var again = Run("--count", "1", "--seed", seed);
        Assert.Equal(r.Stdout, again.Stdout);
    }

    [Fact]
    public void Markdown_format_prints_the_interviewer_sheet()
    {
        var r = Run("--count", "2", "--seed", "3", "--format", "markdown", "--difficulty", "staff");

        Assert.Equal(0, r.ExitCode);
        var lines = r.Stdout.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        Assert.StartsWith("# ", lines[0]);
        var headings = lines.Where(l => l.StartsWith("## ")).ToList();
        Assert.Equal(2, headings.Count);
        Assert.All(headings, h => Assert.EndsWith("(staff)", h));
        Assert.Equal(8, lines.Count(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^1\. .+\?$")));
        Assert.Contains(lines, l => l.StartsWith("- [ ] Key decision: "));
        Assert.Contains(lines, l => l.StartsWith("- [ ] Result to compare against: "));
        Assert.Equal(2, lines.Count(l => l.StartsWith("- ") && l.EndsWith(">") && l.Contains("<https://example.com/practice/")));
    }

    [Fact]
    public void Count_out_of_range_exits_2_with_an_error()
    {
        foreach (var count in new[] { "0", "21", "-1" })
        {
            var r = Run("--count", count, "--seed", "1");
            Assert.Equal(2, r.ExitCode);
            Assert.Contains("error:", r.Stderr);
            Assert.Contains("count must be between 1 and 20", r.Stderr); // the API's words too
            Assert.Equal("", r.Stdout.Trim());
            AssertNoStackTrace(r);
        }
    }

    [Fact]
    public void Company_without_studies_exits_2_with_a_hint()
    {
        var r = Run("--company", "Nobody Inc", "--count", "2", "--seed", "1");

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("error: no study matches company=Nobody Inc", r.Stderr);
        Assert.Contains("hint:", r.Stderr);
        Assert.Contains("csa studies", r.Stderr);
        Assert.Equal("", r.Stdout.Trim());
        AssertNoStackTrace(r);
    }

    [Fact]
    public void Topic_without_studies_exits_2_with_a_hint()
    {
        var r = Run("--topic", "zzqx quuxwidget", "--count", "2", "--seed", "1");

        Assert.Equal(2, r.ExitCode);
        AssertNoStackTrace(r);
        var error = r.Stderr.Split('\n').Single(l => l.StartsWith("error: "));
        Assert.Contains("'zzqx quuxwidget'", error);
        Assert.Contains("hint:", r.Stderr);
        Assert.Equal("", r.Stdout.Trim());
    }

    [Fact]
    public void Topic_without_studies_error_reads_well()
    {
        var r = Run("--topic", "zzqx quuxwidget", "--count", "2", "--seed", "1");

        var error = r.Stderr.Split('\n').Single(l => l.StartsWith("error: "));
        Assert.DoesNotContain("matches and", error);
        Assert.Contains("'zzqx quuxwidget'", error);
    }

    [Fact]
    public void Bad_difficulty_or_format_is_rejected()
    {
        var difficulty = Run("--difficulty", "principal");
        Assert.NotEqual(0, difficulty.ExitCode);
        Assert.Contains("principal", difficulty.Stderr);

        var format = Run("--format", "yaml");
        Assert.NotEqual(0, format.ExitCode);
        Assert.Contains("yaml", format.Stderr);
    }

    [Fact]
    public void Interactive_mock_interview_reads_answers_from_stdin()
    {
        // Which question seed 1 asks, so the scripted answer can cover one of its decisions.
        var plan = Run("--count", "1", "--seed", "1", "--format", "json");
        Assert.Equal(0, plan.ExitCode);
        var item = Assert.Single(Items(plan))!;
        var study = PracticeCorpus.Get(DocId(item));
        var covers = item["strongAnswerCovers"]!.AsArray().Select(p => p!.GetValue<string>()).ToList();
        var probes = item["followUps"]!.AsArray().Select(p => p!.GetValue<string>()).ToList();
        var decision = study.Decisions[0];
        Assert.Contains($"Key decision: {decision}", covers);

        var psi = Cli.StartInfo(fx.Dir.Path, null, "practice", "--index", fx.IndexPath, "--interactive", "--count", "1", "--seed", "1");
        psi.RedirectStandardInput = true;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.StandardInput.Write($"In my design I would {decision.ToLowerInvariant()}\nand measure it carefully.\n\nI would watch the metrics closely.\n/done\n/quit\n");
        p.StandardInput.Close();
        if (!p.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail("csa practice --interactive did not finish in 60 s");
        }
        p.WaitForExit();
        var result = new CliResult(p.ExitCode, stdout.Result, stderr.Result);
        output.WriteLine(result.ToString());

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Mock interview.", result.Stdout);
        Assert.Contains("Question 1 of 1 (senior):", result.Stdout);
        Assert.Contains(item["prompt"]!.GetValue<string>(), result.Stdout);
        Assert.Contains("Covered:", result.Stdout);
        Assert.Contains($"  ✓ Key decision: {decision} [1]", result.Stdout);
        Assert.Contains("Not yet covered:", result.Stdout);
        Assert.Contains($"Follow-up: {probes[0]}", result.Stdout);
        Assert.Contains($"Follow-up: {probes[1]}", result.Stdout);
        Assert.DoesNotContain($"Follow-up: {probes[2]}", result.Stdout);
        Assert.Matches($@"You covered [1-9]\d* of {covers.Count} points of the study's design \[1\]\.", result.Stdout);
        Assert.Contains($"[1] {study.Title} — {study.Company}, {study.Year} — {study.Url}", result.Stdout);
        Assert.Matches($@"Interview over: [1-9]\d* of {covers.Count} rubric points covered\.", result.Stdout);
        AssertNoStackTrace(result);
    }
}
