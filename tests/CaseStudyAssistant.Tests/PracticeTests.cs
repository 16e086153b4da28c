using CaseStudyAssistant.Configuration;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CaseStudyAssistant.Answering;
using CaseStudyAssistant.Cli.Commands;
using CaseStudyAssistant.Indexing;
using CaseStudyAssistant.OpenAI;
using CaseStudyAssistant.Practice;
using CaseStudyAssistant.Retrieval;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace CaseStudyAssistant.Tests;

/// <summary>
/// Ten studies with the standard sections (Problem / Approach / Key decisions / Stack / Results / Takeaways) from eight
/// companies, seven categories and the years 2018–2024. The Problem sections carry no numbers that the Results use.
/// </summary>
public static class PracticeCorpus
{
    public sealed record Study(
        string Id, string Title, string Company, string Industry, string Category, int Year, string[] Tags,
        string Problem, string Approach, string[] Decisions, string Stack, string[] Results, string Takeaways)
    {
        public string Url => $"https://example.com/practice/{Id}";

        public string Text => string.Join("\n", [Title, Problem, Approach, .. Decisions, Stack, .. Results, Takeaways]);

        public string Markdown => StudyFile.Markdown(Id, Title, Company,
        [
            ("Problem", Problem), ("Approach", Approach), ("Key decisions", string.Join("\n", Decisions.Select(d => "- " + d))),
            ("Stack", Stack), ("Results", string.Join("\n", Results.Select(r => "- " + r))), ("Takeaways", Takeaways),
        ], Year, Industry, Category, Tags, Url);
    }

    public const string AcmeFeed = "acme-home-feed", AcmePacing = "acme-ad-pacing", GlobexCards = "globex-card-fraud",
        GlobexMerchants = "globex-merchant-risk", InitechSearch = "initech-doc-search", UmbrellaForecast = "umbrella-demand-forecast",
        HooliSupport = "hooli-support-assistant", StarkDefects = "stark-defect-detection", WayneEta = "wayne-eta",
        SoylentCalls = "soylent-call-transcription";

    public static readonly Study[] Studies =
    [
        new(AcmeFeed, "Ranking the Acme home feed", "Acme", "Social", "rec", 2023, ["ranking", "feed"],
            "Acme's home feed showed posts in reverse chronological order, so members missed posts from close friends. Daily active members had been flat for three quarters. The feed had to be ranked for sixty million members within a tight page-load budget.",
            "A two-tower model retrieves a few thousand candidate posts per member, and a gradient boosted ranker orders them by predicted engagement. Features are computed in a nightly batch and refreshed by a streaming job.",
            [
                "Use a two-tower retrieval model instead of collaborative filtering on the full post catalogue.",
                "Rank with gradient boosted trees rather than a deep network so the ranker stays debuggable.",
                "Blend predicted likes, comments and dwell time into one engagement score.",
                "Keep a small slice of traffic on the chronological feed as a long-running holdout.",
            ],
            "Python, LightGBM, Kafka, Redis and Spark.",
            ["Daily active members grew 4.2% in the A/B test.", "Time spent in the feed rose 11% and ranking latency stayed under 45 ms at p99."],
            "A simple ranker with good features beat a complex model that nobody could debug."),
        new(AcmePacing, "Pacing Acme ad budgets through the day", "Acme", "Social", "ads", 2021, ["ads", "pacing"],
            "Advertisers on Acme spent their whole daily budget before noon and missed evening audiences. Spend had to be spread across the day for thousands of advertisers without losing auction wins.",
            "A feedback controller adjusts each campaign's bid multiplier every minute from the gap between planned and actual spend.",
            [
                "Use a PID controller rather than a learned pacing policy, because it is predictable and easy to tune.",
                "Plan spend from the hourly traffic curve of the previous week instead of a flat spend rate.",
                "Throttle participation in auctions when a campaign is ahead of plan.",
            ],
            "Go, Flink and Redis.",
            ["Budgets exhausted before noon dropped from 38% of campaigns to 7%.", "Advertiser return on ad spend improved 13%."],
            "Control theory solved most of the problem before any learning was needed."),
        new(GlobexCards, "Scoring card payments for fraud in real time at Globex", "Globex", "Fintech", "fraud", 2022, ["fraud", "real-time", "streaming"],
            "Globex processes card payments for online merchants, and fraudsters tested stolen cards with many small purchases. Every payment had to be approved or declined while the customer waited at checkout. Chargebacks were eating into merchant margins.",
            "A gradient boosted model scores each payment from streaming velocity features, and a rules layer applies merchant-specific thresholds.",
            [
                "Compute velocity features in a streaming pipeline instead of nightly batch jobs.",
                "Score every payment with gradient boosted trees rather than a deep sequence model to keep inference under the latency budget.",
                "Let merchants choose their own decline threshold on the precision-recall curve.",
                "Send borderline payments to a manual review queue.",
            ],
            "Java, Kafka Streams, XGBoost and Cassandra.",
            ["Fraud losses fell 27% year over year.", "False declines dropped 16% and scoring took 18 ms at p99."],
            "Fresh features mattered more than a bigger model."),
        new(GlobexMerchants, "Catching risky merchants at onboarding", "Globex", "Fintech", "fraud", 2019, ["fraud", "risk", "graph"],
            "Some merchants signed up to Globex only to run fraudulent transactions and disappear. The onboarding team could manually review only a small share of applications each day.",
            "A graph neural network scores new merchants from links to known bad accounts through shared devices, bank accounts and addresses.",
            [
                "Model merchants as nodes in a graph linked by shared devices and bank accounts, instead of scoring each application alone.",
                "Train a graph neural network with labels from past chargebacks.",
                "Rank applications for manual review rather than auto-rejecting them.",
            ],
            "PyTorch Geometric, Neo4j and Airflow.",
            ["Reviewers caught 3.1 times more fraudulent merchants per hour.", "Losses from merchant fraud fell 41%."],
            "Relationships between accounts revealed fraud that single applications hid."),
        new(InitechSearch, "Semantic search over Initech's engineering docs", "Initech", "Software", "search", 2024, ["search", "embeddings", "rag"],
            "Initech engineers could not find answers in a huge pile of internal documents spread across wikis and ticket systems. Keyword search missed documents that used different words for the same concept.",
            "Documents are chunked, embedded and stored in a vector index; hybrid retrieval combines BM25 and dense scores, and a cross-encoder reranks the top passages.",
            [
                "Combine BM25 with dense embeddings instead of relying on dense retrieval alone.",
                "Rerank the top 50 passages with a cross-encoder rather than fine-tuning the embedding model.",
                "Chunk documents by section headings to keep passages self-contained.",
            ],
            "Elasticsearch, a sentence-transformer encoder and Qdrant.",
            ["Search success rate rose from 52% to 78%.", "Median query latency was 240 ms."],
            "Hybrid retrieval was the cheapest big win."),
        new(UmbrellaForecast, "Forecasting store demand at Umbrella", "Umbrella", "Retail", "forecast", 2020, ["forecasting", "supply-chain"],
            "Umbrella's stores ran out of popular products while overstocking others, and planners forecast demand in spreadsheets. Forecasts were needed for every product in every store each week.",
            "A global gradient boosted model forecasts weekly demand for all product-store pairs, with promotions and holidays as features.",
            [
                "Train one global model across all products instead of one model per product.",
                "Predict quantiles rather than a single point forecast so planners can set safety stock.",
                "Retrain weekly and monitor drift in forecast error by region.",
            ],
            "Python, LightGBM and Airflow.",
            ["Forecast error (MAPE) fell from 34% to 21%.", "Out-of-stock events dropped 19%."],
            "One global model with good features beat thousands of small ones."),
        new(HooliSupport, "Drafting support answers with an LLM at Hooli", "Hooli", "Software", "genai", 2024, ["llm", "rag", "support"],
            "Hooli's support agents answered the same product questions again and again, and new agents took months to learn the product. Customers waited hours for a first reply.",
            "A large language model drafts replies from help-center articles retrieved for each ticket; agents edit and send the drafts.",
            [
                "Ground every draft in retrieved help-center articles rather than relying on the model's own knowledge.",
                "Keep a human agent in the loop to approve each draft instead of sending replies automatically.",
                "Evaluate drafts with a rubric graded by senior agents before each prompt change.",
            ],
            "A hosted LLM API, Postgres and a vector index.",
            ["First reply time fell from 5 hours to 40 minutes.", "Agents accepted 62% of drafts with minor edits."],
            "Retrieval quality limited draft quality more than the model did."),
        new(StarkDefects, "Spotting defects on the Stark assembly line", "Stark", "Manufacturing", "cv", 2018, ["vision", "edge"],
            "Inspectors at Stark checked welded parts by eye and missed hairline cracks late in their shifts. The line produced a part every few seconds, and the plant had no reliable network connection to the cloud.",
            "A convolutional network classifies camera images of each weld on an edge device beside the line.",
            [
                "Run inference on edge devices at the line instead of sending images to the cloud.",
                "Fine-tune a pretrained CNN rather than training from scratch, because labelled defects were rare.",
                "Route low-confidence images to a human inspector.",
            ],
            "PyTorch, ONNX Runtime and NVIDIA Jetson devices.",
            ["Missed defects fell 72%.", "Inference took 35 ms per image on the edge device."],
            "Put the model where the data is."),
        new(WayneEta, "Predicting delivery arrival times at Wayne", "Wayne", "Logistics", "forecast", 2022, ["eta", "real-time"],
            "Wayne's delivery app promised arrival times that were often wrong by a quarter of an hour, and customers called support to ask where their order was. Couriers' positions arrived as a stream of GPS pings.",
            "A gradient boosted model predicts remaining travel time per route segment from live traffic and courier history, updated as GPS pings arrive.",
            [
                "Predict time per road segment and sum the segments instead of predicting the whole trip at once.",
                "Update estimates from streaming GPS pings rather than only at dispatch.",
                "Show customers a time window rather than a single minute.",
            ],
            "Scala, Flink and XGBoost.",
            ["Mean absolute error of arrival times fell 23%.", "Where-is-my-order calls dropped 31%."],
            "Segment-level predictions generalised to new routes."),
        new(SoylentCalls, "Transcribing customer calls at Soylent", "Soylent", "Retail", "audio", 2023, ["asr", "streaming"],
            "Soylent's quality team could listen to only a tiny sample of customer calls. Supervisors wanted to see what customers complained about across every call.",
            "A speech recognition model transcribes calls in near real time, and a topic classifier tags each transcript.",
            [
                "Fine-tune an open speech recognition model on call audio instead of paying per minute for a cloud API.",
                "Stream audio in short windows rather than transcribing whole recordings after the call.",
                "Redact card numbers and addresses before transcripts are stored.",
            ],
            "Whisper, Kafka and ClickHouse.",
            ["Word error rate fell from 21% to 12%.", "Transcription cost dropped 64% per hour of audio."],
            "Owning the model paid for itself within a quarter."),
    ];

