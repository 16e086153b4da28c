using CaseStudyAssistant.Configuration;
using System.Text.Json;
using System.Text.RegularExpressions;
using CaseStudyAssistant.Chunking;
using CaseStudyAssistant.Comparing;
using CaseStudyAssistant.Indexing;
using CaseStudyAssistant.OpenAI;
using CaseStudyAssistant.Retrieval;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace CaseStudyAssistant.Tests;

/// <summary>Fraud-ring studies from four companies (one company twice, one study without a Stack section) and two off-topic ones.</summary>
public static class CompareCorpus
{
    public const string PayCoGraph = "payco-fraud-graph", ShopCoRules = "shopco-fraud-rules", BankCoAnomaly = "bankco-mule-anomaly",
        PayCoChargebacks = "payco-chargeback-forecast", GlobexNightly = "globex-nightly-fraud", RideCoEta = "rideco-eta", InitechSearch = "initech-search";

    public sealed record Study(string Id, string Title, string Company, int Year, string Category, (string Heading, string Text)[] Sections)
    {
        public string Url => $"https://example.com/{Id}";
        public string Section(string heading) => Sections.Single(s => s.Heading == heading).Text;
    }

    public static readonly Study[] Studies =
    [
        new(PayCoGraph, "Catching fraud rings with a graph neural network", "PayCo", 2022, "fraud", [
            ("Problem", "PayCo processed 3 million card payments a day, and fraud rings of linked accounts laundered stolen cards through them."),
            ("Approach", "A graph neural network scores every payment in real time from the graph of accounts, devices and cards. Risky payments are held for review before settlement."),
            ("Key decisions", "- Use a graph neural network rather than hand-written rules, because rings share devices and cards.\n- Score each payment in real time before settlement."),
            ("Stack", "Kafka, PyTorch Geometric, a Neo4j graph database"),
            ("Results", "Analysts said they trusted the ring scores.\nFraud ring losses fell by 38% in the first quarter."),
        ]),
        new(ShopCoRules, "Stopping fraud rings on a marketplace with analyst rules", "ShopCo", 2021, "fraud", [
            ("Problem", "ShopCo sellers were hit by fraud rings that reused stolen cards across 40,000 shops."),
            ("Approach", "Rules written by analysts flag suspicious orders from fraud rings, and flagged orders go to a review queue."),
            ("Key decisions", "- Hand-written rules, maintained by fraud analysts, score each order.\n- Stream order events through Kafka so rules see each order within seconds."),
            ("Stack", "Kafka, a Drools rule engine, PostgreSQL"),
            ("Results", "Chargebacks dropped by 21% and review time fell to 4 minutes per order."),
        ]),
        new(BankCoAnomaly, "Finding mule accounts of fraud rings with anomaly detection", "BankCo", 2023, "fraud", [
            ("Problem", "BankCo saw fraud rings open mule accounts to move stolen money between 12 million customer accounts."),
            ("Approach", "An anomaly detection model scores account activity for ring-like transfer patterns and alerts investigators."),
            ("Key decisions", "- Score transfers with the anomaly model before money leaves the bank."),
            ("Results", "Mule account detection rose by 30% with 15% fewer false alerts."),
        ]),
        new(PayCoChargebacks, "Forecasting chargebacks from fraud rings", "PayCo", 2020, "fraud", [
            ("Problem", "PayCo needed to predict chargebacks caused by fraud rings weeks before card networks reported them."),
            ("Approach", "A gradient boosted model predicts each merchant's chargeback risk from fraud ring signals."),
            ("Key decisions", "- Predict merchant chargeback risk from fraud ring features instead of waiting for network reports."),
            ("Stack", "XGBoost, Airflow"),
            ("Results", "Chargeback losses fell by 12%."),
        ]),
        new(GlobexNightly, "Nightly scoring of wallet fraud rings", "Globex", 2015, "fraud", [
            ("Problem", "Globex wallet users lost money to fraud rings of linked accounts."),
            ("Approach", "A logistic regression model scored wallet transfers for fraud ring patterns each night."),
            ("Key decisions", "- Score transfers in a nightly batch to keep costs low."),
            ("Stack", "Hadoop, Hive"),
            ("Results", "Fraud losses fell by 9%."),
        ]),
        new(RideCoEta, "Arrival estimates for rides", "RideCo", 2021, "forecast", [
            ("Problem", "Riders saw arrival estimates that were minutes off in heavy traffic."),
            ("Approach", "Gradient boosted trees predict travel time for each road segment from live traffic speeds and weather."),
            ("Key decisions", "- Predict per road segment rather than per whole trip."),
            ("Stack", "LightGBM, Kafka"),
            ("Results", "Mean absolute error of arrival estimates fell by 22%."),
        ]),
        new(InitechSearch, "Semantic product search", "Initech", 2020, "search", [
            ("Problem", "Shoppers searching the Initech store with vague queries found no matching products."),
            ("Approach", "Dense embeddings of queries and product titles are combined with BM25 keyword scores in a hybrid index."),
            ("Key decisions", "- Hybrid search over pure vector search, because part numbers need exact keyword matches."),
            ("Stack", "Elasticsearch, a sentence-embedding model"),
            ("Results", "Searches with zero results dropped by 45%."),
        ]),
    ];

