using System.Text;
using CaseStudyAssistant.Corpus;

namespace CaseStudyAssistant.Tests;

public sealed class CorpusReaderTests : IDisposable
{
    private readonly TempDir _dir = new("corpus");

    public void Dispose() => _dir.Dispose();

    private CorpusReadResult Read(CorpusReader? reader = null) => (reader ?? new CorpusReader()).Read([_dir.Path]);

    private const string FullNote = """
        ---
        id: uber-michelangelo
        title: Michelangelo - Uber's ML Platform
        company: Uber
        industry: Mobility
        category: mlops
        year: 2017
        tags: [feature-store, model-serving]
        source_url: https://www.uber.com/blog/michelangelo/
        ---

        # Michelangelo - Uber's ML Platform

        ## Problem
        Teams at Uber built one-off pipelines for every model and could not reproduce training runs.

        ## Approach
        A shared platform manages data, training, evaluation and deployment.
        - A feature store shares features between training and serving.
        - Models are deployed to online prediction containers.
        """;

    [Fact]
    public void Front_matter_note_gives_every_field_and_its_sections()
    {
        var path = _dir.Write("mlops/uber.md", FullNote);

        var result = Read();

        Assert.Empty(result.Rejected);
        var s = Assert.Single(result.Studies);
        Assert.Equal("uber-michelangelo", s.Id);
        Assert.Equal("Michelangelo - Uber's ML Platform", s.Title);
        Assert.Equal("Uber", s.Company);
        Assert.Equal("Mobility", s.Industry);
        Assert.Equal("mlops", s.Category);
        Assert.Equal(2017, s.Year);
        Assert.Equal(["feature-store", "model-serving"], s.Tags);
        Assert.Equal("https://www.uber.com/blog/michelangelo/", s.SourceUrl);
        Assert.Equal(path, s.SourcePath);
        Assert.Equal(["Problem", "Approach"], s.Sections.Select(x => x.Heading));
        Assert.Contains("one-off pipelines", s.Sections[0].Text);
        // List items are kept one per line.
        var approachLines = s.Sections[1].Text.Split('\n');
        Assert.Contains("A feature store shares features between training and serving.", approachLines);
        Assert.Contains("Models are deployed to online prediction containers.", approachLines);
        Assert.False(string.IsNullOrEmpty(s.ContentHash));
    }

    [Fact]
    public void Primary_category_and_comma_separated_tags_are_accepted()
    {
        _dir.Write("a.md", """
            ---
            id: a
            title: Ranking at Example
            company: Example
            primary_category: rec
            year: 2022
            tags: ranking, two-tower ,  cold-start
            ---

            ## Problem
            The home feed needed a better ranking model for new users.
            """);

        var s = Assert.Single(Read().Studies);
        Assert.Equal("rec", s.Category);
        Assert.Equal(["ranking", "two-tower", "cold-start"], s.Tags);
    }

    [Fact]
    public void Tags_as_a_block_list_are_accepted()
    {
        _dir.Write("a.md", "---\nid: a\ntitle: T\ncompany: C\ntags:\n  - alpha\n  - beta\n---\n\n## Problem\nSome text about the problem at hand.\n");

        var s = Assert.Single(Read().Studies);
        Assert.Equal(["alpha", "beta"], s.Tags);
    }

    [Fact]
    public void Title_with_colon_space_is_read_leniently()
    {
        _dir.Write("optim/amazon.md", """
            ---
            id: cs2284
            title: Regionalize and Scale: Amazon's Fulfillment Network Design for Faster and Cheaper Delivery
            company: Amazon
            primary_category: optim
            year: 2025
            source_url: https://pubsonline.informs.org/doi/10.1287/inte.2025.0295
            tags: [network-design, fulfillment, regionalization]
            ---

            # Regionalize and Scale: Amazon's Fulfillment Network Design for Faster and Cheaper Delivery

            ## Problem
            Greedy order assignment overloaded fulfillment centers into persistent backlog.
            """);

        var result = Read();

        Assert.Empty(result.Rejected);
        var s = Assert.Single(result.Studies);
        Assert.Equal("cs2284", s.Id);
        Assert.Equal("Regionalize and Scale: Amazon's Fulfillment Network Design for Faster and Cheaper Delivery", s.Title);
        Assert.Equal("Amazon", s.Company);
        Assert.Equal("optim", s.Category);
        Assert.Equal(2025, s.Year);
        Assert.Equal(["network-design", "fulfillment", "regionalization"], s.Tags);
        Assert.Equal("https://pubsonline.informs.org/doi/10.1287/inte.2025.0295", s.SourceUrl);
    }

