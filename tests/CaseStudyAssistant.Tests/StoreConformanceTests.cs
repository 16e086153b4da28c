using CaseStudyAssistant.Answering;
using CaseStudyAssistant.Configuration;
using CaseStudyAssistant.Indexing;
using CaseStudyAssistant.Retrieval;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace CaseStudyAssistant.Tests;

/// <summary>
/// One behaviour, every store: each subclass says how to register its <see cref="IStudyIndex"/>, and these cases run
/// against it through the real pipeline (ServiceCollection, Ingestor, Retriever, Assistant). The hybrid ranking case
/// also builds a fresh embedded index in the same test and requires the store under test to rank exactly alike.
/// </summary>
public abstract class StoreConformanceTests : IAsyncLifetime
{
    protected readonly TempDir Dir = new("conformance");
    private int _writes;

    protected string Corpus => Dir.File("corpus");

    /// <summary>Registers the store under test (runs before AddCaseStudyAssistant, so it takes precedence).</summary>
    protected abstract void AddStore(IServiceCollection services);

    /// <summary>What the store is serving from right now (the embedded file's content, Qdrant's alias target).</summary>
    protected abstract Task<string> CurrentTargetAsync();

    /// <summary>After a rebuild: <paramref name="target"/> serves, and nothing else built by this store is left.</summary>
    protected abstract Task AssertOnlyTargetLeftAsync(string target);

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual Task DisposeAsync()
    {
        Dir.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>A pipeline over the store under test; every ApplyAsync on it is counted in <see cref="Writes"/>.</summary>
    protected ServiceProvider Build(Action<CsaSettings>? configure = null, IEmbeddingGenerator<string, Embedding<float>>? embedder = null) =>
        Pipeline.Build(Dir.File("unused/index.db"), configure, services =>
        {
            if (embedder is not null) services.AddSingleton(embedder);
            AddStore(services);
            var store = services.Last(d => d.ServiceType == typeof(IStudyIndex));
            services.Remove(store);
            services.AddSingleton<IStudyIndex>(sp => new CountingStudyIndex(Create(store, sp), () => Interlocked.Increment(ref _writes)));
        });

    private static IStudyIndex Create(ServiceDescriptor d, IServiceProvider sp) =>
        (IStudyIndex)(d.ImplementationInstance ?? d.ImplementationFactory?.Invoke(sp) ?? ActivatorUtilities.CreateInstance(sp, d.ImplementationType!));

    protected int Writes => Volatile.Read(ref _writes);

    protected static Task<IngestReport> Ingest(ServiceProvider sp, string folder, bool rebuild = false) =>
        sp.GetRequiredService<Ingestor>().IngestAsync([folder], rebuild);

    protected static async Task<List<string>> ListIds(ServiceProvider sp, SearchFilter? filter = null) =>
        (await sp.GetRequiredService<IStudyIndex>().ListStudiesAsync(filter ?? SearchFilter.None)).Select(s => s.Id).ToList();

    protected static async Task<List<string>> HitStudies(ServiceProvider sp, string question, SearchFilter? filter = null) =>
        (await sp.GetRequiredService<Retriever>().RetrieveAsync(question, filter, top: 40)).Chunks.Select(c => c.Study.Id).Distinct().ToList();

    /// <summary>Studies hit by the words alone (no dense leg, no study-level leg): a word that is gone finds nothing.</summary>
    protected async Task<List<string>> SparseHitStudies(string question)
    {
        using var sp = Build(s => { s.Retrieval.DenseWeight = 0; s.Retrieval.StudyWeight = 0; });
        return await HitStudies(sp, question);
    }

    private static ConformanceCorpus.Study Edited(ConformanceCorpus.Study s, string from, string to, bool dropLast = false) => s with
    {
        Title = s.Title + " (revised)",
        Sections = s.Sections.Take(dropLast ? s.Sections.Length - 1 : s.Sections.Length).Select(x => (x.Heading, x.Text.Replace(from, to))).ToArray(),
    };

    [StoreFact]
    public async Task Ingest_lists_every_study_with_its_metadata_and_sections()
    {
        ConformanceCorpus.Write(Dir);
        using var sp = Build();

        var report = await Ingest(sp, Corpus);

        Assert.Equal((8, 0, 0, 0), (report.Added, report.Updated, report.Unchanged, report.Removed));
        Assert.Empty(report.Rejected);
        var expectedOrder = ConformanceCorpus.Studies
            .OrderBy(s => s.Company, StringComparer.OrdinalIgnoreCase).ThenByDescending(s => s.Year).ThenBy(s => s.Id, StringComparer.Ordinal)
            .Select(s => s.Id).ToList();
        foreach (var provider in new[] { sp, Build() }) // the same store, then a fresh instance reading what was stored
        {
            using var _ = provider == sp ? null : provider;
            var index = provider.GetRequiredService<IStudyIndex>();
            var listed = await index.ListStudiesAsync(SearchFilter.None);
            Assert.Equal(expectedOrder, listed.Select(s => s.Id));
            foreach (var (record, expected) in listed.Select(r => (r, ConformanceCorpus.Get(r.Id))))
            {
                Assert.Equal(expected.Title, record.Title);
                Assert.Equal(expected.Company, record.Company);
                Assert.Equal(expected.Industry, record.Industry);
                Assert.Equal(expected.Category, record.Category);
                Assert.Equal(expected.Year, record.Year);
                Assert.Equal(expected.Tags, record.Tags);
                Assert.Equal(expected.Url, record.SourceUrl);
                Assert.EndsWith(expected.RelativePath.Replace('/', Path.DirectorySeparatorChar), record.SourcePath);
                Assert.Equal(expected.Sections.Length, record.ChunkCount);
            }
            Assert.Equal(report.Chunks, listed.Sum(s => s.ChunkCount));

            var fraud = await index.GetStudyAsync("fraud-graph");
            Assert.NotNull(fraud);
            Assert.Equal(["Problem", "Approach", "Results"], fraud.Sections.Select(s => s.Heading));
            Assert.Equal(ConformanceCorpus.Get("fraud-graph").Sections.Select(s => s.Text), fraud.Sections.Select(s => s.Text));
            var bare = await index.GetStudyAsync("kitchen-vision");
            Assert.NotNull(bare);
            Assert.Equal((null, null, null, null, 0), (bare.Industry, bare.Category, bare.Year, bare.SourceUrl, bare.Tags.Count));
            Assert.Null(await index.GetStudyAsync("no-such-study"));
        }
    }

    [StoreFact]
    public async Task Re_ingest_writes_nothing_and_an_edit_updates_exactly_that_study()
    {
        ConformanceCorpus.Write(Dir);
        using var sp = Build();
        await Ingest(sp, Corpus);
        var writesAfterFirst = Writes;
        Assert.Contains("search-ranking", await SparseHitStudies("conversion"));

        var again = await Ingest(sp, Corpus);

        Assert.Equal((0, 0, 8, 0, 0), (again.Added, again.Updated, again.Unchanged, again.Removed, again.Chunks));
        Assert.Equal(writesAfterFirst, Writes); // nothing handed to the store at all

        // The edit renames the study, swaps its made-up word and drops its last section (one chunk fewer).
        var edited = Edited(ConformanceCorpus.Get("search-ranking"), "wombat", "pangolin", dropLast: true);
        Dir.Write($"corpus/{edited.RelativePath}", edited.Markdown);
        var update = await Ingest(sp, Corpus);

        Assert.Equal((0, 1, 7, 0), (update.Added, update.Updated, update.Unchanged, update.Removed));
        Assert.Equal(2, update.Chunks);
        var top = (await sp.GetRequiredService<Retriever>().RetrieveAsync("pangolin catalogue")).Chunks[0];
        Assert.Equal("search-ranking", top.Study.Id);
        Assert.Contains("pangolin", top.Chunk.Text);
        Assert.Equal("Learning to rank product search (revised)", top.Study.Title);
        Assert.Empty(await SparseHitStudies("wombat"));
        Assert.DoesNotContain("search-ranking", await SparseHitStudies("conversion")); // the dropped section's chunk is gone too
        using var fresh = Build();
        var stored = await fresh.GetRequiredService<IStudyIndex>().GetStudyAsync("search-ranking");
        Assert.NotNull(stored);
        Assert.Equal(2, stored.ChunkCount);
        Assert.Equal(["Problem", "Approach"], stored.Sections.Select(s => s.Heading));
        Assert.Contains("pangolin", stored.Sections[0].Text);
        Assert.DoesNotContain("wombat", string.Join(" ", stored.Sections.Select(s => s.Text)));
        Assert.Equal(8, (await ListIds(fresh)).Count);
    }

    [StoreFact]
    public async Task Deleting_a_file_removes_the_study_from_the_list_and_from_search()
    {
        ConformanceCorpus.Write(Dir);
        using var sp = Build();
        await Ingest(sp, Corpus);
        Assert.Contains("speech-asr", await HitStudies(sp, "axolotl call recordings"));

        File.Delete(Dir.File($"corpus/{ConformanceCorpus.Get("speech-asr").RelativePath}"));
        var report = await Ingest(sp, Corpus);

        Assert.Equal((0, 0, 7, 1), (report.Added, report.Updated, report.Unchanged, report.Removed));
        Assert.DoesNotContain("speech-asr", await ListIds(sp));
        Assert.Equal(7, (await ListIds(sp)).Count);
        Assert.Null(await sp.GetRequiredService<IStudyIndex>().GetStudyAsync("speech-asr"));
        Assert.DoesNotContain("speech-asr", await HitStudies(sp, "axolotl call recordings transcribed"));
        Assert.Empty(await SparseHitStudies("axolotl"));
        using var fresh = Build();
        Assert.DoesNotContain("speech-asr", await ListIds(fresh));
        Assert.DoesNotContain("speech-asr", await HitStudies(fresh, "How are customer call recordings transcribed?"));
    }

    public static readonly (SearchFilter Filter, string[] Expected)[] FilterCases =
    [
        (new SearchFilter { Company = "shopmart" }, ["search-ranking", "demand-forecast"]),
        (new SearchFilter { Company = "DEVTOOLS INC" }, ["code-review"]),
        (new SearchFilter { Industry = "saas" }, ["llm-support", "code-review"]),
        (new SearchFilter { Tag = "LLM" }, ["llm-support", "code-review"]),
        (new SearchFilter { Tag = "graph" }, ["fraud-graph"]),
        (new SearchFilter { Category = "Forecast" }, ["churn-prediction", "demand-forecast"]),
        (new SearchFilter { YearFrom = 2020, YearTo = 2023 }, ["search-ranking", "speech-asr", "demand-forecast"]),
        (new SearchFilter { YearFrom = 2024 }, ["llm-support", "code-review"]),
        (new SearchFilter { YearTo = 2019 }, ["churn-prediction", "fraud-graph"]),
        (new SearchFilter { Industry = "Retail", YearFrom = 2021 }, ["demand-forecast"]),
        (new SearchFilter { Company = "Nobody" }, []),
    ];

    [StoreFact]
    public async Task Filters_restrict_search_hits_and_the_list_exactly()
    {
        ConformanceCorpus.Write(Dir);
        using var sp = Build();
        await Ingest(sp, Corpus);
        // Every study mentions the production system, so unfiltered it finds them all.
        Assert.Equal(ConformanceCorpus.Ids.Order(), (await HitStudies(sp, "production system")).Order());

        foreach (var (filter, expected) in FilterCases)
        {
            Assert.True(expected.Order().SequenceEqual((await ListIds(sp, filter)).Order()), $"list [{filter}]: {string.Join(", ", await ListIds(sp, filter))}");
            var hits = await HitStudies(sp, "production system", filter);
            Assert.True(expected.Order().SequenceEqual(hits.Order()), $"search [{filter}]: {string.Join(", ", hits)}");
            var answer = await sp.GetRequiredService<Assistant>().AskAsync("What does the production system do?", filter);
            Assert.All(answer.Retrieved, r => Assert.Contains(r.DocId, expected));
        }
    }

    private static readonly (string Label, Action<CsaSettings> Configure)[] SparseConfigurations =
    [
        ("defaults (chunk BM25 + study BM25)", _ => { }),
        ("chunk BM25 only", s => s.Retrieval.StudyWeight = 0),
        ("weighted (sparse 2, study 0.5)", s => { s.Retrieval.SparseWeight = 2.0; s.Retrieval.StudyWeight = 0.5; }),
    ];

    private static readonly (string Label, Action<CsaSettings> Configure)[] DenseConfigurations =
    [
        ("hybrid (dense on)", s => s.Retrieval.DenseWeight = 1.0),
        ("chunk legs only (dense on, no study leg)", s => { s.Retrieval.DenseWeight = 1.0; s.Retrieval.StudyWeight = 0; }),
    ];

    /// <summary>
    /// The store's ranking, step by step: top study, per-study diversity, then the exact fused order (top-5 doc ids,
    /// every kept chunk, leg ranks and scores) against a fresh embedded index of the same corpus built in the test.
    /// </summary>
    [StoreFact]
    public async Task Hybrid_ranking_puts_the_right_study_first_and_matches_the_embedded_store_exactly()
    {
        await AssertRanksLikeEmbeddedAsync(SparseConfigurations, exact: true);
        // With the dense leg on, the right study still comes first and diversity holds (exact order: next test).
        await AssertRanksLikeEmbeddedAsync(DenseConfigurations, exact: false);

        // And the whole way to an answer.
        using var answering = Build();
        foreach (var (question, expected) in ConformanceCorpus.Questions)
        {
            var answer = await answering.GetRequiredService<Assistant>().AskAsync(question);
            Assert.False(answer.Refused, $"{question}: {answer.Text}");
            Assert.Equal(expected, answer.Retrieved[0].DocId);
            Assert.Contains(expected, answer.Citations.Select(c => c.DocId));
        }
    }

    [StoreFact]
    public async Task Dense_leg_ranking_matches_the_embedded_store_exactly()
    {
        ConformanceCorpus.Write(Dir);
        await AssertRanksLikeEmbeddedAsync(DenseConfigurations, exact: true);
    }

    private async Task AssertRanksLikeEmbeddedAsync((string Label, Action<CsaSettings> Configure)[] configurations, bool exact)
    {
        if (!Directory.Exists(Corpus)) ConformanceCorpus.Write(Dir);
        using var reference = new TempDir("conformance-ref");
        var referenceIndex = reference.File("index.db");
        using (var refSp = Pipeline.Build(referenceIndex)) await Ingest(refSp, Corpus);
        using (var sp = Build())
            if ((await sp.GetRequiredService<IStudyIndex>().GetStateAsync()).IsEmpty) await Ingest(sp, Corpus);

        foreach (var (label, configure) in configurations)
        {
            using var sp = Build(configure);
            using var refSp = Pipeline.Build(referenceIndex, configure);
            foreach (var (question, expected) in ConformanceCorpus.Questions)
            {
                var got = await sp.GetRequiredService<Retriever>().RetrieveAsync(question);
                var want = await refSp.GetRequiredService<Retriever>().RetrieveAsync(question);
                var where = $"{label}: {question}";

                Assert.True(got.Chunks.Count > 0, where);
                Assert.True(expected == got.Chunks[0].Study.Id, $"{where}: first is {got.Chunks[0].Study.Id}");
                Assert.Equal(expected, want.Chunks[0].Study.Id);
                Assert.All(got.Chunks.GroupBy(c => c.Study.Id), g => Assert.True(g.Count() <= 2, $"{where}: {g.Key} has {g.Count()} chunks"));
                Assert.Equal(Enumerable.Range(1, got.Chunks.Count), got.Chunks.Select(c => c.Rank));
                if (!exact) continue;

                static string Show(RetrievalResult r) => string.Join("\n", r.Chunks.Select(c =>
                    $"  {c.Rank}. {c.Chunk.Id} {c.Hit.Score:R} sparse={c.Hit.SparseRank} dense={c.Hit.DenseRank} study={c.StudyRank}"));
                var detail = $"{where}\nstore under test:\n{Show(got)}\nembedded reference:\n{Show(want)}";
                // Equal fused scores (e.g. sparse 2 + dense 3 against sparse 3 + dense 2) may come in either order:
                // Qdrant breaks ties by point id, the embedded store by chunk id. Anything else must match exactly.
                Assert.Equal(want.Chunks.Count, got.Chunks.Count);
                static bool Tied(double a, double b) => Math.Abs(a - b) <= 1e-6 * Math.Abs(a);
                for (var i = 0; i < want.Chunks.Count; i++)
                {
                    var (w, g) = (want.Chunks[i], got.Chunks[i]);
                    // Qdrant scores in float32, so fused scores agree to float precision, not to the last double bit.
                    Assert.True(Tied(w.Hit.Score, g.Hit.Score), "scores differ: " + detail);
                    // A different chunk at the same place is only allowed where the scores tie (checked just above).
                    if (w.Chunk.Id != g.Chunk.Id) continue;
                    Assert.True((w.Hit.SparseRank, w.Hit.DenseRank, w.StudyRank) == (g.Hit.SparseRank, g.Hit.DenseRank, g.StudyRank), "leg ranks differ: " + detail);
                }
                Assert.Equal(want.QueryTerms, got.QueryTerms);
                Assert.Equal(want.Evidence.Best, got.Evidence.Best, 6);
            }
        }
    }

    /// <summary>More studies and chunks than one page of the store's listing (Qdrant scrolls 256 at a time).</summary>
    [StoreFact]
    public async Task Hundreds_of_studies_are_all_listed_counted_and_recognised_as_unchanged()
    {
        var studies = ConformanceCorpus.Studies.Concat(ConformanceCorpus.Fillers(292)).ToList();
        ConformanceCorpus.Write(Dir, studies: studies);
        using var sp = Build();
        var report = await Ingest(sp, Corpus);
        Assert.Equal(300, report.Added);

        using var fresh = Build();
        var index = fresh.GetRequiredService<IStudyIndex>();
        Assert.Equal(studies.Select(s => s.Id).Order(), (await index.ListStudiesAsync(SearchFilter.None)).Select(s => s.Id).Order());
        Assert.Equal(300, (await index.GetStateAsync()).Studies.Count);
        Assert.Equal(report.Chunks, (await index.GetTermStatisticsAsync([])).Documents);
        var filler = studies[^1];
        Assert.Equal(filler.Id, (await fresh.GetRequiredService<Retriever>().RetrieveAsync(filler.UniqueWord)).Chunks[0].Study.Id);
        Assert.Equal(["filler"], (await index.GetStudyAsync(filler.Id))!.Tags);

        var again = await Ingest(fresh, Corpus);
        Assert.Equal((0, 0, 300, 0), (again.Added, again.Updated, again.Unchanged, again.Removed));
    }

    [StoreFact]
    public async Task A_different_embedding_model_is_refused_until_a_rebuild()
    {
        ConformanceCorpus.Write(Dir);
        using (var sp384 = Build(embedder: new HashingEmbeddingGenerator(384))) await Ingest(sp384, Corpus);

        using (var sp128 = Build(embedder: new HashingEmbeddingGenerator(128)))
        {
            var ingest = await Assert.ThrowsAsync<IndexMismatchException>(() => Ingest(sp128, Corpus));
            Assert.Contains("--rebuild", ingest.Message);
            Assert.Contains("384", ingest.Message);
            Assert.Contains("128", ingest.Message);
            var retrieve = await Assert.ThrowsAsync<IndexMismatchException>(() => sp128.GetRequiredService<Retriever>().RetrieveAsync("quokka"));
            Assert.Contains("--rebuild", retrieve.Message);
            await Assert.ThrowsAsync<IndexMismatchException>(() => sp128.GetRequiredService<Assistant>().AskAsync("How do they predict which subscribers will churn?"));
        }

        // Refusing changed nothing: the 384-dimension index still answers.
        using (var sp384 = Build(embedder: new HashingEmbeddingGenerator(384)))
            Assert.Equal("churn-prediction", (await sp384.GetRequiredService<Retriever>().RetrieveAsync("quokka")).Chunks[0].Study.Id);

        using (var sp128 = Build(embedder: new HashingEmbeddingGenerator(128)))
        {
            var report = await Ingest(sp128, Corpus, rebuild: true);
            Assert.True(report.Rebuilt);
            Assert.Equal(8, report.Added);
        }
        using (var sp128 = Build(s => s.Retrieval.DenseWeight = 1, new HashingEmbeddingGenerator(128)))
        {
            Assert.Equal(new EmbeddingModelInfo(HashingEmbeddingGenerator.ModelName, 128), (await sp128.GetRequiredService<IStudyIndex>().GetStateAsync()).Model);
            Assert.Equal("churn-prediction", (await sp128.GetRequiredService<Retriever>().RetrieveAsync("How do they predict which subscribers will churn?")).Chunks[0].Study.Id);
        }
        using (var sp384 = Build(embedder: new HashingEmbeddingGenerator(384)))
            await Assert.ThrowsAsync<IndexMismatchException>(() => sp384.GetRequiredService<Retriever>().RetrieveAsync("quokka"));
    }

    [StoreFact]
    public async Task Rebuild_replaces_the_content_and_leaves_only_the_new_index()
    {
        ConformanceCorpus.Write(Dir);
        using (var sp = Build()) await Ingest(sp, Corpus);
        var before = await CurrentTargetAsync();

        File.Delete(Dir.File($"corpus/{ConformanceCorpus.Get("code-review").RelativePath}"));
        var edited = Edited(ConformanceCorpus.Get("fraud-graph"), "narwhal", "pangolin");
        Dir.Write($"corpus/{edited.RelativePath}", edited.Markdown);
        var added = ConformanceCorpus.Fillers(1).Single();
        Dir.Write($"corpus/{added.RelativePath}", added.Markdown);

        using var rebuilt = Build();
        var report = await Ingest(rebuilt, Corpus, rebuild: true);

        Assert.True(report.Rebuilt);
        Assert.Equal((8, 0, 0, 0), (report.Added, report.Updated, report.Unchanged, report.Removed));
        var expected = ConformanceCorpus.Ids.Where(id => id != "code-review").Append(added.Id).Order().ToList();
        Assert.Equal(expected, (await ListIds(rebuilt)).Order());
        Assert.Null(await rebuilt.GetRequiredService<IStudyIndex>().GetStudyAsync("code-review"));
        Assert.Empty(await SparseHitStudies("okapi"));
        Assert.Empty(await SparseHitStudies("narwhal"));
        Assert.Equal(["fraud-graph"], await SparseHitStudies("pangolin"));
        Assert.Equal([added.Id], await SparseHitStudies(added.UniqueWord));

        var after = await CurrentTargetAsync();
        Assert.NotEqual(before, after);
        await AssertOnlyTargetLeftAsync(after);

        // The next incremental ingest starts from the rebuilt index: nothing to do.
        using var next = Build();
        var again = await Ingest(next, Corpus);
        Assert.Equal((0, 0, 8, 0), (again.Added, again.Updated, again.Unchanged, again.Removed));
    }

    [StoreFact]
    public async Task A_pdfs_pages_are_stored_with_its_sections_and_its_citations_carry_them()
    {
        ConformanceCorpus.Write(Dir);
        File.WriteAllBytes(Path.Combine(Corpus, "latency.pdf"), DocumentFixtures.DocumentSet.LatencyBudgetPdf());
        using var sp = Build();
        await Ingest(sp, Corpus);

        using var fresh = Build(); // what was stored, read back by a new instance
        var study = await fresh.GetRequiredService<IStudyIndex>().GetStudyAsync("latency");
        Assert.NotNull(study);
        Assert.Equal([("Page 1", 1), ("Page 2", 2), ("Page 3", 3)], study.Sections.Select(x => (x.Heading, x.Page ?? 0)));
        var answer = await fresh.GetRequiredService<Assistant>().AskAsync("How did hedged requests change the checkout's tail latency?");
        Assert.Equal(("latency", 2), (answer.Citations[0].DocId, answer.Citations[0].Page ?? 0));
    }
}

/// <summary>Passes everything to the real store and counts the writes.</summary>
public sealed class CountingStudyIndex(IStudyIndex inner, Action onWrite) : IStudyIndex
{
    public string Location => inner.Location;
    public Task<IndexState> GetStateAsync(CancellationToken ct = default) => inner.GetStateAsync(ct);
    public Task<IndexReadScope> BeginReadAsync(CancellationToken ct = default) => inner.BeginReadAsync(ct);
    public Task<IDisposable> LockForWriteAsync(bool wait, Action? onWaiting, CancellationToken ct = default) => inner.LockForWriteAsync(wait, onWaiting, ct);

    public Task ApplyAsync(IndexChanges changes, EmbeddingModelInfo model, string pipelineVersion, IndexWriteMode mode, CancellationToken ct = default)
    {
        onWrite();
        return inner.ApplyAsync(changes, model, pipelineVersion, mode, ct);
    }

    public Task<StoreSearchResult> SearchAsync(HybridQuery query, CancellationToken ct = default) => inner.SearchAsync(query, ct);
    public Task<TermStatistics> GetTermStatisticsAsync(IReadOnlyCollection<uint> termIds, CancellationToken ct = default) => inner.GetTermStatisticsAsync(termIds, ct);
    public Task<IReadOnlyList<StudyRecord>> ListStudiesAsync(SearchFilter filter, CancellationToken ct = default) => inner.ListStudiesAsync(filter, ct);
    public Task<StudyRecord?> GetStudyAsync(string id, CancellationToken ct = default) => inner.GetStudyAsync(id, ct);
    public void Dispose() => inner.Dispose();
}