    public static Study Get(string id) => Studies.Single(s => s.Id == id);

    public static string Write(TempDir dir)
    {
        foreach (var s in Studies)
            dir.Write($"corpus/{s.Category}/{s.Id}.md", StudyFile.Markdown(s.Id, s.Title, s.Company, s.Sections, s.Year, "Tech", s.Category, [s.Category], s.Url));
        return dir.File("corpus");
    }
}

public sealed class CompareIndexFixture : IDisposable
{
    public TempDir Dir { get; } = new("compare");
    public string IndexPath { get; }
    public ServiceProvider Services { get; }

    public CompareIndexFixture()
    {
        IndexPath = Dir.File("index.db");
        var corpus = CompareCorpus.Write(Dir);
        Services = Pipeline.Build(IndexPath);
        var report = Services.GetRequiredService<Ingestor>().IngestAsync([corpus], rebuild: false).GetAwaiter().GetResult();
        if (report.Added != CompareCorpus.Studies.Length || report.HasRejections) throw new InvalidOperationException($"fixture ingest failed: {report}");
    }

    public Comparer Comparer => Services.GetRequiredService<Comparer>();

    public void Dispose()
    {
        Services.Dispose();
        Dir.Dispose();
    }
}

/// <summary>Offline comparisons: which studies are picked, what each cell quotes and cites, patterns, differences, refusal and the formats.</summary>
public sealed class CompareTests(CompareIndexFixture fx, ITestOutputHelper output) : IClassFixture<CompareIndexFixture>
{
    private const string Topic = "How do teams catch fraud rings?";

    private async Task<Comparison> CompareAsync(CompareRequest request)
    {
        var c = await fx.Comparer.CompareAsync(request);
        output.WriteLine(CompareFormatter.ToText(c));
        return c;
    }

    /// <summary>Every cell quotes its study's section of the column's kind, sentence by sentence, and cites that study and section.</summary>
    internal static void AssertCellsQuoteTheirSections(ComparedStudy row)
    {
        var study = CompareCorpus.Get(row.DocId);
        Assert.Equal(CompareColumns.All, row.Cells.Keys);
        foreach (var (column, cell) in row.Cells)
        {
            var section = study.Sections.Where(s => CompareColumns.Matches(column, s.Heading)).ToList();
            if (section.Count == 0)
            {
                Assert.Equal(CompareCell.NotDescribedText, cell.Text);
                Assert.Null(cell.Citation);
                Assert.Equal(CellSources.None, cell.Source);
                continue;
            }
            var ci = Assert.IsType<CellCitation>(cell.Citation);
            Assert.Equal((row.N, study.Id, study.Url), (ci.N, ci.DocId, ci.Url));
            Assert.Contains(ci.Section, section.Select(s => s.Heading));
            if (cell.Source != CellSources.Extract) continue;
            var text = string.Join("\n", section.Select(s => s.Text));
            foreach (var sentence in SentenceSplitter.Split(cell.Text.TrimEnd('…')))
                Assert.Contains(sentence.Trim().TrimEnd('.'), text);
        }
    }

