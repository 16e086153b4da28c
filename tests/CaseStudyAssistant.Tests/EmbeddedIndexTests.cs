using System.Diagnostics;
using CaseStudyAssistant.Answering;
using CaseStudyAssistant.Indexing;
using CaseStudyAssistant.Indexing.Embedded;
using CaseStudyAssistant.Retrieval;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace CaseStudyAssistant.Tests;

public sealed class EmbeddedIndexTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _dir = new("index");

    public void Dispose() => _dir.Dispose();

    private string Corpus => _dir.File("corpus");
    private string IndexPath => _dir.File("idx/index.db");

    /// <summary>Four studies, each with a made-up word only it contains, so searches can tell them apart.</summary>
    private void WriteBaseCorpus()
    {
        _dir.Write("corpus/rec/alpha.md", StudyFile.Markdown("alpha", "Alpha feed ranking", "AlphaCo",
            [("Problem", "The quokka feed ranked posts by recency only."), ("Approach", "A two-tower model now ranks the quokka feed by predicted engagement.")], 2021));
        _dir.Write("corpus/fraud/bravo.md", StudyFile.Markdown("bravo", "Bravo payment fraud", "BravoPay",
            [("Problem", "Stolen cards were used in wombat payment rings."), ("Approach", "A graph model links accounts that share wombat devices.")], 2022));
        _dir.Write("corpus/search/charlie.md", StudyFile.Markdown("charlie", "Charlie product search", "CharlieShop",
            [("Problem", "Queries about narwhal products returned poor results."), ("Approach", "A learning-to-rank model reorders narwhal search results.")], 2020));
        _dir.Write("corpus/audio/delta.md", StudyFile.Markdown("delta", "Delta speech recognition", "DeltaVoice",
            [("Problem", "Call audio with axolotl accents was transcribed badly."), ("Approach", "A conformer acoustic model was fine-tuned on axolotl recordings.")], 2023));
    }

    private static async Task<IngestReport> Ingest(ServiceProvider sp, string folder, bool rebuild = false) =>
        await sp.GetRequiredService<Ingestor>().IngestAsync([folder], rebuild);

    private static async Task<HashSet<string>> StudyIds(IStudyIndex index) =>
        (await index.ListStudiesAsync(SearchFilter.None)).Select(s => s.Id).ToHashSet();

    private static async Task<List<string>> SearchStudyIds(ServiceProvider sp, string question) =>
        (await sp.GetRequiredService<Retriever>().RetrieveAsync(question, top: 20)).Chunks.Select(c => c.Study.Id).Distinct().ToList();

    private async Task<List<string>> SparseOnlyStudyIds(string question)
    {
        using var sp = Pipeline.Build(IndexPath, s => { s.Retrieval.DenseWeight = 0; s.Retrieval.StudyWeight = 0; });
        return await SearchStudyIds(sp, question);
    }

    [Fact]
    public async Task First_ingest_adds_every_study_and_they_can_be_listed_and_found()
    {
        WriteBaseCorpus();
        using var sp = Pipeline.Build(IndexPath);

        var report = await Ingest(sp, Corpus);

        Assert.Equal((4, 0, 0, 0), (report.Added, report.Updated, report.Unchanged, report.Removed));
        Assert.Equal(8, report.Chunks);
        Assert.Empty(report.Rejected);
        Assert.Equal(Path.GetFullPath(IndexPath), report.IndexLocation);
        Assert.True(File.Exists(IndexPath));
        var index = sp.GetRequiredService<IStudyIndex>();
        Assert.Equal(["alpha", "bravo", "charlie", "delta"], (await StudyIds(index)).Order());
        var bravo = await index.GetStudyAsync("bravo");
        Assert.NotNull(bravo);
        Assert.Equal("Bravo payment fraud", bravo.Title);
        Assert.Equal("BravoPay", bravo.Company);
        Assert.Equal(2022, bravo.Year);
        Assert.Equal(2, bravo.ChunkCount);
        Assert.Equal(["Problem", "Approach"], bravo.Sections.Select(s => s.Heading));
        Assert.Equal("bravo", (await SearchStudyIds(sp, "wombat"))[0]);
    }

    [Fact]
    public async Task Second_ingest_of_the_same_corpus_reports_all_unchanged_and_writes_nothing()
    {
        WriteBaseCorpus();
        using (var sp = Pipeline.Build(IndexPath)) await Ingest(sp, Corpus);
        var before = Pipeline.FileHash(IndexPath);

        using var sp2 = Pipeline.Build(IndexPath);
        var report = await Ingest(sp2, Corpus);

        Assert.Equal((0, 0, 4, 0), (report.Added, report.Updated, report.Unchanged, report.Removed));
        Assert.Equal(0, report.Chunks);
        Assert.Empty(report.Rejected);
        Assert.Equal(before, Pipeline.FileHash(IndexPath));
        Assert.False(File.Exists(IndexPath + "-journal"));
    }

    [Fact]
    public async Task Editing_one_file_updates_exactly_that_study()
    {
        WriteBaseCorpus();
        using var sp = Pipeline.Build(IndexPath);
        await Ingest(sp, Corpus);

        _dir.Write("corpus/fraud/bravo.md", StudyFile.Markdown("bravo", "Bravo payment fraud, revised", "BravoPay",
            [("Problem", "Stolen cards were used in pangolin payment rings."), ("Approach", "A graph model links accounts that share pangolin devices.")], 2022));
        var report = await Ingest(sp, Corpus);

        Assert.Equal((0, 1, 3, 0), (report.Added, report.Updated, report.Unchanged, report.Removed));
        Assert.Equal(2, report.Chunks);
        Assert.Equal("Bravo payment fraud, revised", (await sp.GetRequiredService<IStudyIndex>().GetStudyAsync("bravo"))!.Title);
        Assert.Equal("bravo", (await SearchStudyIds(sp, "pangolin"))[0]);
        Assert.DoesNotContain("bravo", await SparseOnlyStudyIds("wombat"));
    }

    [Fact]
    public async Task Deleting_a_file_removes_its_study_from_the_list_and_from_search()
    {
        WriteBaseCorpus();
        using var sp = Pipeline.Build(IndexPath);
        await Ingest(sp, Corpus);
        Assert.Contains("charlie", await SearchStudyIds(sp, "narwhal"));

        File.Delete(_dir.File("corpus/search/charlie.md"));
        var report = await Ingest(sp, Corpus);

        Assert.Equal((0, 0, 3, 1), (report.Added, report.Updated, report.Unchanged, report.Removed));
        var index = sp.GetRequiredService<IStudyIndex>();
        Assert.Equal(["alpha", "bravo", "delta"], (await StudyIds(index)).Order());
        Assert.Null(await index.GetStudyAsync("charlie"));
        Assert.DoesNotContain("charlie", await SearchStudyIds(sp, "narwhal products search"));

        // A fresh process sees the same thing.
        using var fresh = Pipeline.Build(IndexPath);
        Assert.DoesNotContain("charlie", await StudyIds(fresh.GetRequiredService<IStudyIndex>()));
    }

    [Fact]
    public async Task Adding_a_file_adds_one_study()
    {
        WriteBaseCorpus();
        using var sp = Pipeline.Build(IndexPath);
        await Ingest(sp, Corpus);

        _dir.Write("corpus/cv/echo.md", StudyFile.Simple("echo", "Echo image moderation", "EchoPics", "A classifier flags unsafe capybara images at upload."));
        var report = await Ingest(sp, Corpus);

        Assert.Equal((1, 0, 4, 0), (report.Added, report.Updated, report.Unchanged, report.Removed));
        Assert.Contains("echo", await StudyIds(sp.GetRequiredService<IStudyIndex>()));
        Assert.Equal("echo", (await SearchStudyIds(sp, "capybara"))[0]);
    }

    [Fact]
    public async Task Chunk_ids_are_deterministic_across_re_ingests()
    {
        WriteBaseCorpus();
        var other = _dir.File("idx/other.db");
        using (var sp = Pipeline.Build(IndexPath)) await Ingest(sp, Corpus);
        var first = Pipeline.StoredChunks(IndexPath);

        using (var sp = Pipeline.Build(IndexPath)) await Ingest(sp, Corpus, rebuild: true);
        var rebuilt = Pipeline.StoredChunks(IndexPath);
        using (var sp = Pipeline.Build(other)) await Ingest(sp, Corpus);
        var fresh = Pipeline.StoredChunks(other);

        Assert.Equal(8, first.Count);
        Assert.Contains(first, c => c.Id == "alpha#0");
        Assert.Contains(first, c => c.Id == "alpha#1");
        Assert.Equal(first, rebuilt);
        Assert.Equal(first, fresh);
    }

    [Fact]
    public async Task A_file_that_becomes_invalid_keeps_its_previous_version_and_is_reported()
    {
        WriteBaseCorpus();
        using var sp = Pipeline.Build(IndexPath);
        await Ingest(sp, Corpus);

        var path = _dir.Write("corpus/rec/alpha.md", "---\nid: alpha\ntitle: Alpha broken\ncompany: AlphaCo\nyear: twenty\n---\n\n## Problem\nNew text about a platypus.\n");
        var report = await Ingest(sp, Corpus);

        var rejected = Assert.Single(report.Rejected);
        Assert.Equal(path, rejected.Path);
        Assert.Contains("year", rejected.Problem);
        Assert.Equal(0, report.Removed);
        Assert.Equal(3, report.Unchanged);
        var alpha = await sp.GetRequiredService<IStudyIndex>().GetStudyAsync("alpha");
        Assert.NotNull(alpha);
        Assert.Equal("Alpha feed ranking", alpha.Title);
        Assert.Equal("alpha", (await SearchStudyIds(sp, "quokka"))[0]);
    }

    [Fact]
    public async Task Moving_a_file_without_changing_it_updates_where_the_study_comes_from()
    {
        WriteBaseCorpus();
        using var sp = Pipeline.Build(IndexPath);
        await Ingest(sp, Corpus);

        var moved = _dir.File("corpus/archive/bravo-2022.md");
        Directory.CreateDirectory(Path.GetDirectoryName(moved)!);
        File.Move(_dir.File("corpus/fraud/bravo.md"), moved);
        var report = await Ingest(sp, Corpus);

        Assert.Equal(0, report.Removed);
        Assert.Equal(0, report.Added);
        // 'csa show' prints this path; it must point at the file as it is now.
        Assert.Equal(moved, (await sp.GetRequiredService<IStudyIndex>().GetStudyAsync("bravo"))!.SourcePath);
    }

    private const string CsvHeader = "id,title,company,industry,primary_category,sub_category,tags,year,source_url,origin_source,date_added,summary_oneliner";

    [Fact]
    public async Task A_catalog_row_that_becomes_invalid_keeps_its_previous_version()
    {
        WriteBaseCorpus();
        const string row2 = "cat-2,Row two,RowCo,Tech,rec,,a,2021,https://x.example/2,x,2026-01-01,A summary about an ocelot recommender.";
        _dir.Write("corpus/data/catalog.csv", $"{CsvHeader}\ncat-1,Row one,RowCo,Tech,rec,,a,2020,https://x.example/1,x,2026-01-01,A summary about a tapir ranking model.\n{row2}\n");
        using var sp = Pipeline.Build(IndexPath);
        Assert.Equal(6, (await Ingest(sp, Corpus)).Added);

        _dir.Write("corpus/data/catalog.csv", $"{CsvHeader}\ncat-1,Row one,RowCo,Tech,rec,,a,nineteen,https://x.example/1,x,2026-01-01,A summary about a tapir ranking model.\n{row2}\n");
        var report = await Ingest(sp, Corpus);

        Assert.Single(report.Rejected);
        Assert.Equal(0, report.Removed);
        Assert.Contains("cat-1", await StudyIds(sp.GetRequiredService<IStudyIndex>()));
    }

    [Fact]
    public async Task A_catalog_file_that_becomes_unreadable_keeps_the_previous_versions_of_its_rows()
    {
        WriteBaseCorpus();
        var csv = _dir.Write("corpus/data/catalog.csv",
            $"{CsvHeader}\ncat-1,Row one,RowCo,Tech,rec,,a,2020,https://x.example/1,x,2026-01-01,A summary about a tapir ranking model.\n" +
            "cat-2,Row two,RowCo,Tech,rec,,a,2021,https://x.example/2,x,2026-01-01,A summary about an ocelot recommender.\n");
        using var sp = Pipeline.Build(IndexPath);
        await Ingest(sp, Corpus);

        // The whole file is now unreadable (a stray NUL byte, e.g. a bad save): the file is rejected as a whole.
        File.AppendAllText(csv, "\0");
        var report = await Ingest(sp, Corpus);

        var rejected = Assert.Single(report.Rejected);
        Assert.Equal(csv, rejected.Path);
        Assert.Equal(0, report.Removed);
        var ids = await StudyIds(sp.GetRequiredService<IStudyIndex>());
        Assert.Contains("cat-1", ids);
        Assert.Contains("cat-2", ids);
    }

    [Fact]
    public async Task Rebuild_replaces_the_whole_content()
    {
        WriteBaseCorpus();
        _dir.Write("other/x.md", StudyFile.Simple("x-study", "X", "XCo", "A forecasting model predicts demand for the meerkat store."));
        _dir.Write("other/y.md", StudyFile.Simple("y-study", "Y", "YCo", "An anomaly detector watches meerkat metrics."));
        using var sp = Pipeline.Build(IndexPath);
        await Ingest(sp, Corpus);

        var report = await Ingest(sp, _dir.File("other"), rebuild: true);

        Assert.True(report.Rebuilt);
        Assert.Equal(2, report.Added);
        Assert.Equal(["x-study", "y-study"], (await StudyIds(sp.GetRequiredService<IStudyIndex>())).Order());
        Assert.Empty(await SparseOnlyStudyIds("quokka wombat narwhal axolotl"));
        Assert.Contains("x-study", await SearchStudyIds(sp, "meerkat demand forecasting"));
        Assert.Equal([IndexPath], Directory.GetFiles(_dir.File("idx")).Where(f => !f.EndsWith(".lock"))); // the lock file stays, empty
        using var fresh = Pipeline.Build(IndexPath);
        Assert.Equal(["x-study", "y-study"], (await StudyIds(fresh.GetRequiredService<IStudyIndex>())).Order());
    }

    private void WriteManyStudies(string folder, int count, string idPrefix, string word)
    {
        for (var i = 0; i < count; i++)
            _dir.Write($"{folder}/g{i % 20:00}/{idPrefix}{i:0000}.md",
                StudyFile.Simple($"{idPrefix}{i:0000}", $"Note {i}", $"Co{i % 13}", $"Service {i} needed a {word} model for item {i} with low latency."));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_ingest_that_fails_midway_leaves_the_previous_index_intact_and_queryable(bool rebuild)
    {
        WriteBaseCorpus();
        using (var sp = Pipeline.Build(IndexPath)) await Ingest(sp, Corpus);
        var before = Pipeline.FileHash(IndexPath);

        // New and changed studies: enough that the embedder is called several times.
        WriteManyStudies("corpus/bulk", 80, "bulk-", "caracal");
        _dir.Write("corpus/rec/alpha.md", StudyFile.Simple("alpha", "Alpha changed", "AlphaCo", "Completely new text about a caracal."));
        var failing = new FailingEmbeddingGenerator(succeedCalls: 1);
        using (var sp = Pipeline.Build(IndexPath, s => s.Embedding.CachePath = _dir.File("own-cache/embeddings.db"), before: s => s.AddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(failing)))
        {
            Assert.Same(failing, sp.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>());
            var e = await Assert.ThrowsAsync<InvalidOperationException>(() => Ingest(sp, Corpus, rebuild));
            Assert.Contains("simulated", e.Message);
        }
        Assert.True(failing.Calls >= 2, "the failure should come after some work was done");

        Assert.Equal(before, Pipeline.FileHash(IndexPath));
        Assert.False(File.Exists(IndexPath + "-journal"));
        using var after = Pipeline.Build(IndexPath);
        var index = after.GetRequiredService<IStudyIndex>();
        Assert.Equal(["alpha", "bravo", "charlie", "delta"], (await StudyIds(index)).Order());
        Assert.Equal("Alpha feed ranking", (await index.GetStudyAsync("alpha"))!.Title);
        Assert.Equal("alpha", (await SearchStudyIds(after, "quokka"))[0]);
        Assert.Equal([IndexPath], Directory.GetFiles(_dir.File("idx")).Where(f => !f.EndsWith(".lock"))); // the lock file stays, empty
    }

    [Theory]
    [InlineData("after-200ms")]
    [InlineData("while-writing")]
    public async Task A_killed_ingest_process_leaves_either_the_old_or_the_new_index_never_a_mix(string when)
    {
        // The index holds a small corpus...
        WriteBaseCorpus();
        using (var sp = Pipeline.Build(IndexPath)) await Ingest(sp, Corpus);
        var oldIds = new HashSet<string>(["alpha", "bravo", "charlie", "delta"]);
        // ...and a process starts ingesting a different, large one into it.
        const int count = 3000;
        WriteManyStudies("big", count, "new-", "ranking");
        var newIds = Enumerable.Range(0, count).Select(i => $"new-{i:0000}").ToHashSet();

        var psi = Cli.StartInfo(_dir.Path, null, "ingest", "--corpus", _dir.File("big"), "--index", IndexPath);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        var clock = Stopwatch.StartNew();
        if (when == "after-200ms") p.WaitForExit(200);
        else
        {
            var journal = IndexPath + "-journal";
            while (!p.HasExited && !File.Exists(journal) && clock.Elapsed < TimeSpan.FromSeconds(20)) Thread.SpinWait(1000);
        }
        var killed = false;
        try
        {
            if (!p.HasExited) { p.Kill(entireProcessTree: true); killed = true; }
        }
        catch (InvalidOperationException) { /* it finished first */ }
        Assert.True(p.WaitForExit(30_000), "the killed process did not exit");
        output.WriteLine($"{when}: killed={killed} after {clock.ElapsedMilliseconds} ms; exit code {p.ExitCode}");
        output.WriteLine(await stdout);
        output.WriteLine(await stderr);

        using var after = Pipeline.Build(IndexPath);
        var ids = await StudyIds(after.GetRequiredService<IStudyIndex>());
        output.WriteLine($"index now holds {ids.Count} studies: {(ids.SetEquals(oldIds) ? "the old set" : ids.SetEquals(newIds) ? "the new set" : "A MIX")}");
        Assert.True(ids.SetEquals(oldIds) || ids.SetEquals(newIds),
            $"the index holds {ids.Count} studies, neither exactly the old {oldIds.Count} nor exactly the new {newIds.Count}");

        var hits = await SearchStudyIds(after, ids.SetEquals(oldIds) ? "wombat payment rings" : "ranking model latency");
        Assert.NotEmpty(hits);
        Assert.All(hits, id => Assert.Contains(id, ids));
        if (ids.SetEquals(oldIds)) Assert.Equal("bravo", hits[0]);
    }

    [Fact]
    public async Task An_index_built_with_another_embedding_model_is_refused_until_rebuilt()
    {
        WriteBaseCorpus();
        using (var sp = Pipeline.Build(IndexPath, before: s => s.AddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(new HashingEmbeddingGenerator(384))))
            await Ingest(sp, Corpus);
        var before = Pipeline.FileHash(IndexPath);

        using (var other = Pipeline.Build(IndexPath, before: s => s.AddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(new HashingEmbeddingGenerator(128))))
        {
            var ingest = await Assert.ThrowsAsync<IndexMismatchException>(() => Ingest(other, Corpus));
            Assert.Contains("--rebuild", ingest.Message);
            Assert.Contains("384", ingest.Message);
            Assert.Contains("128", ingest.Message);
            var retrieve = await Assert.ThrowsAsync<IndexMismatchException>(() => other.GetRequiredService<Retriever>().RetrieveAsync("wombat"));
            Assert.Contains("--rebuild", retrieve.Message);
            await Assert.ThrowsAsync<IndexMismatchException>(() => other.GetRequiredService<Assistant>().AskAsync("How are wombat payment rings found?"));
        }
        Assert.Equal(before, Pipeline.FileHash(IndexPath));

        using (var other = Pipeline.Build(IndexPath, before: s => s.AddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(new HashingEmbeddingGenerator(128))))
        {
            var report = await Ingest(other, Corpus, rebuild: true);
            Assert.True(report.Rebuilt);
            Assert.Equal(4, report.Added);
        }
        using (var other = Pipeline.Build(IndexPath, before: s => s.AddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(new HashingEmbeddingGenerator(128))))
            Assert.Equal("bravo", (await SearchStudyIds(other, "wombat payment rings"))[0]);
        using (var original = Pipeline.Build(IndexPath, before: s => s.AddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(new HashingEmbeddingGenerator(384))))
            await Assert.ThrowsAsync<IndexMismatchException>(() => original.GetRequiredService<Retriever>().RetrieveAsync("wombat"));
    }

    [Fact]
    public async Task An_empty_or_missing_index_lists_nothing_and_finds_nothing()
    {
        var index = new SqliteStudyIndex(IndexPath);
        Assert.True((await index.GetStateAsync()).IsEmpty);
        Assert.Empty(await index.ListStudiesAsync(SearchFilter.None));
        Assert.Null(await index.GetStudyAsync("anything"));
        using var sp = Pipeline.Build(IndexPath);
        Assert.Empty((await sp.GetRequiredService<Retriever>().RetrieveAsync("ranking model")).Chunks);
    }
}
