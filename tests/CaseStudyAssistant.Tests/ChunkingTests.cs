using CaseStudyAssistant.Chunking;
using CaseStudyAssistant.Corpus;

namespace CaseStudyAssistant.Tests;

public sealed class ChunkingTests
{
    private static readonly string[] Topics =
    [
        "the ranking model", "the feature store", "the embedding service", "the fraud detector", "the search index",
        "the training pipeline", "the ads auction", "the speech recognizer", "the ETA predictor", "the recommender",
    ];

    /// <summary>Distinct, ordinary sentences of varying length (so every one can be found again verbatim).</summary>
    private static string LongText(int sentences, int seed = 0)
    {
        var list = new List<string>();
        for (var i = 0; i < sentences; i++)
        {
            var topic = Topics[(i + seed) % Topics.Length];
            var extra = string.Join(' ', Enumerable.Range(0, i % 7).Select(k => $"detail{k}"));
            list.Add($"Step {i + seed} changed {topic} so that latency fell while recall improved {extra}.".Replace(" .", "."));
        }
        return string.Join(' ', list);
    }

    private static CaseStudy Study(string id, params (string Heading, string Text)[] sections) => new()
    {
        Id = id, Title = "T", Company = "C", SourcePath = "x.md", ContentHash = "h",
        Sections = sections.Select(s => new StudySection(s.Heading, s.Text)).ToList(),
    };

    private static StructuralChunker Chunker(int maxTokens, int overlap = 1) =>
        new(TiktokenCounter.For("cl100k_base"), new ChunkingOptions { MaxTokens = maxTokens, OverlapSentences = overlap });

    [Fact]
    public void Short_sections_give_one_chunk_each_with_deterministic_ids()
    {
        var study = Study("acme-ranking",
            ("Problem", "Ranking was slow. Users waited."),
            ("Approach", "A two-tower model retrieves candidates."),
            ("Results", "Latency fell by 40%."));

        var chunks = Chunker(350).Chunk(study);

        Assert.Equal(3, chunks.Count);
        Assert.Equal(["acme-ranking#0", "acme-ranking#1", "acme-ranking#2"], chunks.Select(c => c.Id));
        Assert.Equal([0, 1, 2], chunks.Select(c => c.Ordinal));
        Assert.Equal(["Problem", "Approach", "Results"], chunks.Select(c => c.Heading));
        Assert.Equal(["Ranking was slow. Users waited.", "A two-tower model retrieves candidates.", "Latency fell by 40%."], chunks.Select(c => c.Text));
        Assert.All(chunks, c => Assert.Equal("acme-ranking", c.StudyId));
        Assert.All(chunks, c => Assert.Equal(TiktokenCounter.For("cl100k_base").CountTokens(c.Text), c.TokenCount));
    }

    [Theory]
    [InlineData(60, 1)]
    [InlineData(120, 1)]
    [InlineData(80, 2)]
    public void Long_section_is_split_under_the_budget(int maxTokens, int overlap)
    {
        var study = Study("s", ("Approach", LongText(80)));

        var chunks = Chunker(maxTokens, overlap).Chunk(study);

        Assert.True(chunks.Count > 2, $"expected several chunks, got {chunks.Count}");
        Assert.All(chunks, c => Assert.True(TiktokenCounter.For("cl100k_base").CountTokens(c.Text) <= maxTokens,
            $"chunk {c.Id} has {TiktokenCounter.For("cl100k_base").CountTokens(c.Text)} estimated tokens, over the budget of {maxTokens}"));
    }

    [Theory]
    [InlineData(60, 1)]
    [InlineData(100, 2)]
    [InlineData(350, 1)]
    public void Every_sentence_of_every_section_appears_in_a_chunk_of_that_section_in_order(int maxTokens, int overlap)
    {
        var study = Study("s",
            ("Problem", "The catalogue grew quickly. Search relevance dropped, e.g. for long queries."),
            ("Approach", LongText(70)),
            ("Results", LongText(25, seed: 100)));

        var chunks = Chunker(maxTokens, overlap).Chunk(study);

        foreach (var section in study.Sections)
        {
            var own = chunks.Where(c => c.Heading == section.Heading).OrderBy(c => c.Ordinal).ToList();
            Assert.NotEmpty(own);
            var chunkSentences = own.Select(c => SentenceSplitter.Split(c.Text)).ToList();
            var at = 0; // sentences must be found in non-decreasing chunk order
            foreach (var sentence in SentenceSplitter.Split(section.Text))
            {
                while (at < own.Count && !chunkSentences[at].Contains(sentence)) at++;
                Assert.True(at < own.Count, $"sentence not found (in order) in the chunks of '{section.Heading}': {sentence}");
            }
        }
        // Chunks of a section are contiguous and ordinals run 0..n-1 across the study.
        Assert.Equal(Enumerable.Range(0, chunks.Count), chunks.Select(c => c.Ordinal));
        Assert.Equal(chunks.Select(c => $"s#{c.Ordinal}"), chunks.Select(c => c.Id));
    }

