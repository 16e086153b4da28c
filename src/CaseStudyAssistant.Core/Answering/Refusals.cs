using CaseStudyAssistant.Retrieval;

namespace CaseStudyAssistant.Answering;

/// <summary>The answer when the case studies do not cover a question: it says so and names the nearest studies.</summary>
internal static class Refusals
{
    public static Answer For(RetrievalResult retrieval)
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
        return new Answer
        {
            Question = retrieval.Question, Text = text, Refused = true, Mode = AnswerModes.Extractive,
            Nearest = nearest, Evidence = retrieval.Evidence.Best,
        };
    }
}
