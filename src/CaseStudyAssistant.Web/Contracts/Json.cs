using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using CaseStudyAssistant.Answering;
using CaseStudyAssistant.Indexing;

namespace CaseStudyAssistant.Web.Contracts;

/// <summary>The JSON shapes shared by <c>csa … --json</c> and the HTTP API, so both speak the same language.</summary>
public static class Json
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>One line per value: for Server-Sent Events, where a newline ends a data line.</summary>
    public static readonly JsonSerializerOptions Compact = new(Options) { WriteIndented = false };

    public static object Citation(Citation c) => new { n = c.N, docId = c.DocId, title = c.Title, company = c.Company, year = c.Year, url = c.Url, chunkId = c.ChunkId, heading = c.Heading, page = c.Page, passage = c.Passage };

    public static object Answer(Answer a) => new
    {
        question = a.Question,
        answer = a.Text,
        refused = a.Refused,
        mode = a.Mode,
        model = a.Model,
        evidence = Math.Round(a.Evidence, 4),
        similarity = Math.Round(a.Similarity, 4),
        citations = a.Citations.Select(Citation),
        nearest = a.Nearest.Select(s => new { docId = s.DocId, title = s.Title, company = s.Company, year = s.Year, url = s.Url }),
        retrieved = a.Retrieved.Select(r => new { docId = r.DocId, chunkId = r.ChunkId, heading = r.Heading, score = Math.Round(r.Score, 6), sparseRank = r.SparseRank, denseRank = r.DenseRank, studyRank = r.StudyRank, matchedTerms = r.MatchedTerms }),
        removedCitations = a.RemovedCitations,
        unsupportedSentences = a.UnsupportedSentences,
        checkedSentences = a.CheckedSentences,
        toolCalls = a.ToolCalls.Select(t => new { function = t.Function, arguments = t.Arguments, outcome = t.Outcome }),
        followUps = a.FollowUps,
        notice = a.Notice,
        prompts = a.Prompts.Select(p => new { name = p.Name, hash = p.Hash }),
        usage = a.Usage is { } u ? new { inputTokens = u.InputTokens, outputTokens = u.OutputTokens } : null,
        timingsMs = a.TimingsMs,
    };

    public static object StudySummary(StudyRecord s) => new
    {
        id = s.Id, title = s.Title, company = s.Company, industry = s.Industry, category = s.Category, year = s.Year, tags = s.Tags, url = s.SourceUrl,
    };

    public static object StudyDetail(StudyRecord s) => new
    {
        id = s.Id, title = s.Title, company = s.Company, industry = s.Industry, category = s.Category, year = s.Year, tags = s.Tags, url = s.SourceUrl,
        sourcePath = s.SourcePath, chunks = s.ChunkCount, sections = s.Sections.Select(x => new { heading = x.Heading, page = x.Page, text = x.Text }),
    };
}