    public static Study Get(string id) => Studies.Single(s => s.Id == id);

    /// <summary>Writes the corpus into <paramref name="dir"/>/corpus and returns that folder.</summary>
    public static string Write(TempDir dir)
    {
        foreach (var s in Studies) dir.Write($"corpus/{s.Category}/{s.Id}.md", s.Markdown);
        return dir.File("corpus");
    }

    /// <summary>Writes and ingests the corpus (offline embeddings, as the CLI does by default).</summary>
    public static void Ingest(TempDir dir, string indexPath)
    {
        var corpus = Write(dir);
        using var services = Pipeline.Build(indexPath);
        var report = services.GetRequiredService<Ingestor>().IngestAsync([corpus], rebuild: false).GetAwaiter().GetResult();
        if (report.Added != Studies.Length || report.HasRejections) throw new InvalidOperationException($"practice fixture ingest failed: {report}");
    }

    /// <summary>The numbers of a text ("4.2", "45", "3.1"), for "is this number repeated elsewhere" checks.</summary>
    public static IEnumerable<string> Numbers(string text) => Regex.Matches(text, @"\d+(?:\.\d+)?").Select(m => m.Value).Distinct();

    public static bool ContainsNumber(string text, string number) => Regex.IsMatch(text, $@"(?<![\d.]){Regex.Escape(number)}(?![\d]|\.\d)");
}

/// <summary>The practice corpus ingested once into a temp index, with the offline pipeline around it.</summary>
public sealed class PracticeIndexFixture : IDisposable
{
    public TempDir Dir { get; } = new("practice");
    public string IndexPath { get; }
    public ServiceProvider Services { get; }

    public PracticeIndexFixture()
    {
        IndexPath = Dir.File("index.db");
        PracticeCorpus.Ingest(Dir, IndexPath);
        Services = Pipeline.Build(IndexPath);
    }

    public IPracticeGenerator Generator => Services.GetRequiredService<IPracticeGenerator>();

    public PracticeSet Generate(PracticeRequest request) => Generator.GenerateAsync(request).GetAwaiter().GetResult();

    public void Dispose()
    {
        Services.Dispose();
        Dir.Dispose();
    }
}

/// <summary>Offline practice sets: filters, topics, determinism, difficulty, grounding and the output formats.</summary>
public sealed class PracticeTests(PracticeIndexFixture fx, ITestOutputHelper output) : IClassFixture<PracticeIndexFixture>
{
    private static string Cited(PracticeItem item) => Assert.Single(item.Citations).DocId;

    private static PracticeCorpus.Study StudyOf(PracticeItem item) => PracticeCorpus.Get(Cited(item));

    private PracticeSet Generate(PracticeRequest request)
    {
        var set = fx.Generate(request);
        output.WriteLine($"request {request} -> [{string.Join(", ", set.Items.Select(Cited))}] notice={set.Notice}");
        return set;
    }

    private static string Fingerprint(PracticeSet set) => JsonSerializer.Serialize(set.Items.Select(i => new
    {
        i.Prompt, i.FollowUps, i.StrongAnswerCovers, i.Difficulty, Citations = i.Citations.Select(c => c.DocId),
    }));

    // ---- filters -----------------------------------------------------------------------------------------

    [Fact]
    public void Company_filter_keeps_every_item_in_that_company()
    {
        var set = Generate(new PracticeRequest { Filter = new SearchFilter { Company = "globex" }, Count = 2, Seed = 3 });

        Assert.Equal(2, set.Items.Count);
        Assert.All(set.Items, i => Assert.Equal("Globex", i.Citations.Single().Company));
        Assert.Equal([PracticeCorpus.GlobexCards, PracticeCorpus.GlobexMerchants], set.Items.Select(Cited).Order());
        Assert.Null(set.Notice);
    }

