using System.Text.Json;
using System.Xml.Linq;
using CaseStudyAssistant.Evaluation;
using CaseStudyAssistant.Indexing;
using Microsoft.Extensions.DependencyInjection;

namespace CaseStudyAssistant.Tests;

/// <summary>Six short studies on unrelated topics, used by the evaluation tests (in-process and CLI).</summary>
public static class EvalCorpus
{
    public static readonly (string Id, string Title, string Company, string Industry, string Category, int Year, string[] Tags, (string, string)[] Sections)[] Studies =
    [
        ("churn-telecom", "Predicting subscriber churn", "TelcoOne", "Telecom", "churn", 2020, ["churn", "retention"], [
            ("Problem", "Mobile subscribers cancelled their contracts without warning, and retention offers arrived too late."),
            ("Approach", "A churn model scores every subscriber each week from billing history, dropped calls and support contacts. Retention agents call the subscribers with the highest churn score."),
            ("Results", "Monthly subscriber churn fell by 12% in the first year."),
        ]),
        ("warehouse-robots", "Routing warehouse picking robots", "ShipQuick", "Logistics", "robotics", 2021, ["robots", "routing"], [
            ("Problem", "Picking robots in the warehouse blocked each other in narrow aisles and stalled order picking."),
            ("Approach", "A multi-agent path planner reserves aisle segments for each picking robot so robots never meet head-on."),
            ("Results", "The warehouse now picks 53,000+ orders per day, up from 31,000."),
        ]),
        ("crop-disease", "Spotting crop disease from drones", "AgriSense", "Agriculture", "vision", 2022, ["drones", "plants"], [
            ("Problem", "Farmers found leaf blight on wheat fields only after the disease had spread across the field."),
            ("Approach", "Drones photograph the wheat fields and an image classifier marks leaves with blight on a field map for the farmers."),
            ("Results", "Farmers treated infected patches two weeks earlier."),
        ]),
        ("query-autocomplete", "Autocomplete for shop search", "ShopMart", "Retail", "search", 2023, ["autocomplete", "search"], [
            ("Problem", "Shoppers typed long queries on their phones and abandoned the search box."),
            ("Approach", "A prefix trie proposes query completions, and a ranking model orders the completions by predicted purchases."),
            ("Results", "Search box abandonment fell by 9%."),
        ]),
        ("grid-demand", "Forecasting electricity demand", "PowerGrid Co", "Energy", "forecast", 2019, ["electricity", "demand"], [
            ("Problem", "Grid operators bought expensive reserve electricity because demand forecasts missed heat waves."),
            ("Approach", "A temporal convolutional network forecasts hourly electricity demand from weather forecasts and holidays."),
            ("Results", "The forecast error of hourly electricity demand fell by 37.5%."),
        ]),
        ("listing-translation", "Translating marketplace listings", "GlobalBazaar", "Marketplace", "nlp", 2024, ["translation"], [
            ("Problem", "Sellers wrote their product listings in one language, so foreign buyers could not read them."),
            ("Approach", "A neural machine translation system translates each product listing into eleven languages, keeping brand names untranslated."),
            ("Results", "Cross-border sales grew by 18%."),
        ]),
    ];

    /// <summary>One question per study whose answer is clearly that study.</summary>
    public static readonly (string Id, string Question)[] OnePerStudy =
    [
        ("churn-telecom", "How do they predict which mobile subscribers will churn?"),
        ("warehouse-robots", "How are warehouse picking robots routed through the aisles?"),
        ("crop-disease", "How do drones detect blight on wheat leaves?"),
        ("query-autocomplete", "How are query completions proposed in the shop search box?"),
        ("grid-demand", "How is hourly electricity demand forecast for the grid?"),
        ("listing-translation", "How are product listings translated for foreign buyers?"),
    ];

    public const string OffTopic = "What is the best recipe for sourdough bread with a cast iron pan?";

    /// <summary>Writes the studies under <paramref name="dir"/>/corpus and returns that folder.</summary>
    public static string Write(TempDir dir)
    {
        foreach (var s in Studies)
            dir.Write($"corpus/{s.Category}/{s.Id}.md",
                StudyFile.Markdown(s.Id, s.Title, s.Company, s.Sections, s.Year, s.Industry, s.Category, s.Tags, $"https://example.com/{s.Id}"));
        return dir.File("corpus");
    }

    public static string Line(string id, string question, string[] relevant, string? type = null, string[]? facts = null)
    {
        var o = new Dictionary<string, object> { ["id"] = id, ["question"] = question, ["relevant"] = relevant };
        if (type is not null) o["type"] = type;
        if (facts is not null) o["answer_facts"] = facts;
        return JsonSerializer.Serialize(o);
    }
}

public sealed class EvalCorpusFixture : IDisposable
{
    private readonly TempDir _dir = new("evalcorpus");
    public ServiceProvider Services { get; }

    public EvalCorpusFixture()
    {
        var corpus = EvalCorpus.Write(_dir);
        Services = Pipeline.Build(_dir.File("index.db"));
        var report = Services.GetRequiredService<Ingestor>().IngestAsync([corpus], rebuild: false).GetAwaiter().GetResult();
        if (report.Added != EvalCorpus.Studies.Length || report.HasRejections) throw new InvalidOperationException($"fixture ingest failed: {report}");
    }

    public EvalRunner Runner => Services.GetRequiredService<EvalRunner>();

    public void Dispose()
    {
        Services.Dispose();
        _dir.Dispose();
    }
}

public sealed class EvalDatasetTests : IDisposable
{
    private readonly TempDir _dir = new("evalds");

    public void Dispose() => _dir.Dispose();

    private string WriteLines(params string[] lines) => _dir.Write("q.jsonl", string.Join("\n", lines) + "\n");