    [Fact]
    public async Task Picks_relevant_studies_one_per_company_and_says_when_fewer_than_asked_cover_the_topic()
    {
        var c = await CompareAsync(new CompareRequest { Topic = Topic });

        Assert.False(c.Refused);
        Assert.Equal("extractive", c.Mode);
        var ids = c.Studies.Select(s => s.DocId).ToList();
        Assert.Equal(c.Studies.Select(s => s.Company).Distinct().Count(), c.Studies.Count);
        Assert.Subset(new HashSet<string> { CompareCorpus.PayCoGraph, CompareCorpus.PayCoChargebacks, CompareCorpus.ShopCoRules, CompareCorpus.BankCoAnomaly, CompareCorpus.GlobexNightly }, ids.ToHashSet());
        Assert.Equal(4, ids.Count); // four companies wrote about fraud rings; the ETA and search studies are not padding
        Assert.Equal(Enumerable.Range(1, 4), c.Studies.Select(s => s.N));
        var notice = Assert.Single(c.Notices);
        Assert.Contains("Only 4 studies", notice);
        Assert.Contains("5 were asked for", notice);
        foreach (var row in c.Studies) AssertCellsQuoteTheirSections(row);
    }

    [Fact]
    public async Task A_company_filter_allows_several_studies_of_that_company_and_other_filters_narrow_the_pick()
    {
        var payco = await CompareAsync(new CompareRequest { Topic = "fraud rings", Filter = new SearchFilter { Company = "payco" } });
        Assert.Equal([CompareCorpus.PayCoChargebacks, CompareCorpus.PayCoGraph], payco.Studies.Select(s => s.DocId).Order());

        var recent = await CompareAsync(new CompareRequest { Topic = "fraud rings", Filter = new SearchFilter { YearFrom = 2021 }, Max = 3 });
        Assert.Equal(3, recent.Studies.Count);
        Assert.All(recent.Studies, s => Assert.True(s.Year >= 2021, $"{s.DocId} is from {s.Year}"));
        Assert.Empty(recent.Notices);

        var fraudOnly = await CompareAsync(new CompareRequest { Topic = "How are predictions made from live data?", Filter = new SearchFilter { Category = "forecast" } });
        Assert.All(fraudOnly.Studies, s => Assert.Equal(CompareCorpus.RideCoEta, s.DocId));
    }

    [Fact]
    public async Task A_missing_section_is_not_described_and_results_prefer_the_sentence_with_numbers()
    {
        var c = await CompareAsync(new CompareRequest { Topic = Topic, StudyIds = [CompareCorpus.BankCoAnomaly, CompareCorpus.PayCoGraph] });

        Assert.Equal([CompareCorpus.BankCoAnomaly, CompareCorpus.PayCoGraph], c.Studies.Select(s => s.DocId));
        var stack = c.Studies[0].Cells[CompareColumns.Stack];
        Assert.Equal("not described", stack.Text);
        Assert.Null(stack.Citation);
        var results = c.Studies[1].Cells[CompareColumns.Results];
        Assert.StartsWith("Fraud ring losses fell by 38%", results.Text);
        Assert.Equal("Results", results.Citation!.Section);
        Assert.Contains("Neo4j", c.Studies[1].Cells[CompareColumns.Stack].Text);
        foreach (var row in c.Studies) AssertCellsQuoteTheirSections(row);

        var text = CompareFormatter.ToText(c);
        Assert.Contains("not described", text);
        Assert.DoesNotContain("not described [", text);
    }

