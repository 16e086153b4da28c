using CaseStudyAssistant.Indexing;
using CaseStudyAssistant.Retrieval;
using Microsoft.Extensions.DependencyInjection;

namespace CaseStudyAssistant.Tests;

/// <summary>Seven short studies on distinct topics, ingested once into a temp index.</summary>
public sealed class SmallCorpusFixture : IDisposable
{
    private readonly TempDir _dir = new("small");
    public string IndexPath { get; }
    public ServiceProvider Services { get; }

    public static readonly (string Id, string Company, string Industry, string Category, int Year, string[] Tags)[] Meta =
    [
        ("fraud-graph", "PayFast", "Fintech", "fraud", 2019, ["graph", "fraud-detection"]),
        ("eta-prediction", "RideCo", "Mobility", "forecast", 2021, ["eta", "regression"]),
        ("speech-asr", "VoiceLab", "Media", "audio", 2022, ["asr", "speech"]),
        ("llm-support", "HelpDesk", "SaaS", "genai", 2024, ["chatbot", "support"]),
        ("code-review", "DevTools Inc", "SaaS", "genai", 2025, ["code-review"]),
        ("image-moderation", "PhotoShare", "Social", "moderation", 2020, ["cv", "moderation"]),
        ("feed-ranking", "PhotoShare", "Social", "rec", 2023, ["ranking", "feed"]),
    ];

    private static readonly Dictionary<string, (string Title, (string, string)[] Sections)> Content = new()
    {
        ["fraud-graph"] = ("Catching payment fraud rings with a graph", [
            ("Problem", "Fraudsters created rings of linked accounts to launder stolen card payments. Rules caught single accounts but missed the rings."),
            ("Approach", "A graph neural network scores each account from the transaction graph, linking accounts that share devices, cards and addresses. The production system blocks a payment when the ring score is high."),
            ("Results", "Fraud losses fell by 30% and false declines dropped."),
        ]),
        ["eta-prediction"] = ("Arrival estimates for rides", [
            ("Problem", "Riders saw arrival estimates that were minutes off, especially in heavy traffic."),
            ("Approach", "Gradient boosted trees predict travel time for each road segment from live traffic speeds, weather and time of day. The production system sums the segment predictions into the arrival estimate."),
            ("Results", "Mean absolute error of arrival estimates fell by 22%."),
        ]),
        ["speech-asr"] = ("Transcribing customer calls", [
            ("Problem", "Customer call recordings piled up because nobody could listen to all of them."),
            ("Approach", "A conformer acoustic model transcribes each call recording, with a decoder biased towards product names. The production system streams transcripts to agents."),
            ("Results", "Word error rate fell from 18% to 9%."),
        ]),
        ["llm-support"] = ("Drafting support replies", [
            ("Problem", "Support agents spent hours writing replies to repetitive tickets."),
            ("Approach", "A large language model drafts a reply to each support ticket from retrieved help-center articles. Agents review the draft before the production system sends it."),
            ("Results", "Handling time per ticket fell by 35%."),
        ]),
        ["code-review"] = ("Automated pull request review", [
            ("Problem", "Human reviewers were a bottleneck for pull requests."),
            ("Approach", "An LLM reads each pull request diff and posts review comments. A classifier filters out unhelpful comments before the production system publishes them."),
            ("Results", "Authors acted on 40% of the posted comments."),
        ]),
        ["image-moderation"] = ("Flagging unsafe uploads", [
            ("Problem", "Users uploaded unsafe images faster than moderators could check them."),
            ("Approach", "A convolutional classifier flags unsafe images at upload, and human moderators review the flagged ones. The production system hides flagged images until reviewed."),
        ]),
        ["feed-ranking"] = ("Ranking the home feed", [
            ("Problem", "The home feed ranked posts by recency, so feed ranking quality was poor."),
            ("Candidate generation", "A two-tower model retrieves posts for ranking in the home feed."),
            ("Ranking", "A multi-task ranking model ranks home feed posts by predicted engagement and click-through rate."),
            ("Serving", "The feed ranking service ranks home feed posts in the production system within 30 ms."),
            ("Results", "Home feed ranking improvements raised engagement by 5%."),
        ]),
    };

    public SmallCorpusFixture()
    {
        foreach (var m in Meta)
        {
            var (title, sections) = Content[m.Id];
            _dir.Write($"corpus/{m.Category}/{m.Id}.md", StudyFile.Markdown(m.Id, title, m.Company, sections, m.Year, m.Industry, m.Category, m.Tags, $"https://example.com/{m.Id}"));
        }
        IndexPath = _dir.File("index.db");
        Services = Pipeline.Build(IndexPath);
        var report = Services.GetRequiredService<Ingestor>().IngestAsync([_dir.File("corpus")], rebuild: false).GetAwaiter().GetResult();
        if (report.Added != Meta.Length || report.HasRejections) throw new InvalidOperationException($"fixture ingest failed: {report}");
    }

    public static string TitleOf(string id) => Content[id].Title;

