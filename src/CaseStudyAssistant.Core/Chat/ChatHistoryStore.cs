using System.Globalization;
using System.Text.Json;
using CaseStudyAssistant.Indexing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.AI;

namespace CaseStudyAssistant.Chat;

/// <summary>
/// Chat sessions in their own SQLite file (Chat:Path), one row per message, so <c>csa chat --session NAME</c> and
/// <c>POST /api/chat/{session}</c> resume them whichever store holds the index.
/// </summary>
/// <param name="indexPath">The embedded index file, where earlier versions kept the sessions: a new chat file takes them over.</param>
public sealed class ChatHistoryStore(string path, string indexPath)
{
    private const string Table = "messages";
    private const int SchemaVersion = 1;
    private const int BusySeconds = 30;
    private volatile bool _initialized;

    public string Location { get; } = Path.GetFullPath(path);

    public IReadOnlyList<ChatMessage> Load(string session) => Use(c =>
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = $"SELECT role, text, standalone, cited, at FROM {Table} WHERE session = $s ORDER BY seq";
        cmd.Parameters.AddWithValue("$s", session);
        using var r = cmd.ExecuteReader();
        var messages = new List<ChatMessage>();
        while (r.Read())
            messages.Add(ChatTurns.Create(new ChatRole(r.GetString(0)), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2),
                JsonSerializer.Deserialize<string[]>(r.GetString(3)) ?? [],
                DateTimeOffset.Parse(r.GetString(4), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal)));
        return messages;
    });

    /// <summary>Adds the messages after the session's last, all or none; appends from other processes wait their turn.</summary>
    public void Append(string session, params ChatMessage[] messages) => Use(c =>
    {
        using var tx = c.BeginTransaction(); // BEGIN IMMEDIATE: the next seq is read under the write lock
        using var next = Command(c, tx, $"SELECT COALESCE(MAX(seq), 0) FROM {Table} WHERE session = $s");
        next.Parameters.AddWithValue("$s", session);
        var seq = Convert.ToInt64(next.ExecuteScalar());
        foreach (var m in messages)
            Insert(c, tx, new StoredMessage(session, ++seq, m.Role.Value, m.Text, ChatTurns.Standalone(m),
                JsonSerializer.Serialize(ChatTurns.CitedIds(m)), (m.CreatedAt ?? DateTimeOffset.UtcNow).ToUniversalTime().ToString("O", CultureInfo.InvariantCulture)));
        tx.Commit();
        return 0;
    });

    public void Clear(string session) => Use(c =>
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = $"DELETE FROM {Table} WHERE session = $s";
        cmd.Parameters.AddWithValue("$s", session);
        return cmd.ExecuteNonQuery();
    });

    /// <summary>Takes over the sessions still kept in the index file, before a rebuild replaces that file.</summary>
    internal void AdoptSessionsOfIndexFile()
    {
        if (!_initialized && IndexFileSessions.Read(indexPath) is not { Count: 0 }) Use(_ => 0); // opening takes them over
    }

    private T Use<T>(Func<SqliteConnection, T> work)
    {
        try
        {
            using var c = Open();
            return work(c);
        }
        catch (SqliteException e)
        {
            throw new StoreException($"the chat history at {Location} cannot be used: {e.Message}",
                "check Chat:Path (CSA_CHAT__PATH), or move that file away to start without the saved sessions", e);
        }
    }

    private SqliteConnection Open()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Location)!);
        var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Location, Pooling = false, DefaultTimeout = BusySeconds }.ToString());
        try
        {
            c.Open();
            using (var busy = c.CreateCommand())
            {
                busy.CommandText = $"PRAGMA busy_timeout = {BusySeconds * 1000}";
                busy.ExecuteNonQuery();
            }
            if (!_initialized) Initialize(c);
            return c;
        }
        catch
        {
            c.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Creates the table in a new file and copies the index file's sessions into it, once: the schema version is
    /// set in the same transaction, so a second process opening the new file at the same time waits, then skips.
    /// </summary>
    private void Initialize(SqliteConnection c)
    {
        if (UserVersion(c, null) >= SchemaVersion) { _initialized = true; return; }
        using var tx = c.BeginTransaction();
        if (UserVersion(c, tx) >= SchemaVersion) { _initialized = true; return; }
        using (var create = Command(c, tx, $"CREATE TABLE IF NOT EXISTS {Table} (session TEXT NOT NULL, seq INTEGER NOT NULL, role TEXT NOT NULL, text TEXT NOT NULL, standalone TEXT, cited TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (session, seq))"))
            create.ExecuteNonQuery();
        using var count = Command(c, tx, $"SELECT COUNT(*) FROM {Table}");
        var empty = Convert.ToInt64(count.ExecuteScalar()) == 0;
        // Unreadable now (e.g. a crashed write left a journal only a writer can roll back): tried again on the next
        // open while this file is still empty.
        var legacy = empty ? IndexFileSessions.Read(indexPath) : [];
        foreach (var row in legacy ?? []) Insert(c, tx, row);
        if (legacy is not null)
            using (var version = Command(c, tx, $"PRAGMA user_version = {SchemaVersion}"))
                version.ExecuteNonQuery();
        tx.Commit();
        _initialized = legacy is not null;
    }

    private static long UserVersion(SqliteConnection c, SqliteTransaction? tx)
    {
        using var cmd = Command(c, tx, "PRAGMA user_version");
        return Convert.ToInt64(cmd.ExecuteScalar());
    }

    private static void Insert(SqliteConnection c, SqliteTransaction tx, StoredMessage row)
    {
        using var cmd = Command(c, tx, $"INSERT INTO {Table} (session, seq, role, text, standalone, cited, at) VALUES ($s, $q, $r, $t, $st, $c, $a)");
        cmd.Parameters.AddWithValue("$s", row.Session);
        cmd.Parameters.AddWithValue("$q", row.Seq);
        cmd.Parameters.AddWithValue("$r", row.Role);
        cmd.Parameters.AddWithValue("$t", row.Text);
        cmd.Parameters.AddWithValue("$st", (object?)row.Standalone ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$c", row.Cited);
        cmd.Parameters.AddWithValue("$a", row.At);
        cmd.ExecuteNonQuery();
    }

    private static SqliteCommand Command(SqliteConnection c, SqliteTransaction? tx, string sql)
    {
        var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = tx;
        return cmd;
    }
}
