using System.Text.Json;
using System.Xml.Linq;
using Xunit.Abstractions;

namespace CaseStudyAssistant.Tests;

/// <summary><c>csa eval</c> run with <c>dotnet csa.dll</c> in a temp working folder, as CI runs it.</summary>
public sealed class EvalCliTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _dir = new("evalcli");

    public void Dispose() => _dir.Dispose();

    private CliResult Run(params string[] args)
    {
        var result = Cli.Run(_dir.Path, args);
        output.WriteLine($"$ csa {string.Join(' ', args)}\n{result}");
        return result;
    }

    private (string Questions, string Corpus) Setup()
    {
        var corpus = EvalCorpus.Write(_dir);
        var lines = EvalCorpus.OnePerStudy.Select((q, i) => EvalCorpus.Line($"s{i + 1}", q.Question, [q.Id], i % 2 == 0 ? "fact" : "paraphrase"))
            .Append(EvalCorpus.Line("off", EvalCorpus.OffTopic, [], "unanswerable"));
        var questions = _dir.Write("eval/questions.jsonl", string.Join("\n", lines) + "\n");
        return (questions, corpus);
    }

    private static void AssertNoStackTrace(CliResult r)
    {
        Assert.DoesNotContain("   at ", r.Stderr);
        Assert.DoesNotContain("Exception", r.Stderr);
        Assert.DoesNotContain("   at ", r.Stdout);
    }

    [Fact]
    public void Eval_writes_json_junit_and_markdown_and_prints_the_table_with_the_fts5_column()
    {
        var (questions, corpus) = Setup();

        var r = Run("eval", "--questions", questions, "--corpus", corpus, "--json", "out/eval.json", "--junit", "out/eval.xml", "--markdown", "out/eval.md");

        Assert.Equal(0, r.ExitCode);
        var header = Assert.Single(r.Stdout.Split('\n'), l => l.StartsWith("metric"));
        Assert.Contains("overall", header);
        Assert.Contains("fts5", header);
        Assert.Contains(r.Stdout.Split('\n'), l => l.StartsWith("ndcg@10 "));
        Assert.Contains("7 questions, retriever default", r.Stdout);

        // Relative paths land in the working folder.
        using var json = JsonDocument.Parse(File.ReadAllText(_dir.File("out/eval.json")));
        Assert.Equal(7, json.RootElement.GetProperty("n").GetInt32());
        Assert.Equal(1.0, json.RootElement.GetProperty("ndcg@10").GetDouble());
        Assert.Equal(1.0, json.RootElement.GetProperty("refusal_rate").GetDouble());
        Assert.Equal(["fact", "paraphrase", "unanswerable"], json.RootElement.GetProperty("by_type").EnumerateObject().Select(p => p.Name));

        var junit = XDocument.Parse(File.ReadAllText(_dir.File("out/eval.xml")));
        Assert.Equal(7, junit.Descendants("testcase").Count());
        Assert.Equal("csa-eval.questions", junit.Descendants("testsuite").Single().Attribute("name")!.Value);

        var md = File.ReadAllText(_dir.File("out/eval.md"));
        Assert.Contains("### Retrieval evaluation: questions", md);
        Assert.Contains("| ndcg@10 | 1.000 |", md);
    }

    [Fact]
    public void A_gate_that_cannot_be_met_exits_1_and_one_that_is_met_exits_0()
    {
        var (questions, corpus) = Setup();

        var failed = Run("eval", "--questions", questions, "--corpus", corpus, "--min", "ndcg@10=1.01", "--max", "false_refusal_rate=1");

        Assert.Equal(1, failed.ExitCode);
        var gateLine = Assert.Single(failed.Stdout.Split('\n'), l => l.StartsWith("GATE FAILED"));
        Assert.Contains("ndcg@10", gateLine);
        AssertNoStackTrace(failed);

        var passed = Run("eval", "--questions", questions, "--corpus", corpus, "--min", "ndcg@10=0.5", "--max", "false_refusal_rate=1");

        Assert.Equal(0, passed.ExitCode);
        Assert.DoesNotContain("GATE FAILED", passed.Stdout);
        Assert.Contains("All 2 gate(s) passed.", passed.Stdout);
    }

    [Fact]
    public void A_malformed_questions_file_exits_2_naming_the_line()
    {
        var (questions, corpus) = Setup();
        var lines = File.ReadAllLines(questions).ToList();
        lines.Insert(2, """{"id":"bad","question":"How?","relevant":["churn-telecom"],"type":"trivia"}""");
        File.WriteAllLines(questions, lines);

        var r = Run("eval", "--questions", questions, "--corpus", corpus);

        Assert.Equal(2, r.ExitCode);
        var error = Assert.Single(r.Stderr.Split('\n'), l => l.StartsWith("error: "));
        Assert.Contains($"{questions}:3:", error);
        Assert.Contains("'type'", error);
        Assert.Contains(r.Stderr.Split('\n'), l => l.StartsWith("hint: "));
        AssertNoStackTrace(r);
    }

    [Fact]
    public void An_unknown_gate_metric_exits_2_with_an_error()
    {
        var (questions, corpus) = Setup();

        var r = Run("eval", "--questions", questions, "--corpus", corpus, "--min", "precision=0.9");

        Assert.Equal(2, r.ExitCode);
        Assert.Contains(r.Stderr.Split('\n'), l => l.StartsWith("error: ") && l.Contains("unknown metric 'precision'"));
        AssertNoStackTrace(r);
    }

    [Fact]
    public void Baseline_against_an_identical_earlier_run_lists_no_regressions()
    {
        var (questions, corpus) = Setup();
        Assert.Equal(0, Run("eval", "--questions", questions, "--corpus", corpus, "--json", "first.json").ExitCode);

        var r = Run("eval", "--questions", questions, "--corpus", corpus, "--baseline", "first.json");

        Assert.Equal(0, r.ExitCode);
        Assert.Contains("Compared with the baseline report:", r.Stdout);
        Assert.Contains("Regressions (0):", r.Stdout);
        Assert.Contains("Improvements (0):", r.Stdout);
    }

    [Fact]
    public void The_console_table_columns_line_up_under_their_headers()
    {
        var (questions, corpus) = Setup();

        var r = Run("eval", "--questions", questions, "--corpus", corpus);

        Assert.Equal(0, r.ExitCode);
        var lines = r.Stdout.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        static List<int> Ends(string line) => System.Text.RegularExpressions.Regex.Matches(line, @"\S+").Skip(1).Select(m => m.Index + m.Length).ToList();
        var header = Ends(lines.Single(l => l.StartsWith("metric")));
        Assert.Equal(header, Ends(lines.Single(l => l.StartsWith("ndcg@10 "))));
        Assert.Equal(header, Ends(lines.Single(l => l.StartsWith("refusal_rate "))));
    }

    [Fact]
    public void Retriever_fts5_has_no_baseline_column_and_no_answer_metrics()
    {
        var (questions, corpus) = Setup();

        var r = Run("eval", "--questions", questions, "--corpus", corpus, "--retriever", "fts5", "--json", "fts.json");

        Assert.Equal(0, r.ExitCode);
        Assert.Contains("retriever fts5", r.Stdout);
        var header = Assert.Single(r.Stdout.Split('\n'), l => l.StartsWith("metric"));
        Assert.DoesNotContain("fts5", header);
        using var json = JsonDocument.Parse(File.ReadAllText(_dir.File("fts.json")));
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("refusal_rate").ValueKind);
        Assert.Equal(JsonValueKind.Number, json.RootElement.GetProperty("ndcg@10").ValueKind);
    }
}