    [Fact]
    public async Task Listed_studies_are_compared_as_given_and_an_unknown_id_is_named()
    {
        var c = await CompareAsync(new CompareRequest { Topic = Topic, StudyIds = [CompareCorpus.RideCoEta, CompareCorpus.ShopCoRules] });
        Assert.Equal([CompareCorpus.RideCoEta, CompareCorpus.ShopCoRules], c.Studies.Select(s => s.DocId));
        Assert.Empty(c.Notices);

        var e = await Assert.ThrowsAsync<CompareException>(() => fx.Comparer.CompareAsync(new CompareRequest { Topic = Topic, StudyIds = [CompareCorpus.ShopCoRules, "no-such-study"] }));
        Assert.Contains("'no-such-study'", e.Message);
        Assert.Contains("csa studies", e.Hint);
        await Assert.ThrowsAsync<CompareException>(() => fx.Comparer.CompareAsync(new CompareRequest
        {
            Topic = Topic, StudyIds = [CompareCorpus.ShopCoRules], Filter = new SearchFilter { Company = "ShopCo" },
        }));
    }

    [Fact]
    public async Task An_uncovered_topic_is_refused_with_the_nearest_studies()
    {
        var c = await CompareAsync(new CompareRequest { Topic = "register allocation in an optimising compiler backend" });

        Assert.True(c.Refused);
        Assert.Empty(c.Studies);
        Assert.NotEmpty(c.Nearest);
        Assert.All(c.Nearest, n => Assert.Contains(n.DocId, CompareCorpus.Studies.Select(s => s.Id)));
        Assert.Contains("do not cover this topic", Assert.Single(c.Notices));
        Assert.Contains(c.Nearest[0].Title, CompareFormatter.ToText(c));
    }

    [Fact]
    public async Task Shared_components_are_a_pattern_and_a_rejected_option_another_study_took_is_a_difference()
    {
        var c = await CompareAsync(new CompareRequest { Topic = Topic, StudyIds = [CompareCorpus.PayCoGraph, CompareCorpus.ShopCoRules, CompareCorpus.BankCoAnomaly] });

        var kafka = Assert.Single(c.Patterns, p => p.Quotes.All(q => q.Text.Contains("Kafka")));
        Assert.Equal([CompareCorpus.PayCoGraph, CompareCorpus.ShopCoRules], kafka.Studies.Order());
        foreach (var p in c.Patterns)
        {
            Assert.True(p.Studies.Distinct().Count() >= 2, $"pattern '{p.Text}' names one study");
            foreach (var q in p.Quotes) Assert.Contains(q.Text, CompareCorpus.Get(q.DocId).Section(q.Section));
        }

        var difference = Assert.Single(c.Differences);
        Assert.Equal([CompareCorpus.PayCoGraph, CompareCorpus.ShopCoRules], difference.Studies);
        Assert.Contains("PayCo decided against “hand-written rules”", difference.Text);
        Assert.Contains("ShopCo", difference.Text);
        Assert.Equal("Key decisions", difference.Quotes[0].Section);
        Assert.StartsWith("Use a graph neural network rather than hand-written rules", difference.Quotes[0].Text);
        Assert.StartsWith("Hand-written rules, maintained by fraud analysts", difference.Quotes[1].Text);

        // Studies that share nothing: no invented pattern or difference.
        var apart = await CompareAsync(new CompareRequest { Topic = Topic, StudyIds = [CompareCorpus.GlobexNightly, CompareCorpus.InitechSearch] });
        Assert.Empty(apart.Patterns);
        Assert.Empty(apart.Differences);
    }

    [Theory]
    [InlineData("Use a graph neural network rather than hand-written rules, because rings share devices and cards.", "hand-written rules")]
    [InlineData("Learned fusion vs. fixed global weights: the ranker decides per query.", "fixed global weights")]
    [InlineData("The team chose PID control over a reinforcement learning agent.", "a reinforcement learning agent")]
    [InlineData("Replaced the nightly batch job with a streaming pipeline.", "the nightly batch job")]
    [InlineData("Scores are refreshed over time as data arrives.", null)]
    [InlineData("Ranking runs in over 50 milliseconds.", null)]
    public void The_option_a_decision_turned_down_is_read_from_its_wording(string decision, string? rejected)
    {
        Assert.Equal(rejected, DecisionAnalysis.Contrast(decision).Rejected);
    }

