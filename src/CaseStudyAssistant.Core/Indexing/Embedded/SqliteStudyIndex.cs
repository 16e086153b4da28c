using System.Text.Json;
using CaseStudyAssistant.Corpus;
using CaseStudyAssistant.Retrieval;
using Microsoft.Data.Sqlite;

namespace CaseStudyAssistant.Indexing.Embedded;

/// <summary>
/// The embedded store: one SQLite file holding studies, chunks, dense vectors, sparse weights, content hashes and
/// the embedding model. Every ingest is one transaction (rollback journal), and a rebuild writes a new file that
/// replaces the old one by rename, so a failed or killed ingest leaves the previous index as it was.
/// Searches run in memory over a snapshot of one generation of the file; when another process writes a new
/// generation, the next read loads it and swaps it in whole.
/// </summary>
public sealed class SqliteStudyIndex : IStudyIndex
{
    public const int SchemaVersion = 2;
    private readonly string _path;
    private volatile Snapshot? _current;
    private readonly Lock _loading = new();
    private readonly AsyncLocal<Snapshot?> _pinned = new();

    /// <summary>One generation of the index, loaded whole.</summary>
    /// <param name="Version">Generation and write time together: a deleted and recreated index restarts its count.</param>
    private sealed record Snapshot(FileStamp Stamp, string Generation, string Version, InMemoryHybridSearch Search, Dictionary<string, StudyRecord> Studies);

    /// <summary>What tells a new generation apart without opening the file: its identity, size and write time.</summary>
    private readonly record struct FileStamp(bool Exists, long Length, DateTime WrittenUtc);

    public SqliteStudyIndex(string path) => _path = Path.GetFullPath(path);

    public string Location => _path;

    public async Task<IDisposable> LockForWriteAsync(bool wait, Action? onWaiting, CancellationToken ct = default)
    {
        CheckOwnership(_path);
        var held = await WriteLock.AcquireAsync(_path + ".lock", _path, wait, onWaiting, ct);
        // Under the lock no other build is running, so any build file left here belongs to a killed rebuild.
        foreach (var stale in Directory.EnumerateFiles(Path.GetDirectoryName(_path)!, Path.GetFileName(_path) + ".building-*"))
            if (!stale.EndsWith("-journal", StringComparison.Ordinal)) DeleteFileSet(stale);
            else if (!File.Exists(stale[..^"-journal".Length])) File.Delete(stale);
        return held;
    }

    public Task<IndexReadScope> BeginReadAsync(CancellationToken ct = default)
    {
        var snapshot = Current();
        _pinned.Value = snapshot;
        return Task.FromResult(new IndexReadScope(snapshot.Generation, () => _pinned.Value = null));
    }

    /// <summary>
    /// Refuses to touch a file that is not an index of ours: csa never overwrites or adds tables to someone else's file.
    /// An empty file, or a SQLite file with no tables (a first ingest killed early), is treated as a new index.
    /// </summary>
    private static void CheckOwnership(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists || info.Length == 0) return;
        var header = new byte[16];
        using (var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
            if (f.Read(header, 0, 16) < 16 || System.Text.Encoding.ASCII.GetString(header) != "SQLite format 3\0")
                throw NotOurs(path, "it is not a SQLite database");
        var cs = new SqliteConnectionStringBuilder { DataSource = path, Pooling = false, Mode = SqliteOpenMode.ReadOnly }.ToString();
        using var c = new SqliteConnection(cs);
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT COUNT(*), COALESCE(SUM(name = 'meta'), 0) FROM sqlite_master WHERE type = 'table'";
        using var r = cmd.ExecuteReader();
        r.Read();
        if (r.GetInt64(0) > 0 && r.GetInt64(1) == 0) throw NotOurs(path, "it is a SQLite database of something else");
    }

    private static StoreException NotOurs(string path, string why) =>
        new($"{path} is not a csa index ({why}); it was left untouched",
            "point --index (Index:Path) at a new file or an existing csa index; csa never replaces other files");

    private static SqliteConnection Open(string path, bool create)
    {
        CheckOwnership(path);
        if (create) Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        // No pooling: a rebuild replaces the file, and a pooled connection would keep reading the old one.
        var cs = new SqliteConnectionStringBuilder { DataSource = path, Pooling = false, Mode = create ? SqliteOpenMode.ReadWriteCreate : SqliteOpenMode.ReadWrite }.ToString();
        var connection = new SqliteConnection(cs);
        connection.Open();
        Exec(connection, "PRAGMA journal_mode=DELETE; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;");
        return connection;
    }

