using System.Text.RegularExpressions;
using CaseStudyAssistant.Answering;
using CaseStudyAssistant.Indexing;
using CaseStudyAssistant.Retrieval;
using Microsoft.Extensions.DependencyInjection;

namespace CaseStudyAssistant.Tests;

public sealed partial class AnsweringTests(SmallCorpusFixture fixture) : IClassFixture<SmallCorpusFixture>
{
    private Assistant Assistant => fixture.Services.GetRequiredService<Assistant>();

    [GeneratedRegex(@"\[(\d+)\]")]
    private static partial Regex Marker();

    public static TheoryData<string, string> Questions => RetrievalTests.KnownAnswers;

    [Theory]
    [MemberData(nameof(Questions))]
    public async Task Answer_cites_only_numbered_sources_that_were_retrieved(string question, string expectedStudy)
    {
        var answer = await Assistant.AskAsync(question);

        Assert.False(answer.Refused, answer.Text);
        Assert.Equal(question, answer.Question);
        Assert.Equal(AnswerModes.Extractive, answer.Mode);
        Assert.NotEmpty(answer.Citations);
        // Citations are numbered 1..k without gaps...
        Assert.Equal(Enumerable.Range(1, answer.Citations.Count), answer.Citations.Select(c => c.N));
        // ...every [n] in the text refers to one of them, and each of them is used...
        var markers = Marker().Matches(answer.Text).Select(m => int.Parse(m.Groups[1].Value)).ToList();
        Assert.NotEmpty(markers);
        Assert.All(markers, n => Assert.Contains(n, answer.Citations.Select(c => c.N)));
        Assert.All(answer.Citations, c => Assert.Contains(c.N, markers));
        // ...and every cited study was among the retrieved ones.
        var retrieved = answer.Retrieved.Select(r => r.DocId).ToHashSet();
        Assert.All(answer.Citations, c => Assert.Contains(c.DocId, retrieved));
        Assert.All(answer.Citations, c => Assert.Contains(c.ChunkId, answer.Retrieved.Select(r => r.ChunkId)));
        Assert.Equal(expectedStudy, answer.Citations[0].DocId);
        Assert.Empty(answer.Nearest);
        Assert.True(answer.Evidence >= 0.5);
    }

    [Theory]
    [MemberData(nameof(Questions))]
    public async Task Every_answer_line_quotes_the_study_it_cites(string question, string expectedStudy)
    {
        var answer = await Assistant.AskAsync(question);
        Assert.Contains(expectedStudy, answer.Citations.Select(c => c.DocId));
        var index = fixture.Services.GetRequiredService<IStudyIndex>();

        var lines = answer.Text.Split('\n').Where(l => l.StartsWith("- ")).ToList();
        Assert.NotEmpty(lines);
        foreach (var line in lines)
        {
            var m = Regex.Match(line, @"^- (?<sentence>.+) \[(?<n>\d+)\]$");
            Assert.True(m.Success, $"answer line without a citation: {line}");
            var citation = answer.Citations.Single(c => c.N == int.Parse(m.Groups["n"].Value));
            var study = await index.GetStudyAsync(citation.DocId);
            Assert.NotNull(study);
            Assert.Contains(study.Sections, s => s.Text.Contains(m.Groups["sentence"].Value));
        }
    }

    [Fact]
    public async Task Citation_carries_title_company_year_and_url_of_the_study()
    {
        var answer = await Assistant.AskAsync("How is travel time predicted for each road segment?");

        var c = answer.Citations[0];
        Assert.Equal(("eta-prediction", SmallCorpusFixture.TitleOf("eta-prediction"), "RideCo", 2021, "https://example.com/eta-prediction"),
            (c.DocId, c.Title, c.Company, c.Year, c.Url));
        Assert.StartsWith("eta-prediction#", c.ChunkId);
        Assert.Equal($"[1] {c.Title} — RideCo, 2021 — https://example.com/eta-prediction", c.SourceLine);
    }

    [Fact]
    public async Task Off_topic_question_is_refused_without_citations()
    {
        var answer = await Assistant.AskAsync("What is the best recipe for sourdough bread with a cast iron pan?");

        Assert.True(answer.Refused);
        Assert.Empty(answer.Citations);
        Assert.DoesNotMatch(Marker(), answer.Text);
        Assert.True(answer.Evidence < 0.5);
        if (answer.Nearest.Count == 0)
            Assert.Contains("none came close", answer.Text);
        else
        {
            Assert.Contains("nearest", answer.Text, StringComparison.OrdinalIgnoreCase);
            Assert.All(answer.Nearest, n => Assert.Contains(n.Title, answer.Text));
            Assert.All(answer.Nearest, n => Assert.Contains(n.DocId, answer.Retrieved.Select(r => r.DocId)));
        }
    }

    [Fact]
    public async Task Off_topic_question_with_a_filter_that_matches_nothing_says_none_came_close()
    {
        var answer = await Assistant.AskAsync("What is the best recipe for sourdough bread?", new SearchFilter { Company = "Nobody" });

        Assert.True(answer.Refused);
        Assert.Empty(answer.Citations);
        Assert.Empty(answer.Nearest);
        Assert.Contains("none came close", answer.Text);
    }

    [Fact]
    public async Task Answer_reports_retrieval_details_and_timings()
    {
        var answer = await Assistant.AskAsync("How are unsafe images flagged when users upload them?");

        Assert.NotEmpty(answer.Retrieved);
        Assert.All(answer.Retrieved, r => Assert.StartsWith(r.DocId + "#", r.ChunkId));
        Assert.Contains(answer.Retrieved, r => r.SparseRank is not null && r.MatchedTerms.Count > 0);
        foreach (var key in new[] { "embed", "search", "answer", "total" })
            Assert.True(answer.TimingsMs.TryGetValue(key, out var ms) && ms >= 0, $"timing '{key}' missing");
    }

    [Theory]
    [InlineData("How is travel time predicted for each road segment?", false)]
    [InlineData("What is the best recipe for sourdough bread with a cast iron pan?", true)]
    public async Task A_streamed_answer_shows_its_sources_once_then_exactly_its_text(string question, bool refused)
    {
        var r = new StreamRecorder();

        var answer = await Assistant.AskAsync(question, stream: r.Stream);
        var plain = await Assistant.AskAsync(question);

        Assert.Equal(refused, answer.Refused);
        r.ShowedExactly(answer);
        Assert.Equal(answer.Citations, r.Sources);
        Assert.Equal(plain.Text, answer.Text);
    }

    [Fact]
    public async Task Empty_question_is_rejected()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Assistant.AskAsync("   "));
    }
}