    private const string Good1 = """{"id":"q1","question":"How is churn predicted?","relevant":["churn-telecom"],"type":"fact","answer_facts":["churn fell by 12%"]}""";
    private const string Good2 = """{"id":"q2","question":"Sourdough recipe?","relevant":[],"type":"unanswerable"}""";
    private const string Good3 = """{"id":"q3","question":"Which studies forecast or predict?","relevant":["grid-demand","churn-telecom"],"type":"multi"}""";

    [Fact]
    public void A_valid_file_loads_every_item_with_its_fields()
    {
        var path = WriteLines(Good1, Good2, Good3,
            """{"id":"q4","question":"How much did the forecast error fall?","relevant":["grid-demand"],"type":"numeric"}""",
            """{"id":"q5","question":"How do they guess who leaves?","relevant":["churn-telecom"],"type":"paraphrase"}""");

        var items = EvalDataset.Load(path);

        Assert.Equal(["q1", "q2", "q3", "q4", "q5"], items.Select(i => i.Id));
        Assert.Equal(["fact", "unanswerable", "multi", "numeric", "paraphrase"], items.Select(i => i.Type));
        var q1 = items[0];
        Assert.Equal("How is churn predicted?", q1.Question);
        Assert.Equal(["churn-telecom"], q1.Relevant);
        Assert.Equal(["churn fell by 12%"], q1.AnswerFacts);
        Assert.True(q1.Answerable);
        Assert.False(items[1].Answerable);
        Assert.Empty(items[1].Relevant);
        Assert.Empty(items[1].AnswerFacts);
        Assert.Equal(["grid-demand", "churn-telecom"], items[2].Relevant);
    }

    [Fact]
    public void Blank_lines_are_ignored_but_still_counted_for_line_numbers()
    {
        var path = WriteLines("", Good1, "   ", "", Good2, """{"id":"bad","question":"x","relevant":["a"],"type":"trivia"}""");

        var e = Assert.Throws<EvalFormatException>(() => EvalDataset.Load(path));
        Assert.Contains($"{path}:6:", e.Message);

        var ok = WriteLines("", Good1, "   ", "", Good2, "");
        Assert.Equal(["q1", "q2"], EvalDataset.Load(ok).Select(i => i.Id));
    }

    [Fact]
    public void A_type_may_be_omitted_and_defaults_from_relevant()
    {
        var path = WriteLines("""{"id":"a","question":"q?","relevant":["x"]}""", """{"id":"b","question":"q?","relevant":[]}""");

        var items = EvalDataset.Load(path);

        Assert.Equal(["fact", "unanswerable"], items.Select(i => i.Type));
    }

    public static TheoryData<string, string> BadLines => new()
    {
        { """{"id":"x","question":"q?","relevant":["a"]""", "not valid JSON" },
        { "this is not json", "not valid JSON" },
        { """["id","question"]""", "JSON object" },
        { """{"id":"x","relevant":["a"],"type":"fact"}""", "'question'" },
        { """{"id":"x","question":"","relevant":["a"],"type":"fact"}""", "'question'" },
        { """{"id":"x","question":"q?","type":"fact"}""", "'relevant'" },
        { """{"id":"x","question":"q?","relevant":"churn-telecom","type":"fact"}""", "'relevant'" },
        { """{"id":"x","question":"q?","relevant":["a"],"type":"trivia"}""", "fact, paraphrase, multi, numeric, unanswerable" },
        { """{"id":"x","question":"q?","relevant":["a"],"type":"Fact"}""", "'type'" },
        { """{"id":"x","question":"q?","relevant":["a"],"type":"unanswerable"}""", "unanswerable" },
        { """{"id":"x","question":"q?","relevant":[],"type":"fact"}""", "at least one relevant" },
        { """{"id":"q1","question":"again?","relevant":["a"],"type":"fact"}""", "duplicate question id 'q1'" },
        { """{"question":"q?","relevant":["a"],"type":"fact"}""", "'id'" },
        { """{"id":"x","question":"q?","relevant":["a"],"answer_facts":"12%"}""", "'answer_facts'" },
    };

    [Theory]
    [MemberData(nameof(BadLines))]
    public void A_malformed_line_names_the_file_and_its_line_number(string bad, string expectedInMessage)
    {
        // Line 1 valid, line 2 blank, line 3 valid, line 4 the bad one, line 5 valid.
        var path = WriteLines(Good1, "", Good2, bad, Good3);

        var e = Assert.Throws<EvalFormatException>(() => EvalDataset.Load(path));

        Assert.StartsWith($"{path}:4: ", e.Message);
        Assert.Contains(expectedInMessage, e.Message);
    }

    [Fact]
    public void A_missing_or_empty_file_is_an_error_naming_it()
    {
        var missing = _dir.File("nope.jsonl");
        Assert.Contains(missing, Assert.Throws<EvalFormatException>(() => EvalDataset.Load(missing)).Message);

        var empty = _dir.Write("empty.jsonl", "\n\n");
        var e = Assert.Throws<EvalFormatException>(() => EvalDataset.Load(empty));
        Assert.Contains(empty, e.Message);
        Assert.Contains("no questions", e.Message);
    }
}

public sealed class RankingMetricsTests
{
    private static readonly string[] Ranked = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"];

    [Fact]
    public void Recall_counts_relevant_studies_within_k()
    {
        var relevant = new HashSet<string> { "a", "c", "g", "z" };

        Assert.Equal(0.25, RankingMetrics.Recall(Ranked, relevant, 1), 10);
        Assert.Equal(0.5, RankingMetrics.Recall(Ranked, relevant, 5), 10);
        Assert.Equal(0.75, RankingMetrics.Recall(Ranked, relevant, 10), 10);
        Assert.Equal(0, RankingMetrics.Recall(Ranked, new HashSet<string>(), 10));
        Assert.Equal(0, RankingMetrics.Recall([], relevant, 10));
    }

