using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace CaseStudyAssistant.Tests;

/// <summary><c>csa compare</c> run as a user runs it, and <c>POST /api/compare</c>, over the compare corpus.</summary>
public sealed class CompareCliTests(CompareIndexFixture fx, ITestOutputHelper output) : IClassFixture<CompareIndexFixture>
{
    private CliResult Run(params string[] args)
    {
        string[] all = ["compare", "--index", fx.IndexPath, .. args];
        var result = Cli.Run(fx.Dir.Path, null, all);
        output.WriteLine($"$ csa {string.Join(' ', all)}\n{result}");
        return result;
    }

    [Fact]
    public void Json_text_and_markdown_output_of_one_comparison()
    {
        var json = Run("fraud rings", "--max", "3", "--company", "PayCo", "--format", "json");
        Assert.Equal(0, json.ExitCode);
        var root = JsonNode.Parse(json.Stdout)!;
        Assert.Equal("fraud rings", root["topic"]!.GetValue<string>());
        var studies = root["studies"]!.AsArray();
        Assert.Equal([CompareCorpus.PayCoChargebacks, CompareCorpus.PayCoGraph], studies.Select(s => s!["docId"]!.GetValue<string>()).Order());
        Assert.All(studies, s => Assert.Equal(s!["docId"]!.GetValue<string>(), s["cells"]!["problem"]!["citation"]!["docId"]!.GetValue<string>()));
        Assert.Contains("Only 2 studies", root["notices"]![0]!.GetValue<string>());

        var text = Run("How do teams catch fraud rings?", "--studies", $"{CompareCorpus.BankCoAnomaly},{CompareCorpus.ShopCoRules}");
        Assert.Equal(0, text.ExitCode);
        Assert.All(text.Stdout.Split('\n'), line => Assert.True(line.TrimEnd('\r').Length <= 100, line));
        Assert.Contains("[1] BankCo", text.Stdout);
        Assert.Contains("Stack              not described", text.Stdout);
        Assert.Contains("Sources:", text.Stdout);

        var markdown = Run("fraud rings", "--studies", $"{CompareCorpus.PayCoGraph},{CompareCorpus.ShopCoRules}", "--format", "markdown");
        Assert.Equal(0, markdown.ExitCode);
        Assert.Contains("| Study | Problem and scale | Approach | Key decisions | Stack | Results |", markdown.Stdout);
        Assert.Contains("## Where they differ", markdown.Stdout);
    }

    [Theory]
    [InlineData(new[] { "fraud rings", "--studies", "payco-fraud-graph,nope" }, "no study with id 'nope'", "csa studies")]
    [InlineData(new[] { "fraud rings", "--studies", "payco-fraud-graph", "--company", "PayCo" }, "--studies and the filters cannot be combined", "drop the filters")]
    [InlineData(new[] { "fraud rings", "--max", "11" }, "--max must be between 1 and 10", null)]
    [InlineData(new[] { " " }, "the topic is empty", "csa compare")]
    public void Bad_input_is_one_line_with_a_hint(string[] args, string error, string? hint)
    {
        var r = Run(args);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("", r.Stdout);
        var lines = r.Stderr.Trim().Split('\n');
        Assert.Equal($"error: {error}", lines[0].Trim()[..(error.Length + 7)]);
        if (hint is not null) Assert.Contains(hint, lines[1]);
        Assert.DoesNotContain("   at ", r.Stderr);
    }

    [Fact]
    public void An_uncovered_topic_is_a_refusal_naming_the_nearest_studies()
    {
        var r = Run("register allocation in an optimising compiler backend", "--format", "json");
        Assert.Equal(0, r.ExitCode);
        var root = JsonNode.Parse(r.Stdout)!;
        Assert.True(root["refused"]!.GetValue<bool>());
        Assert.Empty(root["studies"]!.AsArray());
        Assert.NotEmpty(root["nearest"]!.AsArray());
    }

    [Fact]
    public async Task The_api_returns_the_same_comparison_and_the_markdown_export()
    {
        await using var factory = WebTestFactory.ForIndex(fx.IndexPath);
        using var client = factory.CreateClient();

        var response = await client.PostAsJsonAsync("/api/compare", new { topic = "fraud rings", max = 3, filters = new { yearFrom = 2021 } });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        var json = JsonDocument.Parse(body).RootElement;
        var studies = json.GetProperty("studies").EnumerateArray().ToList();
        Assert.Equal(3, studies.Count);
        Assert.All(studies, s => Assert.True(s.GetProperty("year").GetInt32() >= 2021));
        Assert.Equal(studies.Count, studies.Select(s => s.GetProperty("company").GetString()).Distinct().Count());
        Assert.True(json.TryGetProperty("patterns", out _) && json.TryGetProperty("differences", out _));

        var markdown = await client.PostAsJsonAsync("/api/compare", new { topic = "fraud rings", studies = new[] { CompareCorpus.PayCoGraph, CompareCorpus.ShopCoRules }, format = "markdown" });
        Assert.Equal(HttpStatusCode.OK, markdown.StatusCode);
        Assert.StartsWith("text/markdown", markdown.Content.Headers.ContentType!.ToString());
        var table = await markdown.Content.ReadAsStringAsync();
        Assert.Contains("| **[1] PayCo** —", table);
        Assert.Contains("| **[2] ShopCo** —", table);

        foreach (var (request, message) in new (object, string)[]
        {
            (new { topic = "" }, "topic is empty"),
            (new { topic = "fraud rings", max = 0 }, "max must be between 1 and 10"),
            (new { topic = "fraud rings", studies = new[] { "nope" } }, "no study with id 'nope'"),
            (new { topic = "fraud rings", studies = new[] { CompareCorpus.PayCoGraph }, filters = new { company = "PayCo" } }, "cannot be combined"),
            (new { topic = "fraud rings", format = "pdf" }, "format must be json or markdown"),
        })
        {
            var bad = await client.PostAsJsonAsync("/api/compare", request);
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Contains(message, await WebAssert.ErrorAsync(bad));
        }
    }
}
