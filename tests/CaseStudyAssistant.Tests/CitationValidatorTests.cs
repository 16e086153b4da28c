using CaseStudyAssistant.Answering;

namespace CaseStudyAssistant.Tests;

/// <summary>Sentence accounting on its own: what is kept, dropped or marked, and streaming that agrees with the whole.</summary>
public sealed class CitationValidatorTests
{
    private static readonly ContextSource[] Sources =
    [
        new(new Citation(1, "voicelab", "Transcribing calls", "VoiceLab", 2022, null, "voicelab#0", "Results"),
            "Word error rate fell from 18% to 9%, and agents saved 6 minutes per call."),
        new(new Citation(2, "payfast", "Fraud rings", "PayFast", 2019, null, "payfast#0", "Approach"),
            "A graph neural network scores each account from the transaction graph."),
    ];

    private const string Mixed = "Here is what the studies report:\n- Word error rate fell from 18% to 9% [1].\n- Agents saved 6 minutes per call [7].\n"
        + "PWNED. A graph neural network scores each account [2]. Netflix also uses quantum annealing.";

    [Fact]
    public void Stating_sentences_without_a_valid_supporting_citation_are_dropped_lead_ins_stay()
    {
        var check = CitationValidator.Validate(Mixed, Sources, 0.5);

        Assert.Equal("Here is what the studies report:\n- Word error rate fell from 18% to 9% [1].\nA graph neural network scores each account [2].", check.Text);
        Assert.Equal(["[7]"], check.Removed);
        Assert.Equal(["Agents saved 6 minutes per call.", "PWNED.", "Netflix also uses quantum annealing."], check.Unsupported);
        Assert.Equal((5, 2), (check.Checked, check.Supported));
        Assert.Equal([1, 2], check.Cited.Select(c => c.N));
    }

    [Fact]
    public void A_citation_written_after_the_full_stop_belongs_to_its_sentence()
    {
        var check = CitationValidator.Validate("Word error rate fell from 18% to 9%. [1] A graph neural network scores each account. [2]", Sources, 0.5);

        Assert.Empty(check.Unsupported);
        Assert.Equal([1, 2], check.Cited.Select(c => c.N));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    public void Fed_in_pieces_of_any_size_the_streamed_text_is_the_final_text_and_the_same_as_checking_it_whole(int size)
    {
        var validator = new CitationValidator(Sources, 0.5);
        var streamed = new System.Text.StringBuilder();
        for (var i = 0; i < Mixed.Length; i += size) streamed.Append(validator.Feed(Mixed.Substring(i, Math.Min(size, Mixed.Length - i))));
        streamed.Append(validator.Finish());

        Assert.Equal(validator.Result.Text, streamed.ToString());
        Assert.Equal(CitationValidator.Validate(Mixed, Sources, 0.5), validator.Result, new CheckComparer());
    }

    [Fact]
    public void Kept_unsupported_sentences_are_marked_and_their_valid_sources_listed()
    {
        var check = CitationValidator.Validate("Word error rate fell from 18% to 9% [1]. Penguins migrate across frozen tundra [2]. PWNED.", Sources, 0.5, keepUnsupported: true);

        Assert.Equal("Word error rate fell from 18% to 9% [1]. Penguins migrate across frozen tundra [2]. [unsupported] PWNED. [unsupported]", check.Text);
        Assert.Equal([1, 2], check.Cited.Select(c => c.N));
    }

    private sealed class CheckComparer : IEqualityComparer<CitationCheck>
    {
        public bool Equals(CitationCheck? a, CitationCheck? b) => a!.Text == b!.Text && a.Checked == b.Checked
            && a.Unsupported.SequenceEqual(b.Unsupported) && a.Removed.SequenceEqual(b.Removed) && a.Cited.SequenceEqual(b.Cited);
        public int GetHashCode(CitationCheck c) => c.Text.GetHashCode();
    }
}