    [Fact]
    public void Category_filter_keeps_every_item_in_that_category()
    {
        var set = Generate(new PracticeRequest { Filter = new SearchFilter { Category = "forecast" }, Count = 2, Seed = 11 });

        Assert.Equal(2, set.Items.Count);
        Assert.All(set.Items, i => Assert.Equal("forecast", StudyOf(i).Category));
        Assert.Equal([PracticeCorpus.UmbrellaForecast, PracticeCorpus.WayneEta], set.Items.Select(Cited).Order());
    }

    [Fact]
    public void Tag_filter_keeps_every_item_tagged()
    {
        foreach (var seed in new[] { 1, 2, 3 })
        {
            var set = Generate(new PracticeRequest { Filter = new SearchFilter { Tag = "streaming" }, Count = 1, Seed = seed });
            var item = Assert.Single(set.Items);
            Assert.Contains("streaming", StudyOf(item).Tags);
        }
        var both = Generate(new PracticeRequest { Filter = new SearchFilter { Tag = "streaming" }, Count = 2, Seed = 1 });
        Assert.Equal([PracticeCorpus.GlobexCards, PracticeCorpus.SoylentCalls], both.Items.Select(Cited).Order());
    }

    [Fact]
    public void Year_range_keeps_every_item_inside_the_range()
    {
        var set = Generate(new PracticeRequest { Filter = new SearchFilter { YearFrom = 2021, YearTo = 2022 }, Count = 5, Seed = 4 });

        Assert.Equal([PracticeCorpus.AcmePacing, PracticeCorpus.GlobexCards, PracticeCorpus.WayneEta], set.Items.Select(Cited).Order());
        Assert.All(set.Items, i => Assert.InRange(i.Citations.Single().Year!.Value, 2021, 2022));
        Assert.NotNull(set.Notice);
    }

    [Fact]
    public void Topic_picks_studies_about_the_topic()
    {
        foreach (var seed in new[] { 1, 2, 3, 4, 5 })
        {
            var set = Generate(new PracticeRequest { Topic = "fraud", Count = 2, Seed = seed });
            Assert.NotEmpty(set.Items);
            Assert.All(set.Items, i => Assert.Contains("fraud", StudyOf(i).Text, StringComparison.OrdinalIgnoreCase));
        }
        foreach (var seed in new[] { 1, 2, 3 })
        {
            var set = Generate(new PracticeRequest { Topic = "speech recognition", Count = 1, Seed = seed });
            Assert.Equal(PracticeCorpus.SoylentCalls, Cited(Assert.Single(set.Items)));
        }
        foreach (var seed in new[] { 1, 2, 3 })
        {
            var set = Generate(new PracticeRequest { Topic = "defects on an assembly line", Count = 1, Seed = seed });
            Assert.Equal(PracticeCorpus.StarkDefects, Cited(Assert.Single(set.Items)));
        }
    }

    [Fact]
    public void Topic_prefers_studies_that_match_it_over_ones_sharing_a_stray_word()
    {
        static bool AboutTopic(PracticeCorpus.Study s) =>
            s.Text.Contains("real-time", StringComparison.OrdinalIgnoreCase) || s.Text.Contains("real time", StringComparison.OrdinalIgnoreCase)
            || s.Text.Contains("stream", StringComparison.OrdinalIgnoreCase);
        Assert.True(PracticeCorpus.Studies.Count(AboutTopic) >= 3);
        foreach (var count in new[] { 1, 2 })
            for (var seed = 1; seed <= 10; seed++)
            {
                var set = Generate(new PracticeRequest { Topic = "real-time streaming", Count = count, Seed = seed });
                Assert.All(set.Items, i => Assert.True(AboutTopic(StudyOf(i)), $"seed {seed}, count {count}: {Cited(i)} is not about real-time streaming"));
            }
        // The best match for a specific topic should not lose to a study that only mentions customers calling support.
        for (var seed = 1; seed <= 5; seed++)
        {
            var set = Generate(new PracticeRequest { Topic = "transcribing customer phone calls with speech recognition", Count = 1, Seed = seed });
            Assert.Equal(PracticeCorpus.SoylentCalls, Cited(Assert.Single(set.Items)));
        }
    }

    [Fact]
    public void Topic_and_filter_combine()
    {
        var set = Generate(new PracticeRequest { Topic = "fraud", Filter = new SearchFilter { YearTo = 2020 }, Count = 3, Seed = 2 });

        Assert.Equal(PracticeCorpus.GlobexMerchants, Cited(Assert.Single(set.Items)));
        Assert.NotNull(set.Notice);
    }

    [Fact]
    public void No_study_or_company_repeats_while_enough_exist()
    {
        var companies = PracticeCorpus.Studies.Select(s => s.Company).Distinct().Count();
        foreach (var seed in new[] { 1, 7, 42 })
        {
            var set = Generate(new PracticeRequest { Count = companies, Seed = seed });
            Assert.Equal(companies, set.Items.Count);
            Assert.Equal(companies, set.Items.Select(Cited).Distinct().Count());
            Assert.Equal(companies, set.Items.Select(i => i.Citations.Single().Company).Distinct().Count());
        }
        // More items than companies: every study at most once.
        var all = Generate(new PracticeRequest { Count = PracticeCorpus.Studies.Length, Seed = 9 });
        Assert.Equal(PracticeCorpus.Studies.Select(s => s.Id).Order(), all.Items.Select(Cited).Order());
        Assert.Null(all.Notice);
    }

    [Fact]
    public void Asking_for_more_items_than_matching_studies_returns_fewer_with_a_notice()
    {
        var set = Generate(new PracticeRequest { Filter = new SearchFilter { Company = "Acme" }, Count = 5, Seed = 1 });

        Assert.Equal([PracticeCorpus.AcmePacing, PracticeCorpus.AcmeFeed], set.Items.Select(Cited).Order());
        Assert.NotNull(set.Notice);
        Assert.Contains("only 2 studies match", set.Notice);
        Assert.Contains("asked for 5", set.Notice);

        var whole = Generate(new PracticeRequest { Count = 20, Seed = 1 });
        Assert.Equal(PracticeCorpus.Studies.Length, whole.Items.Count);
        Assert.Contains($"only {PracticeCorpus.Studies.Length} studies match", whole.Notice);
    }

    [Fact]
    public void Company_with_no_studies_gives_an_empty_set()
    {
        var set = Generate(new PracticeRequest { Filter = new SearchFilter { Company = "Nobody Inc" }, Count = 2, Seed = 1 });

        Assert.Empty(set.Items);
        Assert.NotNull(set.Notice);
    }

    // ---- determinism ---------------------------------------------------------------------------------------

