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

    public static CitationBody Citation(Citation c) => new(c.N, c.DocId, c.Title, c.Company, c.Year, c.Url, c.ChunkId, c.Heading, c.Page, c.Passage);

    public static NearestBody Nearest(NearestStudy s) => new(s.DocId, s.Title, s.Company, s.Year, s.Url);

    public static AnswerBody Answer(Answer a) => new(
        a.Question, a.Text, a.Refused, a.Mode, a.Model, Math.Round(a.Evidence, 4), Math.Round(a.Similarity, 4),
        a.Citations.Select(Citation).ToList(), a.Nearest.Select(Nearest).ToList(),
        a.Retrieved.Select(r => new RetrievedBody(r.DocId, r.ChunkId, r.Heading, Math.Round(r.Score, 6), r.SparseRank, r.DenseRank, r.StudyRank, r.MatchedTerms)).ToList(),
        a.RemovedCitations, a.UnsupportedSentences, a.CheckedSentences,
        a.ToolCalls.Select(t => new ToolCallBody(t.Function, t.Arguments, t.Outcome)).ToList(), a.FollowUps, a.Notice,
        a.Prompts.Select(p => new PromptBody(p.Name, p.Hash)).ToList(),
        a.Usage is { } u ? new UsageBody(u.InputTokens, u.OutputTokens) : null, a.TimingsMs);

    public static StudySummaryBody StudySummary(StudyRecord s) => new(s.Id, s.Title, s.Company, s.Industry, s.Category, s.Year, s.Tags, s.SourceUrl);

    public static StudyDetailBody StudyDetail(StudyRecord s) => new(s.Id, s.Title, s.Company, s.Industry, s.Category, s.Year, s.Tags, s.SourceUrl,
        SourceFile(s.SourcePath), s.ChunkCount, s.Sections.Select(x => new SectionBody(x.Heading, x.Page, x.Text)).ToList());

    /// <summary>"/home/me/corpus/ads/x.md" → "x.md"; a catalog row "…/catalog.csv:12" → "catalog.csv:12".</summary>
    public static string SourceFile(string sourcePath) => Path.GetFileName(sourcePath);
}
