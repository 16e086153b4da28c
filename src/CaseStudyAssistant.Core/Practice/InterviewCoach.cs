using CaseStudyAssistant.Answering;
using Microsoft.Extensions.AI;

namespace CaseStudyAssistant.Practice;

/// <summary>
/// Feedback on a candidate's answer: which rubric points it covered and missed (always, offline), plus a short
/// commentary from the chat model when one is configured.
/// </summary>
public sealed class InterviewCoach(PromptLibrary prompts, IChatClient? chat = null, Embedding.Embedder? embedder = null)
{
    public const string PromptName = "practice-feedback";

    /// <summary>Rubric coverage alone (by words, and by meaning when an embedding model is there).</summary>
    public Task<CoverageFeedback> CoverageAsync(PracticeItem item, string answer, CancellationToken ct = default) =>
        RubricCoverage.AssessAsync(answer, item.StrongAnswerCovers, embedder, ct);

    public async Task<(CoverageFeedback Coverage, string? Commentary)> ReviewAsync(PracticeItem item, string question, string answer, CancellationToken ct = default)
    {
        var coverage = await RubricCoverage.AssessAsync(answer, item.StrongAnswerCovers, embedder, ct);
        if (chat is null || string.IsNullOrWhiteSpace(answer)) return (coverage, null);
        var prompt = await prompts.RenderAsync(PromptName, new Dictionary<string, string>
        {
            ["question"] = question,
            ["study"] = item.Citations.FirstOrDefault()?.Title ?? "",
            ["rubric"] = string.Join("\n", item.StrongAnswerCovers.Select(c => "- " + c)),
            ["answer"] = answer,
        });
        try
        {
            var response = await chat.GetResponseAsync([new ChatMessage(ChatRole.User, prompt)], new ChatOptions { Temperature = 0.2f, MaxOutputTokens = 300 }, ct);
            return (coverage, response.Text.Trim());
        }
        catch (LlmException e) when (e.Transient) { return (coverage, null); }
    }
}
