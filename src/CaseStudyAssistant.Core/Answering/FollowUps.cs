using System.Text.RegularExpressions;
using CaseStudyAssistant.Chat;
using CaseStudyAssistant.Retrieval;
using Microsoft.Extensions.AI;

namespace CaseStudyAssistant.Answering;

/// <summary>Turns a follow-up ("what about their latency?") into a question retrieval can use on its own.</summary>
public interface IQuestionRewriter
{
    Task<string> RewriteAsync(IReadOnlyList<ChatMessage> history, string message, CancellationToken ct = default);
}

/// <summary>Suggests three follow-up questions after an answer.</summary>
public interface IFollowUpSuggester
{
    Task<IReadOnlyList<string>> SuggestAsync(Answer answer, CancellationToken ct = default);
}

/// <summary>
/// Without a model: a message that leans on the conversation (short, or with "it", "they", "what about" …) is
/// searched together with the previous standalone question.
/// </summary>
public sealed partial class OfflineQuestionRewriter : IQuestionRewriter
{
    [GeneratedRegex(@"^(and|also|what about|how about|why|what else|same|then)\b|\b(it|its|they|them|their|this|that|these|those|he|she|his|her|there)\b", RegexOptions.IgnoreCase)]
    private static partial Regex LeansOnContext();

    public Task<string> RewriteAsync(IReadOnlyList<ChatMessage> history, string message, CancellationToken ct = default)
    {
        var previous = ChatTurns.LastStandalone(history);
        if (previous is null) return Task.FromResult(message);
        var contentWords = TextAnalyzer.Instance.Analyze(message).Distinct().Count();
        return Task.FromResult(contentWords <= 3 || LeansOnContext().IsMatch(message.Trim()) ? $"{message.Trim()} (following up on: {previous})" : message);
    }
}

public sealed class LlmQuestionRewriter(IChatClient chat, PromptLibrary prompts, OfflineQuestionRewriter offline) : IQuestionRewriter
{
    public async Task<string> RewriteAsync(IReadOnlyList<ChatMessage> history, string message, CancellationToken ct = default)
    {
        if (!history.Any(m => m.Role == ChatRole.User)) return message;
        var transcript = string.Join("\n", history.TakeLast(6).Select(m => $"{m.Role.Value}: {Shorten(m.Role == ChatRole.User ? ChatTurns.Standalone(m) ?? m.Text : m.Text)}"));
        var prompt = await prompts.RenderAsync("rewrite-question", new Dictionary<string, string> { ["history"] = transcript, ["question"] = message });
        try
        {
            var response = await chat.GetResponseAsync([new ChatMessage(ChatRole.User, prompt)], new ChatOptions { Temperature = 0, MaxOutputTokens = 120 }, ct);
            var rewritten = response.Text.Trim().Trim('"').Split('\n')[0].Trim();
            return rewritten.Length is > 3 and < 500 ? rewritten : await offline.RewriteAsync(history, message, ct);
        }
        catch (LlmException e) when (e.Transient) { return await offline.RewriteAsync(history, message, ct); }
    }

    private static string Shorten(string s) => s.Length <= 400 ? s : s[..400] + "…";
}

/// <summary>Without a model: questions about the cited studies' results, trade-offs and each other.</summary>
public sealed class OfflineFollowUps : IFollowUpSuggester
{
    public Task<IReadOnlyList<string>> SuggestAsync(Answer answer, CancellationToken ct = default)
    {
        var studies = answer.Citations.Select(c => (c.Company, c.Title)).Concat(answer.Nearest.Select(n => (n.Company, n.Title))).Distinct().ToList();
        if (studies.Count == 0) return Task.FromResult<IReadOnlyList<string>>([]);
        var (company, title) = studies[0];
        var topic = Topic(title, company);
        var other = studies.Skip(1).FirstOrDefault(s => !s.Company.Equals(company, StringComparison.OrdinalIgnoreCase));
        var list = new List<string>
        {
            $"What results did {company} report for {topic}?",
            $"Which alternatives did {company} weigh for {topic}, and why?",
            other.Company is not null
                ? $"How does {company}'s approach compare with {other.Company}'s ({Topic(other.Title, other.Company)})?"
                : $"Which technologies does {company} use for {topic}?",
        };
        return Task.FromResult<IReadOnlyList<string>>(list);
    }

    /// <summary>"Grab's two-tier moderation pipeline - with LLM review" → "its two-tier moderation pipeline".</summary>
    private static string Topic(string title, string company)
    {
        var t = title.Split([" - ", " — ", ": "], 2, StringSplitOptions.None)[0].Trim();
        if (t.StartsWith(company + "'s ", StringComparison.OrdinalIgnoreCase)) t = "its " + t[(company.Length + 3)..];
        else if (t.StartsWith(company + " ", StringComparison.OrdinalIgnoreCase)) t = t[(company.Length + 1)..];
        if (t.Length > 0 && !t.StartsWith("its ")) t = "its " + char.ToLowerInvariant(t[0]) + t[1..];
        return t.Length > 80 ? t[..80].TrimEnd() + "…" : t;
    }
}

public sealed class LlmFollowUps(IChatClient chat, PromptLibrary prompts, OfflineFollowUps offline) : IFollowUpSuggester
{
    public async Task<IReadOnlyList<string>> SuggestAsync(Answer answer, CancellationToken ct = default)
    {
        // After a refusal the model is not consulted at all (weak evidence never reaches it).
        if (answer.Refused) return await offline.SuggestAsync(answer, ct);
        var studies = answer.Citations.Select(c => $"- {c.Title} ({c.Company}, {c.Year})").Distinct().ToList();
        if (studies.Count == 0) return [];
        var prompt = await prompts.RenderAsync("follow-ups", new Dictionary<string, string>
        {
            ["question"] = answer.Question, ["answer"] = answer.Text, ["studies"] = string.Join("\n", studies),
        });
        try
        {
            var response = await chat.GetResponseAsync([new ChatMessage(ChatRole.User, prompt)], new ChatOptions { Temperature = 0.3f, MaxOutputTokens = 200 }, ct);
            var lines = response.Text.Split('\n').Select(l => l.Trim().TrimStart('-', '*', '•', ' ').Trim())
                .Select(l => Regex.Replace(l, @"^\d+[.)]\s*", "")).Where(l => l.Length > 5).Take(3).ToList();
            return lines.Count == 3 ? lines : await offline.SuggestAsync(answer, ct);
        }
        // Suggestions are a nicety: whatever went wrong, the answer (already shown) stands, with offline suggestions.
        catch (LlmException) { return await offline.SuggestAsync(answer, ct); }
    }
}