    private static void Exec(SqliteConnection c, string sql, SqliteTransaction? tx = null)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql; cmd.Transaction = tx;
        cmd.ExecuteNonQuery();
    }

    private static void EnsureSchema(SqliteConnection c)
    {
        Exec(c, """
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS studies (
                id TEXT PRIMARY KEY, title TEXT NOT NULL, company TEXT NOT NULL, industry TEXT, category TEXT, year INTEGER,
                tags TEXT NOT NULL, source_url TEXT, source_path TEXT NOT NULL, content_hash TEXT NOT NULL, sections TEXT NOT NULL, sparse BLOB NOT NULL);
            CREATE TABLE IF NOT EXISTS chunks (
                id TEXT PRIMARY KEY, study_id TEXT NOT NULL REFERENCES studies(id) ON DELETE CASCADE, ordinal INTEGER NOT NULL,
                heading TEXT NOT NULL, text TEXT NOT NULL, tokens INTEGER NOT NULL, dense BLOB NOT NULL, sparse BLOB NOT NULL);
            CREATE INDEX IF NOT EXISTS chunks_by_study ON chunks(study_id);
            """);
        var version = ReadMeta(c, "schema_version");
        if (version is null) WriteMeta(c, null, "schema_version", SchemaVersion.ToString());
        else if (version != SchemaVersion.ToString())
            throw new IndexMismatchException($"index format {version} is not this version's format {SchemaVersion}; re-ingest with --rebuild");
    }

    private static string? ReadMeta(SqliteConnection c, string key)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT value FROM meta WHERE key = $k";
        cmd.Parameters.AddWithValue("$k", key);
        return cmd.ExecuteScalar() as string;
    }

    private static void WriteMeta(SqliteConnection c, SqliteTransaction? tx, string key, string value)
    {
        using var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "INSERT INTO meta(key, value) VALUES ($k, $v) ON CONFLICT(key) DO UPDATE SET value = excluded.value";
        cmd.Parameters.AddWithValue("$k", key); cmd.Parameters.AddWithValue("$v", value);
        cmd.ExecuteNonQuery();
    }

    public Task<IndexState> GetStateAsync(CancellationToken ct = default)
    {
        if (!File.Exists(_path)) return Task.FromResult(IndexState.Empty);
        using var c = Open(_path, create: false);
        EnsureSchema(c);
        EmbeddingModelInfo? model = null;
        if (ReadMeta(c, "embedding_model") is { } name && int.TryParse(ReadMeta(c, "embedding_dimensions"), out var dims))
            model = new EmbeddingModelInfo(name, dims);
        var studies = new Dictionary<string, StoredStudy>(StringComparer.Ordinal);
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT id, content_hash, source_path FROM studies";
        using var r = cmd.ExecuteReader();
        while (r.Read()) studies[r.GetString(0)] = new StoredStudy(r.GetString(0), r.GetString(1), r.GetString(2));
        return Task.FromResult(new IndexState(model, ReadMeta(c, "pipeline_version"), studies));
    }

    public Task ApplyAsync(IndexChanges changes, EmbeddingModelInfo model, string pipelineVersion, IndexWriteMode mode, CancellationToken ct = default)
    {
        if (mode == IndexWriteMode.Rebuild) Rebuild(changes, model, pipelineVersion, ct);
        else Write(_path, changes, model, pipelineVersion, NextGeneration(), ct);
        lock (_loading) _current = null; // this instance's own writes are read back at once
        return Task.CompletedTask;
    }

    /// <summary>Generations count up across rebuilds too, so a reader can tell any two apart.</summary>
    private long NextGeneration()
    {
        if (!File.Exists(_path)) return 1;
        try
        {
            using var c = Open(_path, create: false);
            using var cmd = c.CreateCommand();
            cmd.CommandText = "SELECT value FROM meta WHERE key = 'generation'";
            return (long.TryParse(cmd.ExecuteScalar() as string, out var g) ? g : 0) + 1;
        }
        catch (SqliteException) { return 1; }
    }

    private void Rebuild(IndexChanges changes, EmbeddingModelInfo model, string pipelineVersion, CancellationToken ct)
    {
        CheckOwnership(_path);
        var temp = $"{_path}.building-{Environment.ProcessId}";
        DeleteFileSet(temp);
        try
        {
            Write(temp, changes with { Deletions = [] }, model, pipelineVersion, NextGeneration(), ct);
            // Opening the old file once lets SQLite roll back any interrupted transaction, so no stale journal
            // is left next to the path we are about to replace.
            if (File.Exists(_path))
            {
                try { using (Open(_path, create: false)) { } }
                catch (SqliteException) { DeleteFileSet(_path); } // not a usable database: nothing to keep
            }
            File.Move(temp, _path, overwrite: true);
        }
        finally { DeleteFileSet(temp); }
    }

    private static void DeleteFileSet(string path)
    {
        foreach (var p in new[] { path, path + "-journal" }) if (File.Exists(p)) File.Delete(p);
    }

    private static void Write(string path, IndexChanges changes, EmbeddingModelInfo model, string pipelineVersion, long generation, CancellationToken ct)
    {
        using var c = Open(path, create: true);
        EnsureSchema(c);
        using var tx = c.BeginTransaction();
        using var deleteStudy = Command(c, tx, "DELETE FROM studies WHERE id = $id", "$id");
        foreach (var id in changes.Deletions.Concat(changes.Upserts.Select(u => u.Study.Id)))
        {
            deleteStudy.Parameters[0].Value = id;
            deleteStudy.ExecuteNonQuery();
        }

        using var insertStudy = Command(c, tx,
            "INSERT INTO studies VALUES ($id,$title,$company,$industry,$category,$year,$tags,$url,$path,$hash,$sections,$sparse)",
            "$id", "$title", "$company", "$industry", "$category", "$year", "$tags", "$url", "$path", "$hash", "$sections", "$sparse");
        using var insertChunk = Command(c, tx,
            "INSERT INTO chunks VALUES ($id,$study,$ordinal,$heading,$text,$tokens,$dense,$sparse)",
            "$id", "$study", "$ordinal", "$heading", "$text", "$tokens", "$dense", "$sparse");
        foreach (var (study, chunks, studySparse) in changes.Upserts)
        {
            ct.ThrowIfCancellationRequested();
            object?[] values = [study.Id, study.Title, study.Company, study.Industry, study.Category, study.Year,
                JsonSerializer.Serialize(study.Tags), study.SourceUrl, study.SourcePath, study.ContentHash,
                JsonSerializer.Serialize(study.Sections), studySparse.ToBytes()];
            for (var i = 0; i < values.Length; i++) insertStudy.Parameters[i].Value = values[i] ?? DBNull.Value;
            insertStudy.ExecuteNonQuery();
            foreach (var ic in chunks)
            {
                if (ic.Dense.Length != model.Dimensions)
                    throw new IndexMismatchException($"embedding for chunk {ic.Chunk.Id} has {ic.Dense.Length} dimensions, the model declares {model.Dimensions}");
                object[] cv = [ic.Chunk.Id, ic.Chunk.StudyId, ic.Chunk.Ordinal, ic.Chunk.Heading, ic.Chunk.Text, ic.Chunk.TokenCount,
                    FloatsToBytes(ic.Dense), ic.Sparse.ToBytes()];
                for (var i = 0; i < cv.Length; i++) insertChunk.Parameters[i].Value = cv[i];
                insertChunk.ExecuteNonQuery();
            }
        }
        WriteMeta(c, tx, "embedding_model", model.Name);
        WriteMeta(c, tx, "embedding_dimensions", model.Dimensions.ToString());
        WriteMeta(c, tx, "pipeline_version", pipelineVersion);
        WriteMeta(c, tx, "updated_utc", DateTime.UtcNow.ToString("O"));
        WriteMeta(c, tx, "generation", generation.ToString());
        tx.Commit();
    }

    private static SqliteCommand Command(SqliteConnection c, SqliteTransaction tx, string sql, params string[] parameters)
    {
        var cmd = c.CreateCommand();
        cmd.Transaction = tx; cmd.CommandText = sql;
        foreach (var p in parameters) cmd.Parameters.Add(new SqliteParameter(p, null));
        return cmd;
    }

    private static byte[] FloatsToBytes(float[] v)
    {
        var bytes = new byte[v.Length * 4];
        Buffer.BlockCopy(v, 0, bytes, 0, bytes.Length);
        return bytes;
    }

    private static float[] BytesToFloats(byte[] b)
    {
        var v = new float[b.Length / 4];
        Buffer.BlockCopy(b, 0, v, 0, b.Length);
        return v;
    }

    private FileStamp Stamp()
    {
        var info = new FileInfo(_path);
        return info.Exists ? new FileStamp(true, info.Length, info.LastWriteTimeUtc) : default;
    }

    /// <summary>
    /// The generation pinned for this request, or the newest one. A new generation is loaded once, in the background,
    /// while requests go on being answered from the one before; only the very first load is waited for.
    /// </summary>
    private Snapshot Current()
    {
        if (_pinned.Value is { } pinned) return pinned;
        var stamp = Stamp();
        var known = _current;
        if (known is not null && known.Stamp == stamp) return known;
        if (known is null)
        {
            lock (_loading)
            {
                if (_current is { } first) return first;
                return _current = Load(Stamp());
            }
        }
        if (Interlocked.CompareExchange(ref _reloading, 1, 0) == 0)
        {
            _ = Task.Run(() =>
            {
                try { lock (_loading) { var now = Stamp(); if (_current?.Stamp != now) _current = Load(now); } }
                catch (Exception e) when (e is SqliteException or IOException or StoreException or IndexMismatchException) { } // keep serving the last good one; retried on the next read
                finally { Volatile.Write(ref _reloading, 0); }
            });
        }
        return known;
    }

    private int _reloading;

    private Snapshot Load(FileStamp stamp)
    {
        var studies = new Dictionary<string, StudyRecord>(StringComparer.Ordinal);
        var items = new List<(StudyRecord, ChunkRecord, float[], SparseVector)>();
        var studyVectors = new List<(StudyRecord, SparseVector)>();
        if (!stamp.Exists) return new Snapshot(stamp, "0", "", new InMemoryHybridSearch(items, studyVectors, 0), studies);
        using var c = Open(_path, create: false);
        EnsureSchema(c);
        // One read transaction: the studies, chunks and generation all come from the same committed state.
        Exec(c, "BEGIN DEFERRED");
        var dimensions = int.TryParse(ReadMeta(c, "embedding_dimensions"), out var d) ? d : 0;
        var generation = ReadMeta(c, "generation") ?? "1";
        var version = $"{generation}@{ReadMeta(c, "updated_utc")}";
        if (_current is { } same && same.Version == version)
        {
            Exec(c, "COMMIT");
            return same with { Stamp = stamp };
        } // touched but not rewritten
        using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = "SELECT s.id, s.title, s.company, s.industry, s.category, s.year, s.tags, s.source_url, s.source_path, s.content_hash, s.sections, (SELECT COUNT(*) FROM chunks ch WHERE ch.study_id = s.id), s.sparse FROM studies s ORDER BY s.id";
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                var record = studies[r.GetString(0)] = new StudyRecord
                {
                    Id = r.GetString(0), Title = r.GetString(1), Company = r.GetString(2),
                    Industry = r.IsDBNull(3) ? null : r.GetString(3), Category = r.IsDBNull(4) ? null : r.GetString(4),
                    Year = r.IsDBNull(5) ? null : r.GetInt32(5),
                    Tags = JsonSerializer.Deserialize<List<string>>(r.GetString(6)) ?? [],
                    SourceUrl = r.IsDBNull(7) ? null : r.GetString(7), SourcePath = r.GetString(8), ContentHash = r.GetString(9),
                    Sections = JsonSerializer.Deserialize<List<StudySection>>(r.GetString(10)) ?? [],
                    ChunkCount = r.GetInt32(11),
                    Terms = SparseVector.FromBytes((byte[])r[12]),
                };
                studyVectors.Add((record, record.Terms!));
            }
        }
        using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = "SELECT id, study_id, ordinal, heading, text, dense, sparse FROM chunks ORDER BY study_id, ordinal";
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                var chunk = new ChunkRecord(r.GetString(0), r.GetString(1), r.GetInt32(2), r.GetString(3), r.GetString(4));
                items.Add((studies[chunk.StudyId], chunk, BytesToFloats((byte[])r[5]), SparseVector.FromBytes((byte[])r[6])));
            }
        }
        Exec(c, "COMMIT");
        return new Snapshot(stamp, generation, version, new InMemoryHybridSearch(items, studyVectors, dimensions), studies);
    }

    public Task<StoreSearchResult> SearchAsync(HybridQuery query, CancellationToken ct = default) =>
        Task.FromResult(Current().Search.Search(query));

    public Task<TermStatistics> GetTermStatisticsAsync(IReadOnlyCollection<uint> termIds, CancellationToken ct = default) =>
        Task.FromResult(Current().Search.Statistics(termIds));

    public Task<IReadOnlyList<StudyRecord>> ListStudiesAsync(SearchFilter filter, CancellationToken ct = default)
    {
        IReadOnlyList<StudyRecord> list = Current().Studies.Values.Where(filter.Matches)
            .OrderBy(s => s.Company, StringComparer.OrdinalIgnoreCase).ThenByDescending(s => s.Year).ThenBy(s => s.Id, StringComparer.Ordinal).ToList();
        return Task.FromResult(list);
    }

    public Task<StudyRecord?> GetStudyAsync(string id, CancellationToken ct = default) =>
        Task.FromResult(Current().Studies.GetValueOrDefault(id));

    public void Dispose() { }
}
