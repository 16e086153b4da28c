using CaseStudyAssistant.Corpus;
using CaseStudyAssistant.Indexing;
using CaseStudyAssistant.Retrieval;
using Microsoft.Extensions.DependencyInjection;

namespace CaseStudyAssistant.Tests;

/// <summary>Ingest input and concurrency that once hung, aborted, mixed or overwrote things.</summary>
public sealed class IngestHardeningTests : IDisposable
{
    private readonly TempDir _dir = new("hardening");

    public void Dispose() => _dir.Dispose();

    private string Corpus => _dir.File("corpus");
    private string IndexPath => _dir.File("idx/index.db");

    private void Note(string relative, string id, string word) =>
        _dir.Write($"corpus/{relative}", StudyFile.Simple(id, $"Study {id}", $"{id}co", $"The {word} service was rebuilt for scale."));

    private static async Task<IngestReport> Ingest(ServiceProvider sp, string folder, bool rebuild = false, bool wait = true) =>
        await sp.GetRequiredService<Ingestor>().IngestAsync([folder], rebuild, waitForOtherIngest: wait);

    [Fact]
    public async Task A_directory_link_loop_is_read_once_and_reported_instead_of_followed()
    {
        if (OperatingSystem.IsWindows()) return; // directory symlinks need privileges there
        Note("a.md", "alpha", "quokka");
        Note("loop/b.md", "bravo", "wombat");
        Directory.CreateSymbolicLink(_dir.File("corpus/loop/up"), "..");
        Directory.CreateSymbolicLink(_dir.File("corpus/loop/self"), "../loop");

        var read = new CorpusReader().Read([Corpus]);

        Assert.Equal(["alpha", "bravo"], read.Studies.Select(s => s.Id).Order());
        Assert.Empty(read.Rejected); // no duplicate-id errors from the same files seen through links
        Assert.Equal(["self", "up"], read.SkippedLinks.Select(s => Path.GetFileName(s.Path)).Order());
        Assert.All(read.SkippedLinks, s => Assert.Contains("already read", s.Reason));
    }

    [Fact]
    public async Task A_link_to_a_folder_outside_the_corpus_is_followed_once()
    {
        if (OperatingSystem.IsWindows()) return;
        Note("a.md", "alpha", "quokka");
        _dir.Write("elsewhere/c.md", StudyFile.Simple("charlie", "Study charlie", "charlieco", "The narwhal queue was sharded."));
        Directory.CreateSymbolicLink(_dir.File("corpus/linked"), _dir.File("elsewhere"));
        Directory.CreateSymbolicLink(_dir.File("corpus/linked-again"), _dir.File("elsewhere"));
        File.CreateSymbolicLink(_dir.File("corpus/dangling.md"), _dir.File("nowhere.md"));

        var read = new CorpusReader().Read([Corpus]);

        Assert.Equal(["alpha", "charlie"], read.Studies.Select(s => s.Id).Order());
        Assert.Empty(read.Rejected);
        Assert.Contains(read.SkippedLinks, s => s.Path.EndsWith("linked-again") && s.Reason.Contains("already read"));
        Assert.Contains(read.SkippedLinks, s => s.Path.EndsWith("dangling.md") && s.Reason.Contains("broken link"));
    }

    [Theory]
    [InlineData("title: [a, b\ncompany: X")]         // YamlDotNet: InvalidOperationException, not YamlException
    [InlineData("title: {a: [b\ncompany: X")]
    [InlineData("? [a\n: b")]
    [InlineData("title: \"unterminated\ncompany: X")]
    public async Task One_malformed_front_matter_rejects_that_file_only(string frontMatter)
    {
        Note("good.md", "alpha", "quokka");
        _dir.Write("corpus/bad.md", $"---\n{frontMatter}\n---\n\n## Problem\nThe wombat ledger was replicated.\n");
        using var sp = Pipeline.Build(IndexPath);

        var report = await Ingest(sp, Corpus);

        var index = sp.GetRequiredService<IStudyIndex>();
        Assert.Contains("alpha", (await index.ListStudiesAsync(SearchFilter.None)).Select(s => s.Id));
        // Either read leniently as a study or rejected with a reason naming the file; never an aborted ingest.
        Assert.True(report.Studies + report.Rejected.Count == 2, string.Join("; ", report.Rejected));
        Assert.All(report.Rejected, r => Assert.EndsWith("bad.md", r.Path));
    }