    [Fact]
    public async Task Json_has_the_documented_shape_and_text_fits_a_100_column_terminal()
    {
        var c = await CompareAsync(new CompareRequest { Topic = Topic });
        var json = JsonDocument.Parse(JsonSerializer.Serialize(CompareFormatter.ToJson(c), Web.Contracts.Json.Options)).RootElement;

        Assert.Equal(Topic, json.GetProperty("topic").GetString());
        foreach (var key in new[] { "studies", "patterns", "differences", "notices", "refused", "mode" }) Assert.True(json.TryGetProperty(key, out _), key);
        var first = json.GetProperty("studies")[0];
        Assert.Equal(["n", "docId", "title", "company", "year", "url", "cells"], first.EnumerateObject().Select(p => p.Name));
        Assert.Equal(CompareColumns.All, first.GetProperty("cells").EnumerateObject().Select(p => p.Name));
        var cell = first.GetProperty("cells").GetProperty("results");
        Assert.Equal(["text", "citation", "source", "flag"], cell.EnumerateObject().Select(p => p.Name));
        Assert.Equal(first.GetProperty("docId").GetString(), cell.GetProperty("citation").GetProperty("docId").GetString());

        var text = CompareFormatter.ToText(c);
        Assert.All(text.Split('\n'), line => Assert.True(line.Length <= CompareFormatter.TextWidth, $"{line.Length} columns: {line}"));
        foreach (var s in c.Studies) Assert.Contains(s.SourceLine[..30], text.Replace("\n    ", " "));

        var markdown = CompareFormatter.ToMarkdown(c);
        var rows = markdown.Split('\n').Where(l => l.StartsWith("| **[")).ToList();
        Assert.Equal(c.Studies.Count, rows.Count);
        Assert.Contains("| Study | Problem and scale | Approach | Key decisions | Stack | Results |", markdown);
        Assert.All(rows, r => Assert.Equal(7, Regex.Matches(r.Replace("\\|", ""), @"\|").Count));
    }
}