    [Fact]
    public void Id_without_front_matter_id_is_a_stable_slug_of_the_relative_path()
    {
        _dir.Write("Rec Sys/My Study (2021).md", StudyFile.Markdown(null, "Title", "Co", [("Problem", "Some text about a ranking problem.")]));
        var text = File.ReadAllText(_dir.File("Rec Sys/My Study (2021).md"));
        Assert.DoesNotContain("id:", text);

        var first = Assert.Single(Read().Studies);
        var second = Assert.Single(Read().Studies);

        Assert.Equal("rec-sys-my-study-2021", first.Id);
        Assert.Equal(first.Id, second.Id);
        Assert.Equal(first.ContentHash, second.ContentHash);
    }

    [Fact]
    public void By_company_layout_without_front_matter_takes_title_company_url_and_id_from_the_file()
    {
        var path = _dir.Write("case-studies/by-company/door-dash/eta-prediction.md", """
            # Predicting delivery ETAs with gradient boosting

            See the [design doc](../../docs/eta.md) and the [original post](https://doordash.engineering/2021/eta) for more, and [another](https://example.com/second).

            ## Approach
            A gradient boosted tree model predicts the delivery time from store, route and dasher features.
            """);

        var result = Read();

        Assert.Empty(result.Rejected);
        var s = Assert.Single(result.Studies);
        Assert.Equal("Predicting delivery ETAs with gradient boosting", s.Title);
        Assert.Equal("Door Dash", s.Company);
        Assert.Equal("https://doordash.engineering/2021/eta", s.SourceUrl);
        Assert.Equal("case-studies-by-company-door-dash-eta-prediction", s.Id);
        Assert.Equal(path, s.SourcePath);
        Assert.Contains(s.Sections, x => x.Heading == "Approach" && x.Text.Contains("gradient boosted tree"));
    }

    [Fact]
    public void By_company_layout_is_recognised_when_the_corpus_folder_is_the_by_company_folder_itself()
    {
        _dir.Write("case-studies/by-company/uber/eta.md", "# Uber ETA prediction\n\n## Approach\nGradient boosted trees predict the arrival time of each ride.\n");

        var result = new CorpusReader().Read([_dir.File("case-studies/by-company")]);

        Assert.Empty(result.Rejected);
        var s = Assert.Single(result.Studies);
        Assert.Equal("Uber", s.Company);
        Assert.Equal("Uber ETA prediction", s.Title);
    }

    [Fact]
    public void By_company_folder_name_with_capitals_is_kept_as_written()
    {
        _dir.Write("case-studies/by-company/LinkedIn/feed.md", "# Feed ranking\n\n## Approach\nA large ranking model orders the posts in the feed.\n");

        var s = Assert.Single(Read().Studies);
        Assert.Equal("LinkedIn", s.Company);
        Assert.Null(s.SourceUrl);
    }

    [Fact]
    public void By_company_file_without_a_title_heading_is_rejected()
    {
        var bad = _dir.Write("case-studies/by-company/uber/untitled.md", "## Approach\nNo top-level title heading in this file at all.\n");
        _dir.Write("case-studies/by-company/uber/titled.md", "# Titled\n\n## Approach\nThis one has a title heading and some text.\n");

        var result = Read();

        Assert.Single(result.Studies);
        var r = Assert.Single(result.Rejected);
        Assert.Equal(bad, r.Path);
        Assert.Contains("title", r.Problem);
    }

    private const string CsvHeader = "id,title,company,industry,primary_category,sub_category,tags,year,source_url,origin_source,date_added,summary_oneliner";