    [Fact]
    public async Task A_second_ingest_waits_for_the_first_and_diffs_against_its_result()
    {
        Note("a.md", "alpha", "quokka");
        _dir.Write("other/b.md", StudyFile.Simple("bravo", "Study bravo", "bravoco", "The wombat cache was warmed."));
        using var sp = Pipeline.Build(IndexPath);
        var index = sp.GetRequiredService<IStudyIndex>();

        var waited = false;
        var held = await index.LockForWriteAsync(wait: true, onWaiting: null);
        var second = Task.Run(() => sp.GetRequiredService<Ingestor>().IngestAsync([_dir.File("other")], false,
            new SyncProgress(p => waited |= p.Stage.StartsWith("Waiting"))));
        await Task.Delay(600);
        Assert.False(second.IsCompleted); // queued behind the lock
        Assert.True(waited);
        // The holder writes while the second waits; the second then sees that state, not the one before.
        held.Dispose();
        using (var first = Pipeline.Build(IndexPath)) await Ingest(first, Corpus);
        var report = await second;

        Assert.Equal((1, 1), (report.Added, report.Removed)); // bravo added, alpha (from the other folder) removed
        Assert.Equal(["bravo"], (await index.ListStudiesAsync(SearchFilter.None)).Select(s => s.Id));
    }

    [Fact]
    public async Task With_no_wait_a_held_lock_fails_at_once_and_changes_nothing()
    {
        Note("a.md", "alpha", "quokka");
        using var sp = Pipeline.Build(IndexPath);
        var index = sp.GetRequiredService<IStudyIndex>();
        using var held = await index.LockForWriteAsync(wait: true, onWaiting: null);

        var error = await Assert.ThrowsAsync<StoreException>(() => Ingest(sp, Corpus, wait: false));

        Assert.Contains("another ingest is writing", error.Message);
        Assert.False(File.Exists(IndexPath));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_index_path_that_is_someone_elses_file_is_never_written(bool rebuild)
    {
        Note("a.md", "alpha", "quokka");
        var notes = _dir.Write("idx/index.db", "my shopping list\n");
        using var sp = Pipeline.Build(IndexPath);

        var error = await Assert.ThrowsAsync<StoreException>(() => Ingest(sp, Corpus, rebuild));

        Assert.Contains("is not a csa index", error.Message);
        Assert.Equal("my shopping list\n", File.ReadAllText(notes));
        Assert.Empty(Directory.EnumerateFiles(_dir.File("idx"), "index.db.building-*"));
    }

    [Fact]
    public async Task A_sqlite_database_of_another_program_is_not_taken_over()
    {
        Note("a.md", "alpha", "quokka");
        Directory.CreateDirectory(_dir.File("idx"));
        using (var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={IndexPath};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "CREATE TABLE recipes (name TEXT); INSERT INTO recipes VALUES ('soup');";
            cmd.ExecuteNonQuery();
        }
        var before = Pipeline.FileHash(IndexPath);
        using var sp = Pipeline.Build(IndexPath);

        var error = await Assert.ThrowsAsync<StoreException>(() => Ingest(sp, Corpus, rebuild: true));

        Assert.Contains("SQLite database of something else", error.Message);
        Assert.Equal(before, Pipeline.FileHash(IndexPath));
    }

    [Fact]
    public async Task Files_left_by_a_killed_rebuild_are_removed_by_the_next_ingest()
    {
        Note("a.md", "alpha", "quokka");
        using var sp = Pipeline.Build(IndexPath);
        await Ingest(sp, Corpus);
        foreach (var leftover in new[] { "index.db.building-99999", "index.db.building-99999-journal", "index.db.building-4242-journal" })
            _dir.Write($"idx/{leftover}", "half-written");

        await Ingest(sp, Corpus); // incremental, nothing changed

        Assert.Empty(Directory.EnumerateFiles(_dir.File("idx"), "index.db.building-*"));
        Assert.Equal(["alpha"], (await sp.GetRequiredService<IStudyIndex>().ListStudiesAsync(SearchFilter.None)).Select(s => s.Id));
    }

    [Fact]
    public void Text_sharing_a_line_with_raw_html_is_kept_and_scripts_are_not()
    {
        var body = MarkdownBody.Parse("## Problem\n<script>alert('x')</script> Real text about zebra forecasting survives.\n\n<div>Inside a div, too.</div>\n");

        var text = Assert.Single(body.Sections).Text;

        Assert.Contains("Real text about zebra forecasting survives.", text);
        Assert.Contains("Inside a div, too.", text);
        Assert.DoesNotContain("alert", text);
    }

    private sealed class SyncProgress(Action<IngestProgress> report) : IProgress<IngestProgress>
    {
        public void Report(IngestProgress value) => report(value);
    }
}