    /// <summary>A second pipeline over the same index with other retrieval settings.</summary>
    public ServiceProvider With(Action<RetrievalOptions> configure) => Pipeline.Build(IndexPath, s => configure(s.Retrieval));

    public void Dispose()
    {
        Services.Dispose();
        _dir.Dispose();
    }
}

public sealed class RetrievalTests(SmallCorpusFixture fixture) : IClassFixture<SmallCorpusFixture>
{
    private Retriever Retriever => fixture.Services.GetRequiredService<Retriever>();

    public static TheoryData<string, string> KnownAnswers => new()
    {
        { "How do they detect fraud rings of linked accounts?", "fraud-graph" },
        { "How is travel time predicted for each road segment?", "eta-prediction" },
        { "How are customer call recordings transcribed?", "speech-asr" },
        { "How are replies to support tickets drafted?", "llm-support" },
        { "How are unsafe images flagged when users upload them?", "image-moderation" },
        { "How is the home feed ranked?", "feed-ranking" },
        { "How are review comments on pull requests generated?", "code-review" },
    };

    [Theory]
    [MemberData(nameof(KnownAnswers))]
    public async Task A_question_about_one_study_ranks_it_first(string question, string expected)
    {
        var result = await Retriever.RetrieveAsync(question);

        Assert.NotEmpty(result.Chunks);
        Assert.Equal(expected, result.Chunks[0].Study.Id);
        Assert.Equal(Enumerable.Range(1, result.Chunks.Count), result.Chunks.Select(c => c.Rank));
    }

    public static TheoryData<string, string[]> Filters => new()
    {
        { "company=PhotoShare", ["image-moderation", "feed-ranking"] },
        { "company=photoshare", ["image-moderation", "feed-ranking"] },
        { "industry=SaaS", ["llm-support", "code-review"] },
        { "tag=asr", ["speech-asr"] },
        { "category=genai", ["llm-support", "code-review"] },
        { "years=2021-2023", ["eta-prediction", "speech-asr", "feed-ranking"] },
        { "years=2024-", ["llm-support", "code-review"] },
        { "years=-2019", ["fraud-graph"] },
        { "company=PhotoShare,category=rec", ["feed-ranking"] },
        { "company=Nobody", [] },
    };

    private static SearchFilter Parse(string spec)
    {
        var f = new SearchFilter();
        foreach (var part in spec.Split(','))
        {
            var (key, value) = (part[..part.IndexOf('=')], part[(part.IndexOf('=') + 1)..]);
            f = key switch
            {
                "company" => f with { Company = value },
                "industry" => f with { Industry = value },
                "tag" => f with { Tag = value },
                "category" => f with { Category = value },
                "years" => f with
                {
                    YearFrom = value.Split('-')[0] is { Length: > 0 } from ? int.Parse(from) : null,
                    YearTo = value.Split('-')[1] is { Length: > 0 } to ? int.Parse(to) : null,
                },
                _ => throw new ArgumentException(key),
            };
        }
        return f;
    }

    [Theory]
    [MemberData(nameof(Filters))]
    public async Task Filters_restrict_results_and_listings_exactly(string spec, string[] expected)
    {
        var filter = Parse(spec);

        // Every study mentions its "production system", so an unfiltered search for it reaches all of them.
        var unfiltered = await Retriever.RetrieveAsync("production system", top: 50);
        Assert.Equal(SmallCorpusFixture.Meta.Length, unfiltered.Chunks.Select(c => c.Study.Id).Distinct().Count());

        var result = await Retriever.RetrieveAsync("production system", filter, top: 50);
        Assert.Equal(expected.Order(), result.Chunks.Select(c => c.Study.Id).Distinct().Order());
        Assert.All(result.Chunks, c => Assert.True(filter.Matches(c.Study)));

        var listed = await fixture.Services.GetRequiredService<IStudyIndex>().ListStudiesAsync(filter);
        Assert.Equal(expected.Order(), listed.Select(s => s.Id).Order());
    }

    [Fact]
    public async Task At_most_MaxChunksPerStudy_chunks_of_one_study_are_returned()
    {
        const string question = "How is the home feed ranked in the production system?";
        using (var unlimited = fixture.With(o => o.MaxChunksPerStudy = 10))
        {
            var all = await unlimited.GetRequiredService<Retriever>().RetrieveAsync(question, top: 10);
            Assert.True(all.Chunks.Count(c => c.Study.Id == "feed-ranking") > 2, "the fixture should have more than two matching feed-ranking chunks");
        }

        var result = await Retriever.RetrieveAsync(question, top: 10);
        Assert.Equal(2, result.Chunks.Count(c => c.Study.Id == "feed-ranking"));
        Assert.All(result.Chunks.GroupBy(c => c.Study.Id), g => Assert.True(g.Count() <= 2));
        Assert.True(result.Chunks.Select(c => c.Study.Id).Distinct().Count() > 1, "other studies should fill the freed places");

        using var one = fixture.With(o => o.MaxChunksPerStudy = 1);
        var single = await one.GetRequiredService<Retriever>().RetrieveAsync(question, top: 10);
        Assert.Equal(single.Chunks.Count, single.Chunks.Select(c => c.Study.Id).Distinct().Count());
        Assert.Equal("feed-ranking", single.Chunks[0].Study.Id);
    }