    [Fact]
    public void Hit_is_one_when_any_relevant_study_is_within_k()
    {
        var relevant = new HashSet<string> { "f" };

        Assert.Equal(0, RankingMetrics.Hit(Ranked, relevant, 5));
        Assert.Equal(1, RankingMetrics.Hit(Ranked, relevant, 6));
        Assert.Equal(0, RankingMetrics.Hit(Ranked, new HashSet<string> { "z" }, 10));
    }

    [Fact]
    public void Reciprocal_rank_is_one_over_the_first_relevant_rank_within_k()
    {
        Assert.Equal(1.0, RankingMetrics.ReciprocalRank(Ranked, new HashSet<string> { "a", "c" }, 10), 10);
        Assert.Equal(1.0 / 3, RankingMetrics.ReciprocalRank(Ranked, new HashSet<string> { "c", "e" }, 10), 10);
        Assert.Equal(0.1, RankingMetrics.ReciprocalRank(Ranked, new HashSet<string> { "j" }, 10), 10);
        Assert.Equal(0, RankingMetrics.ReciprocalRank(Ranked, new HashSet<string> { "k" }, 10));
        Assert.Equal(0, RankingMetrics.ReciprocalRank(["a"], new HashSet<string> { "b" }, 10));
    }

    [Fact]
    public void Ndcg_uses_binary_gains_and_the_ideal_ranking_of_all_relevant_studies()
    {
        // Relevant at ranks 1 and 3 of 2 relevant.
        Assert.Equal((1 + 1 / Math.Log2(4)) / (1 + 1 / Math.Log2(3)), RankingMetrics.Ndcg(Ranked, new HashSet<string> { "a", "c" }, 10), 10);
        // One relevant, ranked first or second.
        Assert.Equal(1.0, RankingMetrics.Ndcg(Ranked, new HashSet<string> { "a" }, 10), 10);
        Assert.Equal(1 / Math.Log2(3), RankingMetrics.Ndcg(Ranked, new HashSet<string> { "b" }, 10), 10);
        // Relevant at rank 2 and one not retrieved at all: ideal still counts both.
        Assert.Equal((1 / Math.Log2(3)) / (1 + 1 / Math.Log2(3)), RankingMetrics.Ndcg(Ranked, new HashSet<string> { "b", "z" }, 10), 10);
        // Beyond k counts nothing.
        Assert.Equal(0, RankingMetrics.Ndcg(Ranked, new HashSet<string> { "k" }, 10));
        Assert.Equal(0, RankingMetrics.Ndcg(Ranked, new HashSet<string>(), 10));
        // All relevant at the top is perfect.
        Assert.Equal(1.0, RankingMetrics.Ndcg(Ranked, new HashSet<string> { "a", "b", "c" }, 10), 10);
    }

    [Fact]
    public void Percentile_is_nearest_rank_on_unsorted_values()
    {
        double[] values = [50, 10, 40, 20, 30];

        Assert.Equal(30, RankingMetrics.Percentile(values, 0.5));
        Assert.Equal(50, RankingMetrics.Percentile(values, 0.95));
        Assert.Equal(10, RankingMetrics.Percentile(values, 0.2));
        Assert.Equal(20, RankingMetrics.Percentile(values, 0.21));
        Assert.Equal(10, RankingMetrics.Percentile(values, 0));
        Assert.Equal(50, RankingMetrics.Percentile(values, 1));
        Assert.Equal(0, RankingMetrics.Percentile([], 0.5));

        var hundred = Enumerable.Range(1, 100).Select(i => (double)i).Reverse();
        Assert.Equal(50, RankingMetrics.Percentile(hundred, 0.5));
        Assert.Equal(95, RankingMetrics.Percentile(hundred, 0.95));
    }
}

public sealed class FactMatcherTests
{
    [Theory]
    [InlineData("53,000+ orders per day", "The warehouse now picks 53000 orders per day.")]
    [InlineData("53000 orders per day", "The warehouse now picks 53,000+ orders each day.")]
    [InlineData("error fell by 37.5%", "The forecast error fell by 37.5% after launch.")]
    [InlineData("ranking models", "They ranked the model outputs.")]
    [InlineData("churn fell by 12%", "Monthly churn dropped 12% [1].")]
    [InlineData("Drones photograph wheat fields", "Drones photograph the wheat fields at dawn.")]
    public void Stated(string fact, string answer) => Assert.True(FactMatcher.IsStated(fact, answer), $"'{fact}' should be stated in '{answer}'");

    [Theory]
    [InlineData("error fell by 37.5%", "The forecast error fell by 37%.")]
    [InlineData("error fell by 37%", "The forecast error fell by 37.5%.")]
    [InlineData("53,000 orders", "The warehouse picks 5300 orders.")]
    [InlineData("churn fell by 12%", "Monthly churn fell by 2%.")]
    [InlineData("churn fell by 12% and cost by 5%", "Monthly churn fell by 12%.")]
    [InlineData("ranking models", "They trained a classifier.")]
    public void Not_stated(string fact, string answer) => Assert.False(FactMatcher.IsStated(fact, answer), $"'{fact}' should not be stated in '{answer}'");

    [Fact]
    public void Without_numbers_at_least_60_percent_of_content_words_must_appear()
    {
        // Five content words: drone, photograph, wheat, field, blight.
        const string fact = "drones photograph wheat fields blight";
        Assert.True(FactMatcher.IsStated(fact, "drones photograph wheat")); // 3/5 = 0.6
        Assert.False(FactMatcher.IsStated(fact, "drones photograph barley")); // 2/5 = 0.4
        Assert.Equal(0.6, FactMatcher.WordShare);
    }

