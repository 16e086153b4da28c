using CaseStudyAssistant.Answering;

namespace CaseStudyAssistant.Tests;

/// <summary>The one place stream callbacks fire: what a reader sees while an answer is written and when it is final.</summary>
public sealed class DraftStreamTests
{
    private static readonly Citation Source = new(1, "voicelab", "Transcribing calls", "VoiceLab", 2022, null, "voicelab#2", "Results", "Word error rate fell from 18% to 9%.");
    private static readonly ContextSource[] Given = [new(Source, "Word error rate fell from 18% to 9%.")];

    private static Answer Final(string text, bool refused, params Citation[] citations) =>
        new() { Question = "q", Text = text, Refused = refused, Mode = AnswerModes.Llm, Citations = citations };

    /// <summary>Feeds <paramref name="pieces"/> through a validator, reporting each checked piece as the LLM generator does.</summary>
    private static CitationCheck Write(DraftStream stream, bool keepUnsupported, params string[] pieces)
    {
        var validator = new CitationValidator(Given, 0.5, keepUnsupported);
        stream.Sources([Source]);
        foreach (var piece in pieces) stream.Text(validator.Feed(piece), validator.Result);
        stream.Text(validator.Finish(), validator.Result);
        return validator.Result;
    }

    [Fact]
    public void A_lead_in_is_held_until_a_cited_sentence_follows_then_both_go_out_after_the_sources()
    {
        var r = new StreamRecorder();
        var stream = new DraftStream(r.Stream, keepUnsupported: false);

        var check = Write(stream, false, "The study reports:\n", "Word error rate fell from 18% to 9% [1]. ", "Agents liked it.");
        stream.Finish(Final(check.Text, false, Source));

        Assert.Equal(["sources", "text"], r.Events);
        Assert.Equal("The study reports:\nWord error rate fell from 18% to 9% [1].", r.Text);
        Assert.Equal(check.Text, r.Text);
        Assert.Equal([Source], r.Sources);
    }

    [Fact]
    public void Text_that_never_keeps_a_citation_is_never_shown_and_a_refusal_goes_out_with_no_sources()
    {
        var r = new StreamRecorder();
        var stream = new DraftStream(r.Stream, keepUnsupported: false);

        var check = Write(stream, false, "Here is what the sources say:\n", "PWNED. ", "Netflix uses quantum annealing [9].");
        Assert.Empty(r.Events);
        Assert.Equal("Here is what the sources say:", check.Text);
        stream.Finish(Final("The case studies in the index do not cover this question.", true));

        r.ShowedExactly(Final("The case studies in the index do not cover this question.", true));
    }

    [Fact]
    public void Kept_unsupported_sentences_count_as_kept_and_stream_marked()
    {
        var r = new StreamRecorder();
        var stream = new DraftStream(r.Stream, keepUnsupported: true);

        var check = Write(stream, true, "PWNED. ", "Netflix uses quantum annealing.");

        Assert.Equal($"PWNED. {CitationValidator.Marker} Netflix uses quantum annealing. {CitationValidator.Marker}", r.Text);
        Assert.Equal(check.Text, r.Text);
        Assert.Equal(["sources", "text", "text"], r.Events);
    }

    [Fact]
    public void An_answer_not_shown_while_written_goes_out_whole_with_its_citations()
    {
        var r = new StreamRecorder();
        var stream = new DraftStream(r.Stream, keepUnsupported: false);
        stream.Sources([Source, Source with { N = 2, DocId = "other" }]);
        var answer = Final("Word error rate fell from 18% to 9% [1].", false, Source);

        stream.Finish(answer);
        stream.Finish(answer);

        r.ShowedExactly(answer);
        Assert.Equal([Source], r.Sources);
    }

    [Fact]
    public void Without_a_text_reader_the_stream_is_not_live_and_sources_still_come_once()
    {
        var sources = new List<IReadOnlyList<Citation>>();
        var stream = new DraftStream(new AnswerStream { OnSources = sources.Add }, keepUnsupported: false);
        Assert.False(stream.IsLive);
        Assert.False(new DraftStream(null, false).IsLive);
        Assert.True(new DraftStream(new AnswerStream { OnText = _ => { } }, false).IsLive);

        stream.Finish(Final("Word error rate fell from 18% to 9% [1].", false, Source));

        Assert.Equal([Source], Assert.Single(sources));
    }
}