    [Fact]
    public void Same_seed_and_request_give_identical_items()
    {
        var request = new PracticeRequest { Count = 4, Seed = 1234, Difficulty = Difficulty.Staff };

        var a = Generate(request);
        var b = Generate(request with { });
        // A fresh pipeline over the same index gives the same set too.
        using var other = Pipeline.Build(fx.IndexPath);
        var c = other.GetRequiredService<IPracticeGenerator>().GenerateAsync(request).GetAwaiter().GetResult();

        Assert.Equal(4, a.Items.Count);
        Assert.Equal(Fingerprint(a), Fingerprint(b));
        Assert.Equal(Fingerprint(a), Fingerprint(c));
        Assert.Equal(1234, a.Seed);
        Assert.Equal("offline", a.Generator);

        var topical = new PracticeRequest { Topic = "real-time streaming", Count = 2, Seed = 77 };
        Assert.Equal(Fingerprint(Generate(topical)), Fingerprint(Generate(topical)));
    }

    [Fact]
    public void Different_seeds_give_different_sets()
    {
        var sets = Enumerable.Range(1, 4).Select(seed => Generate(new PracticeRequest { Count = 3, Seed = seed })).ToList();

        Assert.Equal(4, sets.Select(Fingerprint).Distinct().Count());
        // Not just the phrasing: the seed changes which studies are asked about.
        Assert.True(sets.Select(s => string.Join(",", s.Items.Select(Cited))).Distinct().Count() > 1,
            "every seed picked the same studies in the same order");
    }

    // ---- difficulty ------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(Difficulty.Junior, 2)]
    [InlineData(Difficulty.Senior, 3)]
    [InlineData(Difficulty.Staff, 4)]
    public void Difficulty_sets_the_number_of_probes(Difficulty difficulty, int probes)
    {
        var set = Generate(new PracticeRequest { Count = PracticeCorpus.Studies.Length, Seed = 5, Difficulty = difficulty });

        Assert.Equal(PracticeCorpus.Studies.Length, set.Items.Count);
        Assert.All(set.Items, i =>
        {
            Assert.Equal(difficulty, i.Difficulty);
            Assert.Equal(probes, i.FollowUps.Count);
            Assert.Equal(probes, i.FollowUps.Distinct().Count());
            Assert.All(i.FollowUps, f => Assert.Contains("?", f));
        });
    }

    [Fact]
    public void Default_difficulty_is_senior()
    {
        var set = Generate(new PracticeRequest { Count = 1, Seed = 1 });

        var item = Assert.Single(set.Items);
        Assert.Equal(Difficulty.Senior, item.Difficulty);
        Assert.Equal(3, item.FollowUps.Count);
    }

    // ---- grounding ------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(Difficulty.Junior, 21)]
    [InlineData(Difficulty.Senior, 22)]
    [InlineData(Difficulty.Staff, 23)]
    public void Prompt_sets_the_scene_from_the_problem_without_giving_the_solution_away(Difficulty difficulty, int seed)
    {
        var set = Generate(new PracticeRequest { Count = PracticeCorpus.Studies.Length, Seed = seed, Difficulty = difficulty });

        Assert.Equal(PracticeCorpus.Studies.Length, set.Items.Count);
        foreach (var item in set.Items)
        {
            var study = StudyOf(item);
            var firstProblemSentence = study.Problem.Split(". ")[0];
            Assert.Contains(firstProblemSentence, item.Prompt);
            foreach (var decision in study.Decisions)
            {
                Assert.DoesNotContain(decision.TrimEnd('.'), item.Prompt);
            }
            foreach (var approachSentence in study.Approach.Split(". ", StringSplitOptions.RemoveEmptyEntries))
                Assert.DoesNotContain(approachSentence.TrimEnd('.'), item.Prompt);
            foreach (var number in PracticeCorpus.Numbers(string.Join(" ", study.Results)))
                Assert.False(PracticeCorpus.ContainsNumber(item.Prompt, number), $"the prompt for {study.Id} gives away the result number {number}:\n{item.Prompt}");
            foreach (var result in study.Results) Assert.DoesNotContain(result.TrimEnd('.'), item.Prompt);
        }
    }

    [Fact]
    public void Rubric_points_come_from_the_study_and_cover_decisions_and_results()
    {
        var set = Generate(new PracticeRequest { Count = PracticeCorpus.Studies.Length, Seed = 8 });

        foreach (var item in set.Items)
        {
            var study = StudyOf(item);
            var decisions = item.StrongAnswerCovers.Where(p => p.StartsWith("Key decision: ", StringComparison.Ordinal)).ToList();
            var results = item.StrongAnswerCovers.Where(p => p.StartsWith("Result to compare against: ", StringComparison.Ordinal)).ToList();
            var alternatives = item.StrongAnswerCovers.Where(p => p.StartsWith("Alternative weighed: ", StringComparison.Ordinal)).ToList();

            Assert.NotEmpty(decisions);
            Assert.All(decisions, d => Assert.Contains(d["Key decision: ".Length..], study.Decisions));
            Assert.Equal(study.Decisions.Take(4), decisions.Select(d => d["Key decision: ".Length..]));
            Assert.Equal(study.Results, results.Select(r => r["Result to compare against: ".Length..]));
            Assert.All(alternatives, a => Assert.Contains(a["Alternative weighed: ".Length..].TrimEnd('.'), study.Approach + " " + string.Join(" ", study.Decisions)));
            // Nothing else sneaks into the rubric.
            Assert.Equal(item.StrongAnswerCovers.Count, decisions.Count + results.Count + alternatives.Count);
            Assert.Equal(item.StrongAnswerCovers.Count, item.StrongAnswerCovers.Distinct().Count());
        }
    }

    [Fact]
    public void Citation_carries_the_studys_id_title_company_year_and_url()
    {
        var set = Generate(new PracticeRequest { Count = PracticeCorpus.Studies.Length, Seed = 3 });

        foreach (var item in set.Items)
        {
            var c = Assert.Single(item.Citations);
            var study = PracticeCorpus.Get(c.DocId);
            Assert.Equal((study.Title, study.Company, (int?)study.Year, (string?)study.Url), (c.Title, c.Company, c.Year, c.Url));
            // The prompt is set at the cited company (or in its industry), so citation and question agree.
            Assert.True(item.Prompt.Contains(study.Company) || item.Prompt.Contains(study.Industry), item.Prompt);
        }
    }

    [Fact]
    public void Decision_probe_quotes_a_real_decision()
    {
        var set = Generate(new PracticeRequest { Count = PracticeCorpus.Studies.Length, Seed = 12, Difficulty = Difficulty.Staff });

        foreach (var item in set.Items)
        {
            var quoted = Regex.Match(item.FollowUps[0], "\"(.+?)\"").Groups[1].Value;
            Assert.Contains(StudyOf(item).Decisions, d => d.TrimEnd('.') == quoted);
        }
    }

    // ---- formats -----------------------------------------------------------------------------------------------