    [Fact]
    public void With_numbers_40_percent_of_content_words_suffice()
    {
        // Number present; five content words: subscriber, churn, fell, monthly, contract.
        const string fact = "monthly subscriber churn fell 12% contracts";
        Assert.True(FactMatcher.IsStated(fact, "12% less churn among subscribers")); // 2/5 = 0.4
        Assert.False(FactMatcher.IsStated(fact, "12% less churn")); // 1/5 = 0.2
        Assert.False(FactMatcher.IsStated(fact, "monthly subscriber churn fell for contracts")); // words all there, number missing
        Assert.Equal(0.4, FactMatcher.WordShareWithNumbers);
    }

    [Fact]
    public void A_citation_marker_is_not_a_number_the_answer_states()
    {
        Assert.False(FactMatcher.IsStated("churn fell by 1%", "Monthly subscriber churn fell by 12% in the first year. [1]"));
        Assert.False(FactMatcher.IsStated("latency fell to 2 ms", "Latency fell sharply. [1] Costs dropped too. [2]"));
    }

    [Fact]
    public void A_fact_of_only_numbers_needs_just_the_numbers()
    {
        Assert.True(FactMatcher.IsStated("12%", "It fell by 12%."));
        Assert.False(FactMatcher.IsStated("12%", "It fell by 13%."));
    }
}

public sealed class GateTests
{
    private static IReadOnlyDictionary<string, double?> Metrics(double ndcg, double? falseRefusal)
    {
        var d = Evaluation.Metrics.All.ToDictionary(m => m, m => (double?)0.5);
        d[Evaluation.Metrics.Ndcg10] = ndcg;
        d[Evaluation.Metrics.FalseRefusalRate] = falseRefusal;
        return d;
    }

    [Fact]
    public void Parse_reads_metric_and_threshold()
    {
        Assert.Equal(new Gate("ndcg@10", 0.95, false), Gate.Parse("ndcg@10=0.95", atMost: false));
        Assert.Equal(new Gate("false_refusal_rate", 0.05, true), Gate.Parse("false_refusal_rate=0.05", atMost: true));
        Assert.Equal(new Gate("latency_ms_p95", 250, true), Gate.Parse("latency_ms_p95=250", atMost: true));
    }

    [Fact]
    public void Parse_rejects_an_unknown_metric_naming_it_and_the_known_ones()
    {
        var e = Assert.Throws<EvalFormatException>(() => Gate.Parse("ndcg@20=0.9", atMost: false));
        Assert.Contains("unknown metric 'ndcg@20'", e.Message);
        Assert.Contains("ndcg@10", e.Message);
        Assert.Contains("--min", e.Message);
    }

    [Theory]
    [InlineData("ndcg@10=high")]
    [InlineData("ndcg@10=")]
    [InlineData("ndcg@10=0,95")]
    public void Parse_rejects_a_value_that_is_not_a_number(string text)
    {
        var e = Assert.Throws<EvalFormatException>(() => Gate.Parse(text, atMost: true));
        Assert.Contains("is not a number", e.Message);
        Assert.Contains("--max", e.Message);
    }

    [Theory]
    [InlineData("ndcg@10")]
    [InlineData("=0.9")]
    public void Parse_rejects_text_without_metric_and_value(string text)
    {
        var e = Assert.Throws<EvalFormatException>(() => Gate.Parse(text, atMost: false));
        Assert.Contains("METRIC=VALUE", e.Message);
    }

    [Fact]
    public void A_min_gate_fails_below_and_passes_at_or_above()
    {
        var gate = Gate.Parse("ndcg@10=0.9", atMost: false);

        var below = gate.Check(Metrics(0.89, 0));
        Assert.NotNull(below);
        Assert.Contains("ndcg@10", below);
        Assert.Contains("below", below);
        Assert.Null(gate.Check(Metrics(0.9, 0)));
        Assert.Null(gate.Check(Metrics(0.91, 0)));
    }

    [Fact]
    public void A_max_gate_fails_above_and_passes_at_or_below()
    {
        var gate = Gate.Parse("false_refusal_rate=0.1", atMost: true);

        var above = gate.Check(Metrics(1, 0.11));
        Assert.NotNull(above);
        Assert.Contains("false_refusal_rate", above);
        Assert.Contains("above", above);
        Assert.Null(gate.Check(Metrics(1, 0.1)));
        Assert.Null(gate.Check(Metrics(1, 0)));
    }

    [Fact]
    public void A_gate_on_an_unmeasured_metric_fails_and_says_so()
    {
        var gate = Gate.Parse("false_refusal_rate=0.5", atMost: true);

        var reason = gate.Check(Metrics(1, null));

        Assert.NotNull(reason);
        Assert.Contains("not measured", reason);
    }
}

/// <summary>EvalRunner over a real small index.</summary>
public sealed class EvalRunnerTests(EvalCorpusFixture fixture) : IClassFixture<EvalCorpusFixture>
{
    private static List<EvalItem> PerStudyItems() =>
        EvalCorpus.OnePerStudy.Select((q, i) => new EvalItem($"s{i + 1}", q.Question, [q.Id], "fact", [])).ToList();

    private static readonly EvalItem OffTopic = new("off", EvalCorpus.OffTopic, [], "unanswerable", []);

    [Fact]
    public async Task Each_question_is_retrieved_once_and_answered_as_ask_answers_it()
    {
        var items = PerStudyItems().Append(OffTopic).ToList();
        var searches = new List<System.Diagnostics.Activity>();
        using var root = new System.Diagnostics.Activity("test-root").Start(); // this test's spans are the ones in its trace
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = s => s.Name == Telemetry.Name,
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => { lock (searches) if (a.DisplayName == "csa.retrieve.search" && a.TraceId == root.TraceId) searches.Add(a); },
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);

        var report = await fixture.Runner.RunAsync(items, 10, RetrieverKind.Default);