    [Fact]
    public void Csv_catalog_gives_one_study_per_row_with_quoted_commas_and_newlines()
    {
        var path = _dir.Write("data/catalog.csv",
            CsvHeader + "\n" +
            "cs1,\"Ads, at scale\",Alibaba,E-commerce,ads,bidding,retrieval;auto-bidding,2025,https://arxiv.org/abs/1,discover,2026-07-04,\"Alibaba adds bid signals to retrieval, raising revenue 4%.\nA second line of summary.\"\n" +
            "cs2,Search ranking,Etsy,Retail,search,,ranking;ltr,2021,https://etsy.com/x,discover,2026-07-04,Etsy reranks listings with a \"\"neural\"\" model.\n");

        var result = Read();

        Assert.Empty(result.Rejected);
        Assert.Equal(2, result.Studies.Count);
        var a = result.Studies.Single(s => s.Id == "cs1");
        Assert.Equal("Ads, at scale", a.Title);
        Assert.Equal("Alibaba", a.Company);
        Assert.Equal("E-commerce", a.Industry);
        Assert.Equal("ads", a.Category);
        Assert.Equal(2025, a.Year);
        Assert.Equal("https://arxiv.org/abs/1", a.SourceUrl);
        Assert.Contains("retrieval", a.Tags);
        Assert.Contains("auto-bidding", a.Tags);
        Assert.Contains("bidding", a.Tags); // sub_category becomes a tag
        var summary = Assert.Single(a.Sections).Text;
        Assert.Contains("raising revenue 4%.", summary);
        Assert.Contains("A second line of summary.", summary);
        Assert.StartsWith(path, a.SourcePath);

        var b = result.Studies.Single(s => s.Id == "cs2");
        Assert.Equal("Etsy", b.Company);
        Assert.Contains("\"neural\"", Assert.Single(b.Sections).Text);
    }

    [Fact]
    public void Csv_bad_row_is_rejected_with_file_and_line_and_other_rows_are_kept()
    {
        var path = _dir.Write("catalog.csv",
            CsvHeader + "\n" +                                                                                         // line 1
            "cs1,First,Alpha,Tech,rec,,a;b,2020,https://a.example/1,x,2026-01-01,\"A summary that spans\ntwo lines.\"\n" + // lines 2-3
            "cs2,Second,Beta,Tech,rec,,a,twenty,https://a.example/2,x,2026-01-01,Bad year in this row.\n" +               // line 4
            "cs3,Third,Gamma,Tech,rec,,a,2021,https://a.example/3,x,2026-01-01,A good row after the bad one.\n");        // line 5

        var result = Read();

        Assert.Equal(["cs1", "cs3"], result.Studies.Select(s => s.Id).Order());
        var r = Assert.Single(result.Rejected);
        Assert.Equal($"{path}:4", r.Path);
        Assert.Contains("year", r.Problem);
    }

    [Fact]
    public void Csv_row_with_wrong_number_of_fields_is_rejected_alone()
    {
        var path = _dir.Write("catalog.csv",
            CsvHeader + "\n" +
            "cs1,First,Alpha,Tech,rec,,a,2020,https://a.example/1,x,2026-01-01,Fine.\n" +
            "cs2,Second,Beta\n" +
            "cs3,Third,Gamma,Tech,rec,,a,2021,https://a.example/3,x,2026-01-01,Fine too.\n");

        var result = Read();

        Assert.Equal(["cs1", "cs3"], result.Studies.Select(s => s.Id).Order());
        var r = Assert.Single(result.Rejected);
        Assert.Equal($"{path}:3", r.Path);
        Assert.Contains("fields", r.Problem);
    }

    [Fact]
    public void Duplicate_ids_are_rejected_naming_both_files()
    {
        var first = _dir.Write("a/first.md", StudyFile.Simple("same-id", "First", "Alpha", "The first study text is here."));
        var second = _dir.Write("b/second.md", StudyFile.Simple("same-id", "Second", "Beta", "The second study text is here."));

        var result = Read();

        var s = Assert.Single(result.Studies);
        Assert.Equal("First", s.Title);
        var r = Assert.Single(result.Rejected);
        Assert.Equal(second, r.Path);
        Assert.Contains("same-id", r.Problem);
        Assert.Contains(first, r.Problem);
    }