    [Fact]
    public void Json_has_items_with_prompt_probes_rubric_difficulty_and_citations()
    {
        var set = Generate(new PracticeRequest { Count = 2, Seed = 6, Difficulty = Difficulty.Junior });

        var json = JsonSerializer.Serialize(PracticeFormatter.ToJson(set), CaseStudyAssistant.Web.Contracts.Json.Options);
        output.WriteLine(json);
        var root = JsonNode.Parse(json)!.AsObject();

        Assert.Equal(6, root["seed"]!.GetValue<int>());
        Assert.Equal("offline", root["generator"]!.GetValue<string>());
        Assert.True(root.ContainsKey("model") && root["model"] is null);
        Assert.True(root.ContainsKey("notice"));
        Assert.NotNull(root["prompts"] as JsonArray);
        var items = root["items"]!.AsArray();
        Assert.Equal(2, items.Count);
        for (var n = 0; n < items.Count; n++)
        {
            var item = items[n]!.AsObject();
            var expected = set.Items[n];
            Assert.Equal(["prompt", "followUps", "strongAnswerCovers", "difficulty", "citations"], item.Select(p => p.Key));
            Assert.Equal(expected.Prompt, item["prompt"]!.GetValue<string>());
            Assert.Equal(expected.FollowUps, item["followUps"]!.AsArray().Select(f => f!.GetValue<string>()));
            Assert.Equal(expected.StrongAnswerCovers, item["strongAnswerCovers"]!.AsArray().Select(f => f!.GetValue<string>()));
            Assert.Equal("junior", item["difficulty"]!.GetValue<string>());
            var citation = Assert.Single(item["citations"]!.AsArray())!.AsObject();
            Assert.Equal(["docId", "title", "company", "year", "url"], citation.Select(p => p.Key));
            var study = PracticeCorpus.Get(citation["docId"]!.GetValue<string>());
            Assert.Equal(study.Title, citation["title"]!.GetValue<string>());
            Assert.Equal(study.Company, citation["company"]!.GetValue<string>());
            Assert.Equal(study.Year, citation["year"]!.GetValue<int>());
            Assert.Equal(study.Url, citation["url"]!.GetValue<string>());
        }
    }

    [Fact]
    public void Markdown_sheet_has_a_heading_per_question_probes_rubric_checkboxes_and_the_source_link()
    {
        var set = Generate(new PracticeRequest { Count = 3, Seed = 2, Difficulty = Difficulty.Staff });

        var md = PracticeFormatter.ToMarkdown(set);
        output.WriteLine(md);
        var lines = md.Split('\n').Select(l => l.TrimEnd('\r')).ToList();

        Assert.StartsWith("# ", lines[0]);
        Assert.Contains("3 questions · seed 2 · offline generator", md);
        Assert.Equal(3, lines.Count(l => l.StartsWith("## ")));
        for (var n = 0; n < set.Items.Count; n++)
        {
            var item = set.Items[n];
            var study = StudyOf(item);
            Assert.Contains($"## {n + 1}. {study.Company}: {study.Title} (staff)", lines);
            Assert.Contains($"**Prompt.** {item.Prompt}", lines);
            Assert.All(item.FollowUps, f => Assert.Contains($"1. {f}", lines));
            Assert.All(item.StrongAnswerCovers, p => Assert.Contains($"- [ ] {p}", lines));
            Assert.Contains($"- {study.Title} — {study.Company}, {study.Year} — <{study.Url}>", lines);
        }
        // Sections appear in order within each question.
        var first = lines.IndexOf(lines.First(l => l.StartsWith("## 1. ")));
        var second = lines.IndexOf(lines.First(l => l.StartsWith("## 2. ")));
        var block = lines.Skip(first).Take(second - first).ToList();
        var order = new[] { "**Prompt.**", "**Follow-up probes**", "**A strong answer covers**", "**Source**" }
            .Select(h => block.FindIndex(l => l.StartsWith(h))).ToList();
        Assert.All(order, i => Assert.True(i >= 0));
        Assert.Equal(order.Order(), order);
    }

    [Fact]
    public void Text_lists_each_question_with_its_probes_rubric_and_source()
    {
        var set = Generate(new PracticeRequest { Count = 2, Seed = 4 });

        var text = PracticeFormatter.ToText(set);
        output.WriteLine(text);

        for (var n = 0; n < set.Items.Count; n++)
        {
            var item = set.Items[n];
            var study = StudyOf(item);
            Assert.Contains($"Question {n + 1} (senior)", text);
            Assert.Contains(item.Prompt, text);
            for (var f = 0; f < item.FollowUps.Count; f++) Assert.Contains($"  {f + 1}. {item.FollowUps[f]}", text);
            Assert.All(item.StrongAnswerCovers, p => Assert.Contains($"  - {p}", text));
            Assert.Contains($"[1] {study.Title} — {study.Company}, {study.Year} — {study.Url}", text);
        }
    }

    // ---- rubric coverage ----------------------------------------------------------------------------------------

    [Fact]
    public void Paraphrased_decision_with_the_key_words_is_covered()
    {
        var study = PracticeCorpus.Get(PracticeCorpus.GlobexCards);
        var rubric = study.Decisions.Select(d => "Key decision: " + d).Append("Result to compare against: " + study.Results[0]).ToList();

        var feedback = RubricCoverage.Assess(
            "I'd compute the velocity features with a streaming pipeline, since nightly batches are too stale, and let each merchant pick its decline threshold.",
            rubric);

        Assert.Equal([rubric[0], rubric[2]], feedback.Covered);
        Assert.Equal([rubric[1], rubric[3], rubric[4]], feedback.Missed);
        Assert.Equal(2 / 5.0, feedback.Share, 3);
    }

    [Theory]
    [InlineData("Key decision: Route every ticket to an LLM for drafting.", "I would have a large language model write it.")]
    [InlineData("Key decision: Draft each reply with a large language model.", "Use an LLM.")]
    [InlineData("Key decision: Score accounts with a GNN.", "A graph neural network.")]
    public void Acronyms_and_their_spelled_out_forms_meet(string point, string answer)
    {
        var feedback = RubricCoverage.Assess(answer, [point]);

        Assert.Equal([point], feedback.Covered);
        Assert.Empty(feedback.Missed);
    }

    [Fact]
    public void Unrelated_answer_covers_nothing()
    {
        var set = Generate(new PracticeRequest { Count = PracticeCorpus.Studies.Length, Seed = 1 });

        foreach (var item in set.Items)
        {
            var feedback = RubricCoverage.Assess("I enjoy baking sourdough bread on weekends and hiking with my dog in the hills.", item.StrongAnswerCovers);
            Assert.Empty(feedback.Covered);
            Assert.Equal(item.StrongAnswerCovers, feedback.Missed);
            Assert.Equal(0, feedback.Share);
        }
        Assert.Empty(RubricCoverage.Assess("", set.Items[0].StrongAnswerCovers).Covered);
    }

    [Fact]
    public void Answer_repeating_the_whole_design_covers_every_point()
    {
        var set = Generate(new PracticeRequest { Filter = new SearchFilter { Company = "Hooli" }, Count = 1, Seed = 1 });
        var item = Assert.Single(set.Items);
        var study = StudyOf(item);

        var feedback = RubricCoverage.Assess(string.Join("\n", study.Decisions.Concat(study.Results).Append(study.Approach)), item.StrongAnswerCovers);

        Assert.Equal(item.StrongAnswerCovers, feedback.Covered);
        Assert.Equal(1.0, feedback.Share);
    }
}