        lock (searches) Assert.Equal(items.Count, searches.Count);
        var assistant = fixture.Services.GetRequiredService<CaseStudyAssistant.Answering.Assistant>();
        foreach (var q in report.Questions)
        {
            var asked = await assistant.AskAsync(q.Question);
            Assert.Equal((asked.Refused, asked.Text), (q.Refused!.Value, q.Answer));
            Assert.Equal(asked.Citations.Select(c => c.DocId).Distinct(), q.Cited);
            Assert.Equal(Math.Round(asked.Evidence, 4), q.Evidence);
        }
    }

    [Fact]
    public async Task A_question_whose_study_ranks_first_scores_ndcg_1_and_an_off_topic_one_is_refused()
    {
        var items = PerStudyItems().Append(OffTopic).ToList();

        var report = await fixture.Runner.RunAsync(items, 10, RetrieverKind.Default);

        Assert.Equal("default", report.Retriever);
        Assert.Equal(items.Count, report.N);
        Assert.Empty(report.Warnings);
        foreach (var q in report.Questions.Where(q => q.Relevant.Count > 0))
        {
            Assert.Equal(q.Relevant[0], q.Ranked[0]);
            Assert.Equal(1.0, q.Ndcg10);
            Assert.Equal(1, q.RelevantRanks[q.Relevant[0]]);
            Assert.Equal(q.Ranked.Distinct().Count(), q.Ranked.Count);
        }
        Assert.Equal(1.0, report.Overall[Metrics.Ndcg10]);
        Assert.Equal(1.0, report.Overall[Metrics.Mrr10]);
        Assert.Equal(1.0, report.Overall[Metrics.Hit5]);
        Assert.Equal(1.0, report.Overall[Metrics.Recall10]);

        var off = report.Questions.Single(q => q.Id == "off");
        Assert.True(off.Refused);
        Assert.Empty(off.Cited);
        Assert.Equal(1.0, report.Overall[Metrics.RefusalRate]);
        Assert.NotNull(report.Overall[Metrics.LatencyP50]);
        Assert.True(report.Overall[Metrics.LatencyP95] >= report.Overall[Metrics.LatencyP50]);
    }

    [Fact]
    public async Task Answer_metrics_are_computed_from_answers()
    {
        var items = PerStudyItems().Append(OffTopic).ToList();

        var report = await fixture.Runner.RunAsync(items, 10, RetrieverKind.Default);

        var answerable = report.Questions.Where(q => q.Relevant.Count > 0).ToList();
        var expectedFalseRefusal = answerable.Count(q => q.Refused == true) / (double)answerable.Count;
        Assert.Equal(Math.Round(expectedFalseRefusal, 4), report.Overall[Metrics.FalseRefusalRate]);
        Assert.All(report.Questions, q => Assert.NotNull(q.Refused));
        Assert.All(report.Questions, q => Assert.NotNull(q.LatencyMs));
        var answered = answerable.Where(q => q.Refused == false && q.Cited.Count > 0).ToList();
        if (answered.Count > 0)
        {
            var precision = answered.Average(q => q.Cited.Count(q.Relevant.Contains) / (double)q.Cited.Count);
            Assert.Equal(Math.Round(precision, 4), report.Overall[Metrics.CitationPrecision]);
        }
    }

    [Fact]
    public async Task Facts_are_found_in_the_answer_or_listed_as_missed()
    {
        const string invented = "revenue tripled to 999 million dollars";
        var items = new List<EvalItem>
        {
            new("n1", "By how much did the forecast error of hourly electricity demand fall?", ["grid-demand"], "numeric",
                ["forecast error fell by 37.5%", invented]),
        };

        var report = await fixture.Runner.RunAsync(items, 10, RetrieverKind.Default);

        var q = Assert.Single(report.Questions);
        Assert.False(q.Refused, q.Answer);
        Assert.Contains(invented, q.FactsMissed);
        Assert.DoesNotContain(invented, q.FactsFound);
        // The answer quotes the study's result sentence, so the labelled fact counts as stated.
        Assert.Contains("forecast error fell by 37.5%", q.FactsFound);
        Assert.Equal(items[0].AnswerFacts.Order(), q.FactsFound.Concat(q.FactsMissed).Order());
        // Each fact is found exactly when the matcher finds it in the answer text.
        Assert.All(q.FactsFound, f => Assert.True(FactMatcher.IsStated(f, q.Answer!)));
        Assert.All(q.FactsMissed, f => Assert.False(FactMatcher.IsStated(f, q.Answer!)));
        Assert.Equal(Math.Round(q.FactsFound.Count / 2.0, 4), report.Overall[Metrics.FactRecall]);
    }

    [Fact]
    public async Task Relevant_ids_missing_from_the_index_are_listed_as_a_warning()
    {
        var items = new List<EvalItem>
        {
            new("a", EvalCorpus.OnePerStudy[0].Question, ["churn-telecom", "no-such-study"], "multi", []),
            new("b", EvalCorpus.OnePerStudy[1].Question, ["typo-robots"], "fact", []),
            new("c", EvalCorpus.OnePerStudy[2].Question, ["crop-disease"], "fact", []),
        };

        var report = await fixture.Runner.RunAsync(items, 10, RetrieverKind.Fts5);

        var warning = Assert.Single(report.Warnings);
        Assert.Contains("no-such-study", warning);
        Assert.Contains("typo-robots", warning);
        Assert.DoesNotContain("churn-telecom", warning);
        Assert.DoesNotContain("crop-disease", warning);
        Assert.Contains("2 ", warning);
        Assert.Null(report.Questions.Single(q => q.Id == "b").RelevantRanks["typo-robots"]);
    }

    [Fact]
    public async Task A_relevant_id_listed_twice_is_rejected_with_its_line_or_counted_once()
    {
        using var dir = new TempDir("evaldup");
        var path = dir.Write("q.jsonl", EvalCorpus.Line("d", EvalCorpus.OnePerStudy[0].Question, ["churn-telecom", "churn-telecom"], "fact") + "\n");

        IReadOnlyList<EvalItem> items;
        try { items = EvalDataset.Load(path); }
        catch (EvalFormatException e) { Assert.Contains($"{path}:1:", e.Message); return; }
        var report = await fixture.Runner.RunAsync(items, 10, RetrieverKind.Default);

        Assert.Equal(1.0, report.Questions[0].Ndcg10);
        Assert.Equal(1.0, report.Overall[Metrics.Recall10]);
    }

    [Fact]
    public async Task By_type_has_one_entry_per_type_present_in_the_documented_order()
    {
        var items = new List<EvalItem>
        {
            OffTopic,
            new("n", "By how much did the forecast error of hourly electricity demand fall?", ["grid-demand"], "numeric", []),
            new("f", EvalCorpus.OnePerStudy[0].Question, ["churn-telecom"], "fact", []),
            new("f2", EvalCorpus.OnePerStudy[1].Question, ["warehouse-robots"], "fact", []),
        };

        var report = await fixture.Runner.RunAsync(items, 10, RetrieverKind.Default);

        Assert.Equal(["fact", "numeric", "unanswerable"], report.ByType.Keys);
        Assert.All(report.ByType.Values, m => Assert.All(Metrics.All, name => Assert.True(m.ContainsKey(name), $"by_type lacks {name}")));
        Assert.Equal(1.0, report.ByType["unanswerable"][Metrics.RefusalRate]);
        Assert.Null(report.ByType["unanswerable"][Metrics.Ndcg10]); // no answerable question of that type
        Assert.Null(report.ByType["fact"][Metrics.RefusalRate]); // no unanswerable question of that type
        var factNdcg = report.Questions.Where(q => q.Type == "fact").Average(q => q.Ndcg10);
        Assert.Equal(Math.Round(factNdcg, 4), report.ByType["fact"][Metrics.Ndcg10]);
    }

    [Fact]
    public async Task The_fts5_baseline_is_scored_beside_the_default_retriever_and_can_be_the_primary_one()
    {
        var items = PerStudyItems().Append(OffTopic).ToList();

        var report = await fixture.Runner.RunAsync(items, 10, RetrieverKind.Default);
        var fts = await fixture.Runner.RunAsync(items, 10, RetrieverKind.Fts5);

        Assert.NotNull(report.Baseline);
        Assert.Equal("fts5", fts.Retriever);
        Assert.Null(fts.Baseline);
        foreach (var m in Metrics.Retrieval)
        {
            Assert.NotNull(fts.Overall[m]);
            Assert.Equal(fts.Overall[m], report.Baseline![m]);
        }
        foreach (var m in new[] { Metrics.RefusalRate, Metrics.FalseRefusalRate, Metrics.CitationPrecision, Metrics.FactRecall, Metrics.LatencyP50, Metrics.LatencyP95 })
        {
            Assert.Null(fts.Overall[m]);
            Assert.Null(report.Baseline![m]);
        }
        Assert.All(fts.Questions, q => Assert.Null(q.Refused));
        // These questions share words with their own study only, so FTS5 ranks it first too.
        Assert.Equal(1.0, fts.Overall[Metrics.Hit5]);
    }

    [Fact]
    public async Task Fts5_baseline_weights_the_title_above_the_body()
    {
        using var fts = new Fts5Baseline(await fixture.Services.GetRequiredService<IStudyIndex>().ListStudiesAsync(Indexing.SearchFilter.None));

        // "autocomplete" is in the title (and tags) of query-autocomplete only.
        Assert.Equal("query-autocomplete", fts.Search("autocomplete", 10)[0]);
        Assert.Equal("grid-demand", fts.Search("Forecasting electricity", 10)[0]);
        Assert.Empty(fts.Search("the of and", 10));
        Assert.Empty(fts.Search("sourdough", 10));
    }
}