    [Fact]
    public async Task Top_limits_the_number_of_chunks()
    {
        var result = await Retriever.RetrieveAsync("production system", top: 3);
        Assert.Equal(3, result.Chunks.Count);
    }

    [Fact]
    public async Task Acronym_in_the_question_finds_the_spelled_out_phrase_in_a_study()
    {
        using var sparse = fixture.With(o => { o.DenseWeight = 0; o.StudyWeight = 0; });

        var result = await sparse.GetRequiredService<Retriever>().RetrieveAsync("Which study uses an LLM?");

        // llm-support says "large language model" and never "LLM"; code-review says "LLM".
        Assert.Equal(["code-review", "llm-support"], result.Chunks.Select(c => c.Study.Id).Distinct().Take(2).Order());
        var hit = result.Chunks.First(c => c.Study.Id == "llm-support");
        Assert.Contains("llm", hit.MatchedTerms);
    }

    [Fact]
    public async Task Spelled_out_phrase_in_the_question_finds_the_acronym_in_a_study()
    {
        using var sparse = fixture.With(o => { o.DenseWeight = 0; o.StudyWeight = 0; });

        var result = await sparse.GetRequiredService<Retriever>().RetrieveAsync("Which study uses a large language model?");

        Assert.Equal(["code-review", "llm-support"], result.Chunks.Select(c => c.Study.Id).Distinct().Take(2).Order());
        var hit = result.Chunks.First(c => c.Study.Id == "code-review");
        Assert.Contains("larg", hit.MatchedTerms);
        Assert.Contains("languag", hit.MatchedTerms);
    }

    [Fact]
    public async Task Acronym_question_ranks_the_spelled_out_study_first_with_default_settings()
    {
        var result = await Retriever.RetrieveAsync("How does an LLM draft support replies?");
        Assert.Equal("llm-support", result.Chunks[0].Study.Id);

        var reverse = await Retriever.RetrieveAsync("How does a large language model review pull requests?");
        Assert.Equal("code-review", reverse.Chunks[0].Study.Id);
    }

    [Fact]
    public async Task Hits_carry_the_explain_data()
    {
        var result = await Retriever.RetrieveAsync("How do they detect fraud rings of linked accounts?");

        var top = result.Chunks[0];
        Assert.Equal("fraud-graph", top.Study.Id);
        Assert.NotNull(top.Hit.SparseRank);
        Assert.NotNull(top.Hit.SparseScore);
        Assert.True(top.Hit.Score > 0);
        Assert.Contains("ring", top.MatchedTerms);
        Assert.Contains("account", top.MatchedTerms);
        Assert.All(result.Chunks, c =>
        {
            Assert.True(c.Hit.SparseRank is not null || c.Hit.DenseRank is not null);
            // A passage found by meaning alone may share no word with the question; one found by words shows them.
            if (c.Hit.SparseRank is not null) Assert.NotEmpty(c.MatchedTerms);
            else Assert.NotNull(c.Hit.DenseScore);
            Assert.All(c.MatchedTerms, t => Assert.Contains(t, result.QueryTerms));
        });
        // Fused scores come in descending order.
        Assert.Equal(result.Chunks.Select(c => c.Hit.Score).OrderByDescending(s => s), result.Chunks.Select(c => c.Hit.Score));
        Assert.InRange(result.Evidence.Best, 0.5, 1.0);
    }

    [Fact]
    public async Task With_the_dense_leg_on_hits_carry_both_leg_ranks()
    {
        using var hybrid = fixture.With(o => o.DenseWeight = 1.0);

        var result = await hybrid.GetRequiredService<Retriever>().RetrieveAsync("How do they detect fraud rings of linked accounts?");

        var top = result.Chunks[0];
        Assert.Equal("fraud-graph", top.Study.Id);
        Assert.NotNull(top.Hit.SparseRank);
        Assert.NotNull(top.Hit.DenseRank);
        Assert.NotNull(top.Hit.DenseScore);
        Assert.Contains(result.Chunks, c => c.Hit.DenseRank is not null);
    }

    [Fact]
    public async Task Listing_is_sorted_by_company_and_carries_metadata()
    {
        var listed = await fixture.Services.GetRequiredService<IStudyIndex>().ListStudiesAsync(SearchFilter.None);

        Assert.Equal(SmallCorpusFixture.Meta.Length, listed.Count);
        Assert.Equal(listed.Select(s => s.Company).Order(StringComparer.OrdinalIgnoreCase), listed.Select(s => s.Company));
        var feed = listed.Single(s => s.Id == "feed-ranking");
        Assert.Equal(("PhotoShare", "Social", "rec", 2023), (feed.Company, feed.Industry, feed.Category, feed.Year));
        Assert.Equal(["ranking", "feed"], feed.Tags);
        Assert.Equal("https://example.com/feed-ranking", feed.SourceUrl);
        Assert.Equal(5, feed.ChunkCount);
    }
}