/// <summary>Cells and points written by a chat model (the in-process OpenAI-protocol server), each checked against its section.</summary>
public sealed class LlmCompareTests(CompareIndexFixture fx, ITestOutputHelper output) : IClassFixture<CompareIndexFixture>, IAsyncLifetime
{
    private FakeOpenAIServer _server = null!;
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        _server = await FakeOpenAIServer.StartAsync();
        _services = Pipeline.Build(fx.IndexPath, null, s => s.AddLlm(LlmRig.OptionsFor(_server), new Secrets(_ => null)));
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _server.DisposeAsync();
    }

    private static bool IsCell(RecordedRequest r) => r.User?.StartsWith(PromptFiles.FirstLine("compare-cell"), StringComparison.Ordinal) == true;
    private static bool IsPoints(RecordedRequest r) => r.User?.StartsWith(PromptFiles.FirstLine("compare-points"), StringComparison.Ordinal) == true;

    private static string Section(RecordedRequest r) => Regex.Match(r.User!, "<section>\n(.*?)\n</section>", RegexOptions.Singleline).Groups[1].Value;

    /// <summary>A section as the index stores it: list markers dropped.</summary>
    private static string Plain(string markdown) => Regex.Replace(Regex.Replace(markdown, "^- ", "", RegexOptions.Multiline), @"\s+", " ");

    private static string Column(RecordedRequest r) => Regex.Match(r.User!, @"^Column: (.+?) \(", RegexOptions.Multiline).Groups[1].Value;

    /// <summary>A faithful condensation: the section's first sentence, shortened to its first clause.</summary>
    private static FakeReply Faithful(RecordedRequest r) => FakeReply.Text(SentenceSplitter.Split(Section(r).Split('\n')[0].TrimStart('-', ' ')).First());

    private async Task<Comparison> CompareAsync(params string[] ids)
    {
        var c = await _services.GetRequiredService<Comparer>().CompareAsync(new CompareRequest { Topic = "How do teams catch fraud rings?", StudyIds = ids });
        foreach (var r in _server.ChatRequests) output.WriteLine($"--- {r.Seq}: {r.User?[..Math.Min(300, r.User.Length)]}");
        output.WriteLine(CompareFormatter.ToText(c));
        return c;
    }

    [Fact]
    public async Task Each_cell_is_condensed_from_its_own_section_and_an_invented_number_is_rejected()
    {
        _server.When(r => IsCell(r) && Column(r) == "Results" && Section(r).Contains("38%"), FakeReply.Text("Fraud ring losses fell by 45% in the first quarter."));
        _server.When(IsCell, Faithful);
        // Patterns get a sentence their quotes support; the difference gets one with a number no quote has.
        _server.When(IsPoints, r => FakeReply.Text("{\"points\":[" + string.Join(",", Regex.Matches(r.User!, @"^\d+\. \((shared|difference)\)", RegexOptions.Multiline)
            .Select(m => m.Groups[1].Value == "shared" ? "\"PayCo and ShopCo both use Kafka.\"" : "\"ShopCo cut chargebacks by 50% with rules that PayCo rejected.\"")) + "]}"));

        var c = await CompareAsync(CompareCorpus.PayCoGraph, CompareCorpus.ShopCoRules, CompareCorpus.BankCoAnomaly);

        Assert.Equal("llm", c.Mode);
        Assert.Equal(LlmRig.ChatModel, c.Model);
        Assert.Equal(["compare-cell", "compare-points"], c.Prompts.Select(p => p.Name));
        // One request per described cell (BankCo has no Stack section), each carrying only that section.
        var cells = _server.ChatRequests.Where(IsCell).ToList();
        Assert.Equal(14, cells.Count);
        foreach (var r in cells)
        {
            var section = Section(r);
            var study = CompareCorpus.Studies.Single(s => r.User!.Contains(s.Title));
            var column = CompareColumns.All.Single(col => CompareColumns.Title(col) == Column(r));
            var own = study.Sections.Single(s => CompareColumns.Matches(column, s.Heading));
            Assert.Equal(Plain(own.Text), Plain(section));
            foreach (var other in study.Sections.Where(s => s.Heading != own.Heading)) Assert.DoesNotContain(Plain(other.Text), r.User);
        }

        var payco = c.Studies[0];
        var results = payco.Cells[CompareColumns.Results];
        Assert.Equal(CellSources.Extract, results.Source);
        Assert.Contains("38%", results.Text);
        Assert.DoesNotContain("45%", results.Text);
        Assert.Contains("45%", results.Flag);
        Assert.Contains("rejected", results.Flag);
        var problem = payco.Cells[CompareColumns.Problem];
        Assert.Equal(CellSources.Llm, problem.Source);
        Assert.Null(problem.Flag);
        Assert.Equal((1, CompareCorpus.PayCoGraph, "Problem"), (problem.Citation!.N, problem.Citation.DocId, problem.Citation.Section));
        Assert.Equal("not described", c.Studies[2].Cells[CompareColumns.Stack].Text);
        Assert.Contains("45%", CompareFormatter.ToText(c).Replace("\n", " ").Replace("  ", " ")); // the flag says what was rejected

        // The Kafka pattern is supported by its quotes; the sentence given for the difference is not.
        var kafka = Assert.Single(c.Patterns, p => p.Quotes.All(q => q.Text.Contains("Kafka")));
        Assert.Equal(("PayCo and ShopCo both use Kafka.", CellSources.Llm), (kafka.Text, kafka.Source));
        var difference = Assert.Single(c.Differences);
        Assert.Equal(CellSources.Extract, difference.Source);
        Assert.Contains("50%", difference.Flag);
        Assert.Contains("decided against", difference.Text);
    }

    [Fact]
    public async Task A_failing_model_leaves_the_offline_comparison_with_a_notice()
    {
        _server.When(_ => true, FakeReply.Error(503));

        var c = await CompareAsync(CompareCorpus.PayCoGraph, CompareCorpus.ShopCoRules);

        Assert.All(c.Studies.SelectMany(s => s.Cells.Values).Where(v => v.IsDescribed), cell =>
        {
            Assert.Equal(CellSources.Extract, cell.Source);
            Assert.Contains("model failed", cell.Flag);
        });
        foreach (var row in c.Studies) CompareTests.AssertCellsQuoteTheirSections(row);
        Assert.Contains(c.Notices, n => n.Contains("language model failed"));
    }
}