public sealed class EvalReportWriterTests
{
    /// <summary>A hand-made report with one question per pass/fail case, at top K = 5.</summary>
    public static EvalReport Sample(Func<QuestionResult, QuestionResult>? change = null)
    {
        static QuestionResult Q(string id, string type, string[] relevant, string[] ranked, bool? refused, string[]? cited = null, string[]? found = null, string[]? missed = null) => new()
        {
            Id = id, Type = type, Question = $"Question {id} <with> \"markup\" & more?", Relevant = relevant, Ranked = ranked,
            RelevantRanks = relevant.ToDictionary(r => r, r => Array.IndexOf(ranked, r) is var i && i >= 0 ? i + 1 : (int?)null),
            Ndcg10 = Math.Round(RankingMetrics.Ndcg(ranked, relevant.ToHashSet(), 10), 4),
            Refused = refused, Cited = cited ?? [], FactsFound = found ?? [], FactsMissed = missed ?? [],
            LatencyMs = 12.5, Evidence = 0.7, Answer = "text",
        };
        var questions = new List<QuestionResult>
        {
            Q("pass-first", "fact", ["a"], ["a", "b", "c"], false, ["a"], ["fact one"], ["fact two"]),
            Q("pass-rank5", "paraphrase", ["e"], ["a", "b", "c", "d", "e", "f"], false, ["e", "b"]),
            Q("fail-rank6", "fact", ["f"], ["a", "b", "c", "d", "e", "f"], false, ["a"]),
            Q("fail-missing", "multi", ["x", "y"], ["a", "b"], false, ["a"]),
            Q("fail-refused", "numeric", ["a"], ["a", "b"], true),
            Q("pass-unans", "unanswerable", [], ["a"], true),
            Q("fail-unans", "unanswerable", [], ["a"], false, ["a"]),
        };
        if (change is not null) questions = questions.Select(change).ToList();
        return new EvalReport
        {
            Retriever = "default", TopK = 5,
            Overall = EvalRunner.Aggregate(questions, 5),
            ByType = questions.GroupBy(q => q.Type).ToDictionary(g => g.Key, g => EvalRunner.Aggregate(g.ToList(), 5)),
            Questions = questions,
            Baseline = EvalRunner.Aggregate(questions.Select(q => q with { Refused = null, LatencyMs = null }).ToList(), 5),
        };
    }

