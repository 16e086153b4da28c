using CaseStudyAssistant.Corpus;
using CaseStudyAssistant.DocumentFixtures;

namespace CaseStudyAssistant.Tests;

/// <summary>Fixing a saved document's metadata: a sidecar NAME.meta.yaml, or a catalog row for the same document.</summary>
public sealed class DocumentMetadataTests : IDisposable
{
    private readonly TempDir _dir = new("meta");

    public void Dispose() => _dir.Dispose();

    private CorpusReadResult Read() => new CorpusReader().Read([_dir.Path]);

    [Fact]
    public void A_sidecar_wins_over_every_detected_field()
    {
        _dir.Write("web/ranking.html", DocumentSet.SearchRankingPage().Render());
        _dir.Write("web/ranking.meta.yaml", """
            id: tidewater-ltr
            title: Tidewater hotel ranking
            company: Tidewater Group
            year: 2023
            industry: Travel
            category: search
            tags: [ranking, ltr]
            source_url: https://tidewater.example/ranking
            """);

        var result = Read();

        Assert.Empty(result.Rejected);
        var s = Assert.Single(result.Studies);
        Assert.Equal(("tidewater-ltr", "Tidewater hotel ranking", "Tidewater Group", 2023, "Travel", "search", "https://tidewater.example/ranking"),
            (s.Id, s.Title, s.Company, s.Year, s.Industry, s.Category, s.SourceUrl));
        Assert.Equal(["ranking", "ltr"], s.Tags);
    }

    [Fact]
    public void A_sidecar_with_some_fields_keeps_the_detected_values_for_the_rest()
    {
        _dir.WriteBytes("notes/latency.pdf", DocumentSet.LatencyBudgetPdf());
        _dir.Write("notes/latency.meta.yml", "---\ncompany: Shopwell\n---\n");

        var s = Assert.Single(Read().Studies);

        Assert.Equal("Shopwell", s.Company);
        Assert.Equal("A Latency Budget for the Checkout Page", s.Title);
        Assert.Null(s.Year);
    }

    [Fact]
    public void A_broken_sidecar_rejects_its_document_naming_the_sidecar()
    {
        _dir.WriteBytes("paper.pdf", DocumentSet.LatencyBudgetPdf());
        _dir.Write("paper.meta.yaml", "company: Shopwell\nyear: last spring\n");

        var r = Assert.Single(Read().Rejected);

        Assert.Equal(_dir.File("paper.pdf"), r.Path);
        Assert.Equal("sidecar paper.meta.yaml: field 'year' must be a whole number, got 'last spring'", r.Problem);
    }

    [Fact]
    public void A_catalog_row_naming_the_file_supplies_metadata_and_is_not_a_study_of_its_own()
    {
        _dir.WriteBytes("papers/rings.pdf", DocumentSet.FraudRingsPdf());
        _dir.Write("papers/catalog.csv",
            "id,title,company,primary_category,tags,year,source_url,file,summary_oneliner\n" +
            "nw-rings,Fraud rings (catalog title),Northwind Payments,fraud,fraud;graphs,2022,https://northwind.example/rings,rings.pdf,Graph model for rings\n" +
            "other,Another study,Globex,rec,ranking,2021,https://globex.example/x,,A row for a study we have no file for\n");

        var result = Read();

        Assert.Empty(result.Rejected);
        Assert.Equal(["nw-rings", "other"], result.Studies.Select(s => s.Id).Order());
        var s = result.Studies.Single(x => x.Id == "nw-rings");
        Assert.Equal(("Fraud rings (catalog title)", "Northwind Payments", 2022, "fraud", "https://northwind.example/rings"),
            (s.Title, s.Company, s.Year, s.Category, s.SourceUrl));
        Assert.Equal(["fraud", "graphs"], s.Tags);
        Assert.Equal(_dir.File("papers/rings.pdf"), s.SourcePath);
        Assert.Contains(s.Sections, x => x.Heading == "4 Results");
    }

    [Fact]
    public void A_catalog_row_with_the_pages_canonical_url_supplies_metadata_and_the_sidecar_still_wins()
    {
        _dir.Write("saved/page.html", DocumentSet.CallAnalyticsPage().Render());
        _dir.Write("catalog.csv",
            "id,title,company,industry,year,source_url\n" +
            "lumen-calls,Call transcription at Lumen,Lumen Bank,Banking,2021,http://www.blog.lumenbank.example/2021/03/transcribing-loan-calls/\n");
        _dir.Write("saved/page.meta.yaml", "title: Transcribing loan calls (our notes)\n");

        var s = Assert.Single(Read().Studies);

        Assert.Equal(("lumen-calls", "Transcribing loan calls (our notes)", "Lumen Bank", "Banking"), (s.Id, s.Title, s.Company, s.Industry));
    }

    [Fact]
    public void A_catalog_row_whose_url_ends_in_the_file_name_matches()
    {
        _dir.WriteBytes("2301.04567.pdf", DocumentSet.LatencyBudgetPdf());
        _dir.Write("catalog.csv", "id,title,company,year,source_url\narx-latency,Latency budgets,Shopwell,2023,https://arxiv.example/pdf/2301.04567.pdf\n");

        var s = Assert.Single(Read().Studies);

        Assert.Equal(("arx-latency", "Shopwell", 2023), (s.Id, s.Company, s.Year));
    }

    [Fact]
    public void Changing_a_sidecar_changes_the_content_hash_so_the_study_is_updated()
    {
        _dir.WriteBytes("paper.pdf", DocumentSet.LatencyBudgetPdf());
        var before = Assert.Single(Read().Studies).ContentHash;
        _dir.Write("paper.meta.yaml", "company: Shopwell\n");

        var after = Assert.Single(Read().Studies).ContentHash;

        Assert.NotEqual(before, after);
        Assert.Equal(after, Assert.Single(Read().Studies).ContentHash);
    }
}
