using System.Text;
using CaseStudyAssistant.Corpus;
using CaseStudyAssistant.DocumentFixtures;

namespace CaseStudyAssistant.Tests;

/// <summary>Saved web pages read through the corpus reader: the article, not the page around it.</summary>
public sealed class HtmlReaderTests : IDisposable
{
    private readonly TempDir _dir = new("html");

    public void Dispose() => _dir.Dispose();

    private CorpusReadResult Read() => new CorpusReader().Read([_dir.Path]);

    private CaseStudy ReadOne(string relative, string html)
    {
        _dir.Write(relative, html);
        var result = Read();
        Assert.Empty(result.Rejected);
        return Assert.Single(result.Studies);
    }

    private static string AllText(CaseStudy s) => string.Join("\n", s.Sections.Select(x => x.Heading + "\n" + x.Text));

    [Fact]
    public void The_article_is_kept_and_navigation_cookie_banner_comments_scripts_and_footer_are_dropped()
    {
        var s = ReadOne("web/ranking.html", DocumentSet.SearchRankingPage().Render());

        var text = AllText(s);
        Assert.Contains("LambdaMART model trained on 140 features", text);
        foreach (var noise in new[] { "cookies", "Accept all", "Careers", "About us", "Great write-up", "reader42", "Related posts", "All rights reserved", "analyticsQueue", "track(", "font-family" })
            Assert.DoesNotContain(noise, text);
    }

    [Fact]
    public void Headings_become_sections_with_subsections_and_list_items_stay_one_per_line()
    {
        var s = ReadOne("web/ranking.html", DocumentSet.SearchRankingPage().Render());

        Assert.Equal(["Summary", "The problem with the old formula", "Learning to rank", "Learning to rank > Correcting for position bias", "Learning to rank > Serving", "Results"],
            s.Sections.Select(x => x.Heading));
        Assert.Equal(["Features are read from an online feature store in a single batched call per search.",
                "The model scores the top 400 candidates from the retrieval stage in under 30 milliseconds."],
            s.Sections.Single(x => x.Heading == "Learning to rank > Serving").Text.Split('\n'));
        Assert.All(s.Sections, x => Assert.Null(x.Page));
    }

    [Fact]
    public void Metadata_comes_from_open_graph_article_time_canonical_link_and_keywords()
    {
        var s = ReadOne("web/ranking.html", DocumentSet.SearchRankingPage().Render());

        Assert.Equal("Ranking Hotels for Every Search with Learning to Rank", s.Title);
        Assert.Equal("Tidewater Travel", s.Company);
        Assert.Equal(2024, s.Year);
        Assert.Equal("https://tech.tidewater.example/blog/hotel-ranking-ltr", s.SourceUrl);
        Assert.Equal(["learning to rank", "search", "LambdaMART", "position bias"], s.Tags);
        Assert.Equal("web-ranking", s.Id);
    }

    [Fact]
    public void Without_site_name_or_date_the_domain_is_the_company_and_a_dated_url_gives_the_year()
    {
        var s = ReadOne("calls.html", DocumentSet.CallAnalyticsPage().Render());

        Assert.Equal("Transcribing loan calls with a fine-tuned speech model", s.Title);
        Assert.Equal("lumenbank.example", s.Company);
        Assert.Equal(2021, s.Year);
        Assert.Empty(s.Tags);
    }

    [Fact]
    public void A_page_with_no_url_date_or_site_name_has_an_unknown_company_and_no_year()
    {
        var page = DocumentSet.CallAnalyticsPage() with { CanonicalUrl = null };

        var s = ReadOne("calls.htm", page.Render());

        Assert.Equal(CaseStudy.UnknownCompany, s.Company);
        Assert.Null(s.Year);
        Assert.Null(s.SourceUrl);
    }

    [Fact]
    public void The_url_a_browser_noted_when_saving_the_page_is_the_source()
    {
        var html = "<!-- saved from url=(0052)https://blog.kestrel.example/2020/09/seat-maps.html -->\n"
            + (DocumentSet.CallAnalyticsPage() with { CanonicalUrl = null }).Render();

        var s = ReadOne("saved.html", html);

        Assert.Equal("https://blog.kestrel.example/2020/09/seat-maps.html", s.SourceUrl);
        Assert.Equal("kestrel.example", s.Company);
        Assert.Equal(2020, s.Year);
    }

    [Fact]
    public void A_page_in_a_legacy_encoding_is_decoded_from_its_meta_charset()
    {
        var html = DocumentSet.RouteEtaPage().Render()
            .Replace("<meta charset=\"utf-8\">", "<meta charset=\"windows-1252\">")
            .Replace("Every parcel tracking page", "Every café and parcel tracking page");
        _dir.WriteBytes("latin.html", Encoding.Latin1.GetBytes(html));

        var s = Assert.Single(Read().Studies);

        Assert.Contains("Every café and parcel tracking page", AllText(s));
    }

    [Fact]
    public void A_page_with_no_article_is_rejected_with_one_line()
    {
        _dir.Write("index.html", "<!DOCTYPE html><html><head><title>Blog</title></head><body><nav><a href='/'>Home</a> <a href='/blog'>Blog</a></nav><ul><li><a href='/1'>Post one</a></li></ul><footer>© Example</footer></body></html>");
        _dir.Write("ok.html", DocumentSet.RouteEtaPage().Render());

        var result = Read();

        var r = Assert.Single(result.Rejected);
        Assert.Equal(_dir.File("index.html"), r.Path);
        Assert.StartsWith("no article content found in the page", r.Problem);
        Assert.Single(result.Studies);
    }
}