    private static readonly string[] Failing = ["fail-rank6", "fail-missing", "fail-refused", "fail-unans"];

    [Fact]
    public void Json_has_exactly_the_documented_top_level_keys_and_per_question_fields()
    {
        var report = Sample();

        using var doc = JsonDocument.Parse(EvalReportWriter.ToJson(report));
        var root = doc.RootElement;

        Assert.Equal(
            ["recall@5", "recall@10", "hit@5", "mrr@10", "ndcg@10", "refusal_rate", "false_refusal_rate", "citation_precision", "fact_recall",
             "latency_ms_p50", "latency_ms_p95", "by_type", "n", "questions"],
            root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(7, root.GetProperty("n").GetInt32());
        Assert.Equal(report.Overall[Metrics.Ndcg10]!.Value, root.GetProperty("ndcg@10").GetDouble(), 10);
        Assert.Equal(0.5, root.GetProperty("refusal_rate").GetDouble(), 10);

        var questions = root.GetProperty("questions").EnumerateArray().ToList();
        Assert.Equal(report.Questions.Select(q => q.Id), questions.Select(q => q.GetProperty("id").GetString()));
        foreach (var key in new[] { "id", "type", "relevant_ranks", "ndcg@10", "refused", "cited", "facts_found", "facts_missed" })
            Assert.All(questions, q => Assert.True(q.TryGetProperty(key, out _), $"question lacks '{key}'"));

        var first = questions[0];
        Assert.Equal("fact", first.GetProperty("type").GetString());
        Assert.Equal(1, first.GetProperty("relevant_ranks").GetProperty("a").GetInt32());
        Assert.Equal(1.0, first.GetProperty("ndcg@10").GetDouble());
        Assert.False(first.GetProperty("refused").GetBoolean());
        Assert.Equal(["a"], first.GetProperty("cited").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["fact one"], first.GetProperty("facts_found").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["fact two"], first.GetProperty("facts_missed").EnumerateArray().Select(e => e.GetString()));

        var missing = questions.Single(q => q.GetProperty("id").GetString() == "fail-missing").GetProperty("relevant_ranks");
        Assert.Equal(JsonValueKind.Null, missing.GetProperty("x").ValueKind);
        Assert.Empty(questions.Single(q => q.GetProperty("id").GetString() == "pass-unans").GetProperty("relevant_ranks").EnumerateObject());

        var byType = root.GetProperty("by_type");
        Assert.Equal(report.ByType.Keys.Order(), byType.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(2, byType.GetProperty("unanswerable").GetProperty("n").GetInt32());
        Assert.Equal(2, byType.GetProperty("fact").GetProperty("n").GetInt32());
        Assert.Equal(JsonValueKind.Null, byType.GetProperty("fact").GetProperty("refusal_rate").ValueKind);
    }

    [Fact]
    public void JUnit_is_well_formed_with_one_testcase_per_question_and_a_failure_exactly_for_failing_ones()
    {
        var report = Sample();

        var xml = XDocument.Parse(EvalReportWriter.ToJUnit(report, "csa-eval.sample"));

        var suites = xml.Root!;
        Assert.Equal("testsuites", suites.Name.LocalName);
        Assert.Equal("7", suites.Attribute("tests")!.Value);
        Assert.Equal("4", suites.Attribute("failures")!.Value);
        var suite = Assert.Single(suites.Elements("testsuite"));
        Assert.Equal("csa-eval.sample", suite.Attribute("name")!.Value);
        var cases = suite.Elements("testcase").ToList();
        Assert.Equal(7, cases.Count);
        for (var i = 0; i < cases.Count; i++)
        {
            var q = report.Questions[i];
            Assert.StartsWith($"{q.Id}: ", cases[i].Attribute("name")!.Value);
            Assert.Contains(q.Question, cases[i].Attribute("name")!.Value); // escaped markup survives the round trip
            Assert.Equal($"csa-eval.sample.{q.Type}", cases[i].Attribute("classname")!.Value);
            var failures = cases[i].Elements("failure").ToList();
            if (Failing.Contains(q.Id)) Assert.Single(failures);
            else Assert.Empty(failures);
        }
        Assert.Contains("top 5", cases.Single(c => c.Attribute("name")!.Value.StartsWith("fail-rank6")).Element("failure")!.Attribute("message")!.Value);
        Assert.Contains("refused", cases.Single(c => c.Attribute("name")!.Value.StartsWith("fail-refused")).Element("failure")!.Attribute("message")!.Value);
        Assert.Contains("answered", cases.Single(c => c.Attribute("name")!.Value.StartsWith("fail-unans")).Element("failure")!.Attribute("message")!.Value);
    }

    [Fact]
    public void FailureOf_applies_the_top_k_and_refusal_rules()
    {
        var report = Sample();

        Assert.Equal(Failing, report.Questions.Where(q => EvalReportWriter.FailureOf(q, 5) is not null).Select(q => q.Id));
        // With K = 6 the study at rank 6 counts as found.
        Assert.Null(EvalReportWriter.FailureOf(report.Questions.Single(q => q.Id == "fail-rank6"), 6));
        // Without answers (FTS5), an unanswerable question cannot fail.
        Assert.Null(EvalReportWriter.FailureOf(report.Questions.Single(q => q.Id == "fail-unans") with { Refused = null }, 5));
    }

    [Fact]
    public void Markdown_has_a_table_row_per_metric_with_overall_baseline_and_per_type_columns()
    {
        var report = Sample();

        var md = EvalReportWriter.ToMarkdown(report, "Retrieval evaluation: sample");
        var lines = md.Split('\n').Select(l => l.TrimEnd('\r')).ToList();

        Assert.Contains("### Retrieval evaluation: sample", lines);
        var header = Assert.Single(lines, l => l.StartsWith("| metric |"));
        Assert.Contains("FTS5 baseline", header);
        var columns = header.Count(c => c == '|');
        foreach (var m in Metrics.All)
        {
            var row = Assert.Single(lines, l => l.StartsWith($"| {m} |"));
            Assert.Equal(columns, row.Count(c => c == '|'));
            Assert.StartsWith($"| {m} | {EvalReportWriter.Format(report.Overall[m])} | {EvalReportWriter.Format(report.Baseline![m])} |", row);
        }
        var separator = lines[lines.IndexOf(header) + 1];
        Assert.Equal(columns, separator.Count(c => c == '|'));
        Assert.Contains("4 failing question(s)", md);
        Assert.All(Failing, id => Assert.Contains($"`{id}`", md));
        Assert.DoesNotContain("`pass-first`", md);
    }
}

public sealed class BaselineComparisonTests : IDisposable
{
    private readonly TempDir _dir = new("evalbase");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Drops_are_regressions_rises_are_improvements_and_refusal_flips_are_judged_right_or_wrong()
    {
        var current = EvalReportWriterTests.Sample();
        // The earlier run: pass-first ranked its study lower (so it rose), pass-rank5 ranked it higher (so it dropped),
        // pass-unans answered (now correctly refused), fail-unans was refused (now wrongly answered),
        // fail-refused answered (now wrongly refused).
        var earlier = EvalReportWriterTests.Sample(q => q.Id switch
        {
            "pass-first" => q with { Ndcg10 = 0.5 },
            "pass-rank5" => q with { Ndcg10 = 1.0 },
            "pass-unans" => q with { Refused = false },
            "fail-unans" => q with { Refused = true },
            "fail-refused" => q with { Refused = false },
            _ => q,
        });
        var path = _dir.Write("earlier.json", EvalReportWriter.ToJson(earlier));

        var c = BaselineComparison.Compare(current, path);

        Assert.Equal(["fail-refused", "fail-unans", "pass-rank5"], c.Regressions.Select(r => r[..r.IndexOf(':')]).Order(StringComparer.Ordinal));
        Assert.Contains(c.Regressions, r => r.StartsWith("pass-rank5:") && r.Contains("ndcg@10 1.000 → 0.387"));
        Assert.Contains(c.Regressions, r => r.StartsWith("fail-unans:") && r.Contains("now answered") && r.Contains("wrong"));
        Assert.Contains(c.Regressions, r => r.StartsWith("fail-refused:") && r.Contains("now refused") && r.Contains("wrong"));
        Assert.Equal(["pass-first", "pass-unans"], c.Improvements.Select(r => r[..r.IndexOf(':')]).Order(StringComparer.Ordinal));
        Assert.Contains(c.Improvements, r => r.StartsWith("pass-first:") && r.Contains("ndcg@10 0.500 → 1.000"));
        Assert.Contains(c.Improvements, r => r.StartsWith("pass-unans:") && r.Contains("now refused") && r.Contains("correct"));

        Assert.All(Metrics.All, m => Assert.True(c.Headline.ContainsKey(m), $"headline lacks {m}"));
        Assert.Equal(earlier.Overall[Metrics.Ndcg10], c.Headline[Metrics.Ndcg10].Before);
        Assert.Equal(current.Overall[Metrics.Ndcg10], c.Headline[Metrics.Ndcg10].After);
        Assert.Equal(earlier.Overall[Metrics.RefusalRate], c.Headline[Metrics.RefusalRate].Before);
    }

    [Fact]
    public void The_same_report_has_no_regressions_or_improvements()
    {
        var report = EvalReportWriterTests.Sample();
        var path = _dir.Write("same.json", EvalReportWriter.ToJson(report));

        var c = BaselineComparison.Compare(report, path);

        Assert.Empty(c.Regressions);
        Assert.Empty(c.Improvements);
        Assert.All(Metrics.All, m => Assert.Equal(c.Headline[m].Before, c.Headline[m].After));
    }

    [Fact]
    public void Questions_new_since_the_baseline_are_not_compared()
    {
        var report = EvalReportWriterTests.Sample();
        var earlier = report with { Questions = report.Questions.Where(q => q.Id != "pass-first").ToList() };
        var path = _dir.Write("earlier.json", EvalReportWriter.ToJson(earlier with
        {
            Overall = EvalRunner.Aggregate(earlier.Questions, 5),
        }));

        var c = BaselineComparison.Compare(report, path);

        Assert.Empty(c.Regressions);
        Assert.Empty(c.Improvements);
    }

    [Fact]
    public void A_missing_or_foreign_baseline_file_is_an_error_naming_it()
    {
        var report = EvalReportWriterTests.Sample();
        var missing = _dir.File("nope.json");
        Assert.Contains(missing, Assert.Throws<EvalFormatException>(() => BaselineComparison.Compare(report, missing)).Message);

        var notJson = _dir.Write("bad.json", "not json at all");
        Assert.Contains(notJson, Assert.Throws<EvalFormatException>(() => BaselineComparison.Compare(report, notJson)).Message);

        var foreign = _dir.Write("foreign.json", """{"results":[]}""");
        var e = Assert.Throws<EvalFormatException>(() => BaselineComparison.Compare(report, foreign));
        Assert.Contains(foreign, e.Message);
        Assert.Contains("questions", e.Message);
    }
}
