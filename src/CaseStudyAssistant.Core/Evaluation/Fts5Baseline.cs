using CaseStudyAssistant.Indexing;
using CaseStudyAssistant.Retrieval;
using Microsoft.Data.Sqlite;

namespace CaseStudyAssistant.Evaluation;

/// <summary>
/// The classic lexical baseline: SQLite FTS5 over whole studies (Porter stemmer), BM25 with title, company and
/// tags weighted above the body. Held in memory; built from the same studies the index holds.
/// </summary>
internal sealed class Fts5Baseline : IDisposable
{
    private readonly SqliteConnection _db;
    public const double TitleWeight = 10, CompanyWeight = 5, TagsWeight = 5, BodyWeight = 1;

    public Fts5Baseline(IEnumerable<StudyRecord> studies)
    {
        _db = new SqliteConnection("Data Source=:memory:");
        _db.Open();
        using (var create = _db.CreateCommand())
        {
            create.CommandText = "CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, title, company, tags, body, tokenize='porter unicode61')";
            create.ExecuteNonQuery();
        }
        using var tx = _db.BeginTransaction();
        using var insert = _db.CreateCommand();
        insert.Transaction = tx;
        insert.CommandText = "INSERT INTO docs VALUES ($id, $title, $company, $tags, $body)";
        foreach (var name in new[] { "$id", "$title", "$company", "$tags", "$body" }) insert.Parameters.Add(new SqliteParameter(name, ""));
        foreach (var s in studies)
        {
            insert.Parameters["$id"].Value = s.Id;
            insert.Parameters["$title"].Value = s.Title;
            insert.Parameters["$company"].Value = s.Company;
            insert.Parameters["$tags"].Value = string.Join(' ', s.Tags.Select(t => t.Replace('-', ' ')));
            insert.Parameters["$body"].Value = string.Join("\n", s.Sections.Select(x => x.Heading + "\n" + x.Text));
            insert.ExecuteNonQuery();
        }
        tx.Commit();
    }

    /// <summary>Study ids, best first. The question's words (stop words dropped) are OR-ed, each quoted.</summary>
    public IReadOnlyList<string> Search(string question, int limit)
    {
        var words = TextAnalyzer.Words(question)
            .Where(w => !TextAnalyzer.Instance.IsStopWord(w) && w.Any(char.IsLetterOrDigit))
            .Select(w => new string(w.Where(char.IsLetterOrDigit).ToArray()))
            .Where(w => w.Length > 0).Distinct().ToList();
        if (words.Count == 0) return [];
        using var cmd = _db.CreateCommand();
        cmd.CommandText = $"SELECT id FROM docs WHERE docs MATCH $q ORDER BY bm25(docs, 0, {TitleWeight}, {CompanyWeight}, {TagsWeight}, {BodyWeight}) LIMIT $k";
        cmd.Parameters.AddWithValue("$q", string.Join(" OR ", words.Select(w => $"\"{w}\"")));
        cmd.Parameters.AddWithValue("$k", limit);
        var ids = new List<string>();
        using var r = cmd.ExecuteReader();
        while (r.Read()) ids.Add(r.GetString(0));
        return ids;
    }

    public void Dispose() => _db.Dispose();
}
