using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;

namespace CaseStudyAssistant.Embedding;

/// <summary>
/// Vectors stored by (model, SHA-256 of the text) in a SQLite file shared by every index and process of the user,
/// so unchanged text is never embedded twice: not on a re-ingest, not on a rebuild, not in another index. The cache
/// is only an accelerator: if it cannot be read or written, embedding goes on without it.
/// </summary>
public sealed class EmbeddingCache
{
    private readonly string _path;
    private readonly Lock _gate = new();
    private bool _broken;
    // Recently used vectors, so a busy server answering questions about the same studies does not go to the file for
    // every sentence. Bounded: emptied when full (about 75 MB of 384-dimension vectors).
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, float[]> _memory = new(StringComparer.Ordinal);
    private const int MemoryEntries = 50_000;

    private static string MemoryKey(string model, string text) => model + "\n" + Convert.ToBase64String(Key(text));

    public EmbeddingCache(string path) => _path = Path.GetFullPath(path);

    public string Location => _path;

    /// <summary>The per-user default: the local application-data folder's <c>csa/embeddings.db</c>.</summary>
    public static string DefaultPath()
    {
        var root = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify);
        if (string.IsNullOrEmpty(root)) root = Path.Combine(Path.GetTempPath(), "csa-cache");
        return Path.Combine(root, "csa", "embeddings.db");
    }

    public static byte[] Key(string text) => SHA256.HashData(Encoding.UTF8.GetBytes(text));

    private SqliteConnection Open()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = _path, Mode = SqliteOpenMode.ReadWriteCreate, DefaultTimeout = 30 }.ToString());
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = """
            PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;
            CREATE TABLE IF NOT EXISTS vectors (model TEXT NOT NULL, hash BLOB NOT NULL, vector BLOB NOT NULL, PRIMARY KEY (model, hash)) WITHOUT ROWID;
            """;
        cmd.ExecuteNonQuery();
        return c;
    }

    /// <summary>The cached vector of each text, or null where there is none.</summary>
    public float[]?[] Get(string model, IReadOnlyList<string> texts, int dimensions)
    {
        var found = new float[]?[texts.Count];
        var missing = new List<int>();
        for (var i = 0; i < texts.Count; i++)
            if (_memory.TryGetValue(MemoryKey(model, texts[i]), out var v) && v.Length == dimensions) found[i] = v;
            else missing.Add(i);
        if (missing.Count == 0 || _broken || !File.Exists(_path)) return found;
        try
        {
            lock (_gate)
            {
                using var c = Open();
                using var cmd = c.CreateCommand();
                cmd.CommandText = "SELECT vector FROM vectors WHERE model = $m AND hash = $h";
                var m = cmd.Parameters.AddWithValue("$m", model);
                var h = cmd.Parameters.Add("$h", SqliteType.Blob);
                foreach (var i in missing)
                {
                    h.Value = Key(texts[i]);
                    if (cmd.ExecuteScalar() is byte[] bytes && bytes.Length == dimensions * sizeof(float))
                    {
                        var v = new float[dimensions];
                        Buffer.BlockCopy(bytes, 0, v, 0, bytes.Length);
                        found[i] = v;
                        Remember(model, texts[i], v);
                    }
                }
            }
        }
        catch (SqliteException) { _broken = true; }
        return found;
    }

    private void Remember(string model, string text, float[] vector)
    {
        if (_memory.Count >= MemoryEntries) _memory.Clear();
        _memory[MemoryKey(model, text)] = vector;
    }

    public void Put(string model, IReadOnlyList<(string Text, float[] Vector)> items)
    {
        foreach (var (text, vector) in items) Remember(model, text, vector);
        if (items.Count == 0 || _broken) return;
        try
        {
            lock (_gate)
            {
                using var c = Open();
                using var tx = c.BeginTransaction();
                using var cmd = c.CreateCommand();
                cmd.Transaction = tx;
                cmd.CommandText = "INSERT OR REPLACE INTO vectors(model, hash, vector) VALUES ($m, $h, $v)";
                cmd.Parameters.AddWithValue("$m", model);
                var h = cmd.Parameters.Add("$h", SqliteType.Blob);
                var v = cmd.Parameters.Add("$v", SqliteType.Blob);
                foreach (var (text, vector) in items)
                {
                    var bytes = new byte[vector.Length * sizeof(float)];
                    Buffer.BlockCopy(vector, 0, bytes, 0, bytes.Length);
                    h.Value = Key(text); v.Value = bytes;
                    cmd.ExecuteNonQuery();
                }
                tx.Commit();
            }
        }
        catch (SqliteException) { _broken = true; }
    }
}