/// <summary>
/// Practice questions written by a (fake) OpenAI-compatible model: schema validation, one retry with the problem
/// listed, the offline fallback, and citations limited to the studies the model was given.
/// </summary>
public sealed class LlmPracticeTests(PracticeIndexFixture fx, ITestOutputHelper output) : IClassFixture<PracticeIndexFixture>, IAsyncLifetime
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

    private IPracticeGenerator Generator => _services.GetRequiredService<IPracticeGenerator>();

    private static bool IsPractice(RecordedRequest r) => r.Messages.FirstOrDefault()?.Content.StartsWith(PromptFiles.FirstLine("practice"), StringComparison.Ordinal) == true;

    /// <summary>The study ids in a practice request's prompt, in order.</summary>
    private static List<string> GivenIds(RecordedRequest r) =>
        Regex.Matches(r.Messages[0].Content, "<study id=\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToList();

    private static string ItemJson(string studyId, string prompt, int followUps = 3, int covers = 3) => new JsonObject
    {
        ["studyId"] = studyId,
        ["prompt"] = prompt,
        ["followUps"] = new JsonArray(Enumerable.Range(1, followUps).Select(n => (JsonNode)$"Model probe {n} for {studyId}?").ToArray()),
        ["strongAnswerCovers"] = new JsonArray(Enumerable.Range(1, covers).Select(n => (JsonNode)$"Model rubric point {n} for {studyId}").ToArray()),
    }.ToJsonString();

    private static string PromptFor(string id) => $"Model-written design question about {id}: design the system end to end, covering data and serving.";

    /// <summary>A valid reply for every study the request gave, in reverse order.</summary>
    private static FakeReply ValidReply(RecordedRequest r) =>
        FakeReply.Text("{\"items\":[" + string.Join(",", GivenIds(r).AsEnumerable().Reverse().Select(id => ItemJson(id, PromptFor(id)))) + "]}");

    private async Task<PracticeSet> GenerateAsync(PracticeRequest request)
    {
        var set = await Generator.GenerateAsync(request);
        foreach (var r in _server.ChatRequests)
            output.WriteLine($"--- request {r.Seq}: {string.Join(" | ", r.Messages.Select(m => $"{m.Role}: {(m.Content.Length > 300 ? m.Content[..300] + "…" : m.Content)}"))}");
        output.WriteLine($"generator={set.Generator} notice={set.Notice} items=[{string.Join(", ", set.Items.Select(i => i.Citations.Single().DocId))}]");
        return set;
    }

    private static void AssertCitesGivenStudies(PracticeSet set, IReadOnlyCollection<string> given)
    {
        foreach (var item in set.Items)
        {
            var c = Assert.Single(item.Citations);
            Assert.Contains(c.DocId, given);
            var study = PracticeCorpus.Get(c.DocId);
            Assert.Equal((study.Title, study.Company, (int?)study.Year, (string?)study.Url), (c.Title, c.Company, c.Year, c.Url));
        }
    }

    [Fact]
    public async Task Valid_reply_is_used_and_each_item_cites_the_study_it_names()
    {
        _server.When(IsPractice, ValidReply);

        var set = await GenerateAsync(new PracticeRequest { Count = 3, Seed = 4, Difficulty = Difficulty.Staff });

        var request = Assert.Single(_server.ChatRequests);
        var given = GivenIds(request);
        Assert.Equal(3, given.Count);
        Assert.Equal(3, given.Select(id => PracticeCorpus.Get(id).Company).Distinct().Count());
        Assert.Equal(LlmRig.ChatModel, request.Model);
        Assert.Contains("at staff level", request.Messages[0].Content);
        Assert.Contains("\"followUps\": 4 probes", request.Messages[0].Content);
        Assert.Equal(0.4, request.Field("temperature")!.GetValue<double>(), 3);
        Assert.Equal(2500, (request.Field("max_completion_tokens") ?? request.Field("max_tokens"))!.GetValue<int>());

        Assert.Equal("llm", set.Generator);
        Assert.Equal(LlmRig.ChatModel, set.Model);
        Assert.Null(set.Notice);
        Assert.Equal("practice", Assert.Single(set.Prompts).Name);
        Assert.Equal(given.AsEnumerable().Reverse().Select(PromptFor), set.Items.Select(i => i.Prompt));
        Assert.All(set.Items, i =>
        {
            var id = i.Citations.Single().DocId;
            Assert.Contains(id, i.Prompt);
            Assert.Equal(Difficulty.Staff, i.Difficulty);
            Assert.Equal(Enumerable.Range(1, 3).Select(n => $"Model probe {n} for {id}?"), i.FollowUps);
            Assert.Equal(Enumerable.Range(1, 3).Select(n => $"Model rubric point {n} for {id}"), i.StrongAnswerCovers);
        });
        AssertCitesGivenStudies(set, given);
    }

    [Fact]
    public async Task Model_is_given_the_studies_the_filters_select_with_their_sections()
    {
        _server.When(IsPractice, ValidReply);

        var set = await GenerateAsync(new PracticeRequest { Filter = new SearchFilter { Category = "fraud" }, Count = 2, Seed = 1, Difficulty = Difficulty.Junior });

        var request = Assert.Single(_server.ChatRequests);
        Assert.Equal([PracticeCorpus.GlobexCards, PracticeCorpus.GlobexMerchants], GivenIds(request).Order());
        var prompt = request.Messages[0].Content;
        Assert.Contains("\"followUps\": 2 probes", prompt);
        Assert.Contains(PracticeCorpus.Get(PracticeCorpus.GlobexCards).Decisions[0], prompt);
        Assert.Contains(PracticeCorpus.Get(PracticeCorpus.GlobexMerchants).Problem.Split(". ")[0], prompt);
        Assert.DoesNotContain(PracticeCorpus.Get(PracticeCorpus.AcmeFeed).Title, prompt);
        Assert.Equal(2, set.Items.Count);
        AssertCitesGivenStudies(set, GivenIds(request));
    }

    public static TheoryData<string, string> InvalidReplies => new()
    {
        { "{\"items\":[" + ItemJson("made-up-study", PromptFor("made-up-study")) + "]}", "item 1 names study 'made-up-study', which was not given" },
        { "{\"items\":[" + ItemJson(PracticeCorpus.GlobexCards, PromptFor(PracticeCorpus.GlobexCards), followUps: 1) + "]}", "item 1 needs 2 to 4 \"followUps\"" },
        { "{\"items\":[" + ItemJson(PracticeCorpus.GlobexCards, PromptFor(PracticeCorpus.GlobexCards), followUps: 5) + "]}", "item 1 needs 2 to 4 \"followUps\"" },
        { "{\"items\":[" + ItemJson(PracticeCorpus.GlobexCards, PromptFor(PracticeCorpus.GlobexCards), covers: 1) + "]}", "item 1 needs at least 2 \"strongAnswerCovers\"" },
        { "{\"items\":[" + ItemJson(PracticeCorpus.GlobexCards, "Design it.") + "]}", "item 1 has no usable \"prompt\"" },
        { "{\"items\":[" + ItemJson(PracticeCorpus.GlobexCards, PromptFor(PracticeCorpus.GlobexCards)) + "," + ItemJson(PracticeCorpus.GlobexCards, PromptFor(PracticeCorpus.GlobexCards)) + "]}", "used twice" },
        { "Here are your questions: 1. Design a fraud system.", "not JSON" },
        { "{\"questions\":[]}", "no \"items\" list" },
        { "{\"items\":[]}", "\"items\" list is empty" },
        { "{\"items\":[\"just a string\"]}", "item 1 is not an object" },
    };

    [Theory]
    [MemberData(nameof(InvalidReplies))]
    public async Task Invalid_first_reply_is_retried_with_the_problem_listed_and_the_second_reply_is_used(string invalid, string problem)
    {
        _server.Enqueue(FakeReply.Text(invalid));
        _server.When(r => IsPractice(r) && r.Messages.Count == 3, ValidReply);

        var set = await GenerateAsync(new PracticeRequest { Filter = new SearchFilter { Category = "fraud" }, Count = 2, Seed = 2 });

        var requests = _server.ChatRequests;
        Assert.Equal(2, requests.Count);
        var retry = requests[1];
        Assert.Equal(["user", "assistant", "user"], retry.Messages.Select(m => m.Role));
        Assert.Equal(requests[0].Messages[0].Content, retry.Messages[0].Content);
        Assert.Equal(invalid, retry.Messages[1].Content);
        Assert.StartsWith("That reply is not valid: ", retry.Messages[2].Content);
        Assert.Contains(problem, retry.Messages[2].Content);
        Assert.Contains("JSON only", retry.Messages[2].Content);

        Assert.Equal("llm", set.Generator);
        Assert.Null(set.Notice);
        var given = GivenIds(requests[0]);
        Assert.Equal(given.AsEnumerable().Reverse().Select(PromptFor), set.Items.Select(i => i.Prompt));
        AssertCitesGivenStudies(set, given);
    }

    [Fact]
    public async Task Two_invalid_replies_fall_back_to_the_offline_questions_with_a_notice()
    {
        _server.Enqueue(FakeReply.Text("not json at all"), FakeReply.Text("{\"items\":[" + ItemJson("made-up-study", PromptFor("made-up-study")) + "]}"));
        var request = new PracticeRequest { Filter = new SearchFilter { Category = "fraud" }, Count = 2, Seed = 3 };

        var set = await GenerateAsync(request);

        Assert.Equal(2, _server.ChatRequests.Count);
        Assert.Equal("offline", set.Generator);
        Assert.Null(set.Model);
        Assert.NotNull(set.Notice);
        Assert.Contains("unusable", set.Notice);
        Assert.Contains("made-up-study", set.Notice);
        Assert.Contains("offline", set.Notice);
        var offline = await _services.GetRequiredService<OfflinePracticeGenerator>().GenerateAsync(request);
        Assert.Equal(offline.Items.Select(i => i.Prompt), set.Items.Select(i => i.Prompt));
        Assert.All(set.Items, i => Assert.Contains(i.Citations.Single().DocId, GivenIds(_server.ChatRequests[0])));
        Assert.DoesNotContain(set.Items, i => i.Prompt.StartsWith("Model-written"));
    }

    [Fact]
    public async Task Server_errors_fall_back_to_the_offline_questions_with_a_notice()
    {
        _server.When(IsPractice, FakeReply.Error(503, "overloaded"));

        var set = await GenerateAsync(new PracticeRequest { Count = 2, Seed = 3 });

        Assert.Equal("offline", set.Generator);
        Assert.Equal(2, set.Items.Count);
        Assert.NotNull(set.Notice);
    }

    [Fact]
    public async Task Item_naming_a_study_outside_the_selection_is_never_cited()
    {
        // The model answers about a real study of the corpus that was not selected for this set, both times.
        _server.When(IsPractice, r =>
        {
            var outsider = PracticeCorpus.Studies.First(s => !GivenIds(r).Contains(s.Id)).Id;
            return FakeReply.Text("{\"items\":[" + ItemJson(outsider, PromptFor(outsider)) + "]}");
        });

        var set = await GenerateAsync(new PracticeRequest { Filter = new SearchFilter { Company = "Acme" }, Count = 2, Seed = 1 });

        var given = GivenIds(_server.ChatRequests[0]);
        Assert.Equal(2, _server.ChatRequests.Count);
        Assert.Contains("which was not given", _server.ChatRequests[1].Messages[2].Content);
        Assert.Equal("offline", set.Generator);
        AssertCitesGivenStudies(set, given);
        Assert.All(set.Items, i => Assert.Equal("Acme", i.Citations.Single().Company));
    }

    [Theory]
    [InlineData("```json\n{0}\n```")]
    [InlineData("```JSON\n{0}\n```\n")]
    [InlineData("```\n{0}\n```")]
    [InlineData("  {0}  ")]
    public async Task Fenced_json_reply_is_accepted(string wrapper)
    {
        _server.When(IsPractice, r => FakeReply.Text(wrapper.Replace("{0}", ValidReply(r).Content)));

        var set = await GenerateAsync(new PracticeRequest { Filter = new SearchFilter { Category = "fraud" }, Count = 2, Seed = 1 });

        Assert.Single(_server.ChatRequests);
        Assert.Equal("llm", set.Generator);
        Assert.Equal(2, set.Items.Count);
        Assert.All(set.Items, i => Assert.StartsWith("Model-written", i.Prompt));
    }

    [Fact]
    public async Task Asking_for_more_items_than_matching_studies_keeps_the_notice_with_a_model()
    {
        _server.When(IsPractice, ValidReply);

        var set = await GenerateAsync(new PracticeRequest { Filter = new SearchFilter { Company = "Acme" }, Count = 5, Seed = 1 });

        Assert.Equal("llm", set.Generator);
        Assert.Equal(2, set.Items.Count);
        // The offline generator says "only 2 studies match the filters; asked for 5" here; the model's set should too.
        Assert.NotNull(set.Notice);
        Assert.Contains("asked for 5", set.Notice);
    }

    [Fact]
    public async Task Request_carries_the_practice_seed()
    {
        _server.When(IsPractice, ValidReply);

        await GenerateAsync(new PracticeRequest { Count = 2, Seed = 4 });

        var request = Assert.Single(_server.ChatRequests);
        Assert.NotNull(request.Field("seed"));
        Assert.Equal(4, request.Field("seed")!.GetValue<int>());
    }

    [Fact]
    public async Task No_matching_study_makes_no_model_call()
    {
        var set = await GenerateAsync(new PracticeRequest { Filter = new SearchFilter { Company = "Nobody Inc" }, Count = 2, Seed = 1 });

        Assert.Empty(set.Items);
        Assert.Empty(_server.ChatRequests);
    }

    [Fact]
    public void Parse_checks_the_schema_directly()
    {
        var studies = new[] { PracticeCorpus.GlobexCards, PracticeCorpus.WayneEta }.Select(ToRecord).ToList();
        var ok = "{\"items\":[" + ItemJson(PracticeCorpus.WayneEta, PromptFor(PracticeCorpus.WayneEta), followUps: 2) + "]}";

        var (items, error) = LlmPracticeGenerator.Parse(ok, studies, Difficulty.Junior);
        Assert.Null(error);
        var item = Assert.Single(items!);
        Assert.Equal(Difficulty.Junior, item.Difficulty);
        var c = Assert.Single(item.Citations);
        Assert.Equal((PracticeCorpus.WayneEta, "Wayne", (int?)2022), (c.DocId, c.Company, c.Year));

        var (none, unknown) = LlmPracticeGenerator.Parse("{\"items\":[" + ItemJson(PracticeCorpus.AcmeFeed, PromptFor(PracticeCorpus.AcmeFeed)) + "]}", studies, Difficulty.Senior);
        Assert.Null(none);
        Assert.Contains($"'{PracticeCorpus.AcmeFeed}', which was not given", unknown);

        var (_, missing) = LlmPracticeGenerator.Parse("{\"items\":[{\"prompt\":\"" + PromptFor("x") + "\",\"followUps\":[\"a?\",\"b?\"],\"strongAnswerCovers\":[\"a\",\"b\"]}]}", studies, Difficulty.Senior);
        Assert.Contains("which was not given", missing);
    }

    private static StudyRecord ToRecord(string id)
    {
        var s = PracticeCorpus.Get(id);
        return new StudyRecord
        {
            Id = s.Id, Title = s.Title, Company = s.Company, Industry = s.Industry, Category = s.Category, Year = s.Year, Tags = s.Tags, SourceUrl = s.Url,
            Sections = [new("Problem", s.Problem), new("Key decisions", string.Join("\n", s.Decisions.Select(d => "- " + d)))],
        };
    }
}