    [Fact]
    public void Readme_and_index_files_are_skipped()
    {
        _dir.Write("README.md", "# About this corpus\n\nNo front matter here, and that is fine.\n");
        _dir.Write("notes/INDEX.md", "# Index\n\n- [a](a.md)\n");
        _dir.Write("notes/a.md", StudyFile.Simple("a", "A", "Co", "Text of the only real study."));

        var result = Read();

        Assert.Empty(result.Rejected);
        Assert.Equal("a", Assert.Single(result.Studies).Id);
    }

    public static TheoryData<string> BadInputs =>
    [
        "no-front-matter", "invalid-yaml", "year-word", "year-1800", "tags-mapping", "url-not-http", "empty",
        "whitespace-only", "binary", "not-utf8", "huge", "front-matter-only", "missing-company",
    ];

    private static (byte[] Content, string Expected) BadInput(string name)
    {
        static byte[] U(string s) => Encoding.UTF8.GetBytes(s);
        const string body = "\n## Problem\nThis study has a perfectly ordinary body of text.\n";
        return name switch
        {
            "no-front-matter" => (U("# A title\n" + body), "front matter"),
            "invalid-yaml" => (U("---\nid: bad\ntitle: Fine\ncompany: Co\nthis line is not yaml at all\n---\n" + body), "YAML"),
            "year-word" => (U("---\nid: bad\ntitle: T\ncompany: Co\nyear: twenty\n---\n" + body), "year"),
            "year-1800" => (U("---\nid: bad\ntitle: T\ncompany: Co\nyear: 1800\n---\n" + body), "year"),
            "tags-mapping" => (U("---\nid: bad\ntitle: T\ncompany: Co\ntags:\n  a: 1\n  b: 2\n---\n" + body), "tags"),
            "url-not-http" => (U("---\nid: bad\ntitle: T\ncompany: Co\nsource_url: ftp://example.com/file\n---\n" + body), "source_url"),
            "empty" => ([], "empty"),
            "whitespace-only" => (U("  \n\t\n   \n"), "empty"),
            "binary" => ([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52], "binary"),
            "not-utf8" => ([.. U("---\nid: bad\ntitle: Caf"), 0xE9, .. U("\ncompany: Co\n---\n" + body)], "UTF-8"),
            "huge" => (U("---\nid: bad\ntitle: T\ncompany: Co\n---\n## Problem\n" + string.Concat(Enumerable.Repeat("A sentence that makes the file large. ", 400)) + "\n"), "limit"),
            "front-matter-only" => (U("---\nid: bad\ntitle: T\ncompany: Co\nyear: 2020\n---\n\n# T\n"), "no text"),
            "missing-company" => (U("---\nid: bad\ntitle: T\nyear: 2020\n---\n" + body), "company"),
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };
    }

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void Each_bad_file_gives_exactly_one_rejection_and_the_others_are_still_read(string kind)
    {
        var (content, expected) = BadInput(kind);
        _dir.Write("good/one.md", StudyFile.Simple("one", "One", "Alpha", "The first good study describes a ranking model."));
        var bad = _dir.WriteBytes("mixed/bad.md", content);
        _dir.Write("z/two.md", StudyFile.Simple("two", "Two", "Beta", "The second good study describes a fraud model."));

        var result = Read(new CorpusReader { MaxFileBytes = 4096 });

        Assert.Equal(["one", "two"], result.Studies.Select(s => s.Id).Order());
        var r = Assert.Single(result.Rejected);
        Assert.Equal(bad, r.Path);
        Assert.Contains(expected, r.Problem, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain('\n', r.Problem);
        Assert.Equal($"{bad}: {r.Problem}", r.ToString());
    }

    [Fact]
    public void Missing_corpus_folder_is_an_error_naming_it()
    {
        var missing = _dir.File("does-not-exist");
        var e = Assert.Throws<DirectoryNotFoundException>(() => new CorpusReader().Read([missing]));
        Assert.Contains(missing, e.Message);
    }
}