    [Fact]
    public void Consecutive_parts_of_a_split_section_overlap_by_the_configured_sentences()
    {
        var study = Study("s", ("Approach", LongText(60)));

        var chunks = Chunker(70, overlap: 1).Chunk(study);

        Assert.True(chunks.Count > 2);
        for (var i = 1; i < chunks.Count; i++)
        {
            var previous = SentenceSplitter.Split(chunks[i - 1].Text);
            var current = SentenceSplitter.Split(chunks[i].Text);
            Assert.Equal(previous[^1], current[0]);
        }
    }

    [Fact]
    public void Chunking_is_deterministic()
    {
        var study = Study("det", ("A", LongText(50)), ("B", "Short one."), ("C", LongText(30, 7)));

        var first = Chunker(90).Chunk(study);
        var second = Chunker(90).Chunk(study);

        Assert.Equal(first, second);
    }

    [Fact]
    public void A_single_giant_sentence_is_split_without_losing_words()
    {
        var words = Enumerable.Range(0, 1500).Select(i => $"word{i}").ToList();
        var giant = string.Join(' ', words) + ".";
        var study = Study("g", ("Approach", giant));

        var chunks = Chunker(50).Chunk(study);

        Assert.True(chunks.Count > 5, $"expected the sentence to be split, got {chunks.Count} chunk(s)");
        var indices = chunks
            .Select(c => c.Text.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries).Select(w => int.Parse(w.TrimEnd('.')["word".Length..])).ToList())
            .ToList();
        // Inside a chunk the words are consecutive; each chunk starts after the previous one's start and no later than
        // right after its end (overlap may repeat words, but never skips or reorders any).
        Assert.Equal(0, indices[0][0]);
        Assert.Equal(words.Count - 1, indices[^1][^1]);
        for (var c = 0; c < indices.Count; c++)
        {
            for (var k = 1; k < indices[c].Count; k++) Assert.Equal(indices[c][k - 1] + 1, indices[c][k]);
            if (c > 0)
            {
                Assert.True(indices[c][0] > indices[c - 1][0], $"chunk {c} does not advance");
                Assert.True(indices[c][0] <= indices[c - 1][^1] + 1, $"words lost between chunk {c - 1} and chunk {c}");
            }
        }
        Assert.All(chunks, c => Assert.True(TiktokenCounter.For("cl100k_base").CountTokens(c.Text) <= 50,
            $"chunk {c.Id} has {TiktokenCounter.For("cl100k_base").CountTokens(c.Text)} tokens"));
    }

    [Fact]
    public void Sentence_splitter_does_not_split_at_abbreviations_or_decimals()
    {
        var sentences = SentenceSplitter.Split(
            "Teams use several encoders, e.g. BERT and T5, for retrieval. Latency dropped to 3.5 ms at p99. Recall rose.");

        Assert.Equal(
            ["Teams use several encoders, e.g. BERT and T5, for retrieval.", "Latency dropped to 3.5 ms at p99.", "Recall rose."],
            sentences);
    }

    [Fact]
    public void Sentence_splitter_splits_at_sentence_ends_and_line_breaks()
    {
        var sentences = SentenceSplitter.Split("First sentence here! Is this the second? Yes.\n- a list item\n| a | table row |");

        Assert.Equal(["First sentence here!", "Is this the second?", "Yes.", "- a list item", "| a | table row |"], sentences);
    }

    [Fact]
    public void Sentence_splitter_keeps_e_g_followed_by_a_capitalised_word_together()
    {
        var sentences = SentenceSplitter.Split("Some platforms, e.g. Netflix, rank rows. Others, i.e. Spotify, do not.");

        Assert.Equal(["Some platforms, e.g. Netflix, rank rows.", "Others, i.e. Spotify, do not."], sentences);
    }
}
