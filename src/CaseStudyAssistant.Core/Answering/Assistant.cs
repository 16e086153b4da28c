using System.Diagnostics;
using CaseStudyAssistant.Retrieval;

namespace CaseStudyAssistant.Answering;

/// <summary>Question in, answer out: retrieval, the evidence check, then the configured answer generator.</summary>
public sealed class Assistant(Retriever retriever, IAnswerGenerator generator, AnsweringOptions options)
{
    public async Task<Answer> AskAsync(string question, SearchFilter? filter = null, int? top = null, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(question)) throw new ArgumentException("the question is empty");
        var total = Stopwatch.StartNew();
        var retrieval = await retriever.RetrieveAsync(question, filter, top, ct);
        return await AnswerAsync(retrieval, total, ct);
    }

    /// <summary>Answers from a retrieval already made (the evidence check and generation only).</summary>
    public async Task<Answer> AnswerAsync(RetrievalResult retrieval, Stopwatch? total = null, CancellationToken ct = default)
    {
        total ??= Stopwatch.StartNew();
        var answerClock = Stopwatch.StartNew();
        var answer = retrieval.Evidence.Best < options.MinEvidence || retrieval.Chunks.Count == 0
            ? Refusal(retrieval)
            : await generator.GenerateAsync(retrieval, ct);
        if (!answer.Refused && answer.Citations.Count == 0) answer = Refusal(retrieval);

        return answer with
        {
            Retrieved = retrieval.Chunks.Select(c => new RetrievedSource(c.Study.Id, c.Chunk.Id, c.Chunk.Heading, c.Hit.Score, c.Hit.SparseRank, c.Hit.DenseRank, c.StudyRank, c.MatchedTerms)).ToList(),
            Evidence = retrieval.Evidence.Best,
            TimingsMs = new Dictionary<string, double>
            {
                ["embed"] = Math.Round(retrieval.EmbedMs, 3),
                ["search"] = Math.Round(retrieval.SearchMs, 3),
                ["answer"] = Math.Round(answerClock.Elapsed.TotalMilliseconds, 3),
                ["total"] = Math.Round(total.Elapsed.TotalMilliseconds, 3),
            },
        };
    }

    private static Answer Refusal(RetrievalResult retrieval)
    {
        var nearest = retrieval.Chunks.Select(c => c.Study).DistinctBy(s => s.Id).Take(3)
            .Select(s => new NearestStudy(s.Id, s.Title, s.Company, s.Year, s.SourceUrl)).ToList();
        var missing = retrieval.Evidence.MissingNames.Count > 0
            ? $" None of the closest studies mention {string.Join(", ", retrieval.Evidence.MissingNames.Select(n => $"'{n}'"))}."
            : "";
        var text = nearest.Count == 0
            ? "The case studies in the index do not cover this question, and none came close."
            : $"The case studies in the index do not cover this question well enough to answer it.{missing} The nearest studies are:\n"
              + string.Join("\n", nearest.Select(s => $"- {s.Title} — {s.Company}{(s.Year is { } y ? $", {y}" : "")} ({s.DocId})"));
        return new Answer { Question = retrieval.Question, Text = text, Refused = true, Mode = AnswerModes.Extractive, Nearest = nearest, Evidence = retrieval.Evidence.Best };
    }
}