/// <summary>The mock interview driven through its input, as a candidate types answers.</summary>
[Collection("Console")]
public sealed class PracticeInterviewTests(PracticeIndexFixture fx, ITestOutputHelper output) : IClassFixture<PracticeIndexFixture>
{
    private static async Task<string> CaptureAsync(Func<Task> run)
    {
        var old = Console.Out;
        var writer = new StringWriter();
        Console.SetOut(writer);
        try { await run(); }
        finally { Console.SetOut(old); }
        return writer.ToString();
    }

    private static List<string> Lines(string stdout) =>
        stdout.Split('\n').Select(l => l.TrimEnd('\r')).Select(l => l.StartsWith("> ") ? l[2..] : l).ToList();

    private (PracticeSet Set, PracticeItem Item, PracticeCorpus.Study Study) Hooli()
    {
        var set = fx.Generate(new PracticeRequest { Filter = new SearchFilter { Company = "Hooli" }, Count = 1, Seed = 1 });
        var item = Assert.Single(set.Items);
        return (set, item, PracticeCorpus.Get(item.Citations.Single().DocId));
    }

    [Fact]
    public async Task Interview_asks_reads_multi_line_answers_gives_feedback_probes_and_tallies()
    {
        var (set, item, study) = Hooli();
        var grounding = $"Key decision: {study.Decisions[0]}";
        var human = $"Key decision: {study.Decisions[1]}";
        Assert.Contains(grounding, item.StrongAnswerCovers);
        Assert.Contains(human, item.StrongAnswerCovers);
        string[] answer = ["I would ground every draft in help-center articles", "that we retrieve for each ticket, so the model is not relying on its own knowledge."];
        const string probeAnswer = "A human agent approves each draft; replies are never sent automatically.";
        var script = string.Join("\n", [.. answer, "", probeAnswer, "/done", "/quit", "never read"]);
        var coach = fx.Services.GetRequiredService<InterviewCoach>();

        var stdout = await CaptureAsync(() => PracticeCommand.InterviewAsync(set, coach, new StringReader(script), CancellationToken.None));
        output.WriteLine(stdout);
        var lines = Lines(stdout);

        Assert.Contains("Question 1 of 1 (senior):", lines);
        Assert.Contains(item.Prompt, lines);
        // Feedback on the first answer: the grounding decision is covered, the human-in-the-loop one is not yet.
        var firstCovered = lines.IndexOf("Covered:");
        Assert.True(firstCovered > lines.IndexOf(item.Prompt), stdout);
        Assert.Equal($"  ✓ {grounding} [1]", lines[firstCovered + 1]);
        var notYet = lines.IndexOf("Not yet covered:");
        Assert.True(notYet > firstCovered, stdout);
        var firstProbe = lines.IndexOf($"Follow-up: {item.FollowUps[0]}");
        Assert.True(firstProbe > notYet, stdout);
        Assert.Contains($"  ✗ {human} [1]", lines.Skip(notYet).Take(firstProbe - notYet));
        // The probe's answer covers the human-in-the-loop decision, reported once (the grounding one is not repeated).
        var secondCovered = lines.FindIndex(firstProbe, l => l == "Covered:");
        Assert.True(secondCovered > firstProbe, stdout);
        Assert.Equal($"  ✓ {human} [1]", lines[secondCovered + 1]);
        Assert.Single(lines, l => l == $"  ✓ {grounding} [1]");
        // /quit at the second probe: no third probe, then the tally for the question and the interview.
        Assert.Contains($"Follow-up: {item.FollowUps[1]}", lines);
        Assert.DoesNotContain($"Follow-up: {item.FollowUps[2]}", lines);
        var expected = RubricCoverage.Assess(string.Join("\n", answer) + "\n" + probeAnswer, item.StrongAnswerCovers).Covered.Count;
        Assert.True(expected >= 2);
        Assert.Contains($"You covered {expected} of {item.StrongAnswerCovers.Count} points of the study's design [1].", lines);
        Assert.Contains($"[1] {study.Title} — {study.Company}, {study.Year} — {study.Url}", lines);
        Assert.Equal($"Interview over: {expected} of {item.StrongAnswerCovers.Count} rubric points covered.", lines.Last(l => l.Length > 0));
        Assert.DoesNotContain("never read", stdout);
    }

