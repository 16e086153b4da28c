using Microsoft.Data.Sqlite;

namespace CaseStudyAssistant.Chat;

/// <summary>
/// Sessions that earlier versions kept in a <c>chat_turns</c> table of the embedded index file, read without
/// writing to that file, so the chat store can take them over.
/// </summary>
internal static class IndexFileSessions
{
    public const string Table = "chat_turns";

    /// <summary>
    /// The rows, numbered 1, 2, … within each session in their order; empty when there is no such table, null when the
    /// file holds one but cannot be read now.
    /// </summary>
    public static IReadOnlyList<StoredMessage>? Read(string indexPath)
    {
        if (!File.Exists(indexPath)) return [];
        try
        {
            var cs = new SqliteConnectionStringBuilder { DataSource = indexPath, Mode = SqliteOpenMode.ReadOnly, Pooling = false, DefaultTimeout = 10 }.ToString();
            using var c = new SqliteConnection(cs);
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = $"SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '{Table}'";
            if (Convert.ToInt64(cmd.ExecuteScalar()) == 0) return [];
            cmd.CommandText = $"SELECT session, role, text, standalone, cited, at FROM {Table} ORDER BY session, seq, rowid";
            using var r = cmd.ExecuteReader();
            var rows = new List<StoredMessage>();
            long seq = 0;
            while (r.Read())
            {
                var session = r.GetString(0);
                seq = rows.Count > 0 && rows[^1].Session == session ? seq + 1 : 1;
                rows.Add(new StoredMessage(session, seq, r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3), r.GetString(4), r.GetString(5)));
            }
            return rows;
        }
        catch (SqliteException e) when (e.SqliteErrorCode == SQLitePCL.raw.SQLITE_NOTADB) { return []; }
        catch (SqliteException) { return null; }
    }
}
