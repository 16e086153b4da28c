using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace CaseStudyAssistant.Answering;

/// <summary>One message of a chat session; the user's turns keep the standalone question they were rewritten to.</summary>
public sealed record ChatTurn(string Role, string Text, string? Standalone, IReadOnlyList<string> CitedIds, DateTime At)
{
    public const string User = "user", Assistant = "assistant";
}

/// <summary>
/// Chat sessions, kept in a table of the embedded index file so <c>csa chat --session NAME</c> can resume them
/// (a rebuild of the index carries the table over).
/// </summary>
public sealed class ChatHistoryStore(string path)
{
    public const string Table = "chat_turns";

    private SqliteConnection Open()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = $"PRAGMA journal_mode=DELETE; CREATE TABLE IF NOT EXISTS {Table} (session TEXT NOT NULL, seq INTEGER NOT NULL, role TEXT NOT NULL, text TEXT NOT NULL, standalone TEXT, cited TEXT NOT NULL, at TEXT NOT NULL)";
        cmd.ExecuteNonQuery();
        return c;
    }

    public IReadOnlyList<ChatTurn> Load(string session)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = $"SELECT role, text, standalone, cited, at FROM {Table} WHERE session = $s ORDER BY seq";
        cmd.Parameters.AddWithValue("$s", session);
        using var r = cmd.ExecuteReader();
        var turns = new List<ChatTurn>();
        while (r.Read())
            turns.Add(new ChatTurn(r.GetString(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2),
                JsonSerializer.Deserialize<List<string>>(r.GetString(3)) ?? [], DateTime.Parse(r.GetString(4), null, System.Globalization.DateTimeStyles.RoundtripKind)));
        return turns;
    }

    public void Append(string session, params ChatTurn[] turns)
    {
        using var c = Open();
        using var tx = c.BeginTransaction();
        using var next = c.CreateCommand();
        next.Transaction = tx;
        next.CommandText = $"SELECT COALESCE(MAX(seq), 0) FROM {Table} WHERE session = $s";
        next.Parameters.AddWithValue("$s", session);
        var seq = Convert.ToInt64(next.ExecuteScalar());
        foreach (var t in turns)
        {
            using var cmd = c.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = $"INSERT INTO {Table} VALUES ($s, $q, $r, $t, $st, $c, $a)";
            cmd.Parameters.AddWithValue("$s", session);
            cmd.Parameters.AddWithValue("$q", ++seq);
            cmd.Parameters.AddWithValue("$r", t.Role);
            cmd.Parameters.AddWithValue("$t", t.Text);
            cmd.Parameters.AddWithValue("$st", (object?)t.Standalone ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$c", JsonSerializer.Serialize(t.CitedIds));
            cmd.Parameters.AddWithValue("$a", t.At.ToString("O"));
            cmd.ExecuteNonQuery();
        }
        tx.Commit();
    }

    public void Clear(string session)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = $"DELETE FROM {Table} WHERE session = $s";
        cmd.Parameters.AddWithValue("$s", session);
        cmd.ExecuteNonQuery();
    }
}