    [Fact]
    public async Task Skip_moves_on_and_end_of_input_ends_the_interview()
    {
        var set = fx.Generate(new PracticeRequest { Filter = new SearchFilter { Category = "fraud" }, Count = 2, Seed = 1, Difficulty = Difficulty.Junior });
        Assert.Equal(2, set.Items.Count);
        var second = set.Items[1];
        var decision = second.StrongAnswerCovers.First(p => p.StartsWith("Key decision: "));
        var script = string.Join("\n", "/skip", decision["Key decision: ".Length..], "/done", "nothing useful", "", "/done");

        var stdout = await CaptureAsync(() => PracticeCommand.InterviewAsync(set, fx.Services.GetRequiredService<InterviewCoach>(), new StringReader(script), CancellationToken.None));
        output.WriteLine(stdout);
        var lines = Lines(stdout);

        Assert.Contains("Question 1 of 2 (junior):", lines);
        Assert.Contains("Question 2 of 2 (junior):", lines);
        Assert.DoesNotContain($"Follow-up: {set.Items[0].FollowUps[0]}", lines);
        Assert.Contains($"  ✓ {decision} [1]", lines);
        Assert.Contains($"Follow-up: {second.FollowUps[0]}", lines);
        Assert.Contains($"Follow-up: {second.FollowUps[1]}", lines);
        // Only the answered question counts towards the tally.
        var covered = RubricCoverage.Assess(decision["Key decision: ".Length..] + "\nnothing useful\n", second.StrongAnswerCovers).Covered.Count;
        Assert.Contains($"Interview over: {covered} of {second.StrongAnswerCovers.Count} rubric points covered.", lines);
    }

    [Fact]
    public async Task Quit_before_any_answer_prints_no_tally()
    {
        var (set, item, _) = Hooli();

        var stdout = await CaptureAsync(() => PracticeCommand.InterviewAsync(set, fx.Services.GetRequiredService<InterviewCoach>(), new StringReader("/quit\n"), CancellationToken.None));
        output.WriteLine(stdout);

        Assert.Contains(item.Prompt, stdout);
        Assert.DoesNotContain("Covered:", stdout);
        Assert.DoesNotContain("Follow-up:", stdout);
        Assert.DoesNotContain("Interview over", stdout);
    }
}
