using Microsoft.Extensions.AI;

namespace CaseStudyAssistant.Chat;

/// <summary>
/// A session's history is a list of <see cref="ChatMessage"/>s: the user's with the standalone question they were
/// rewritten to, the assistant's with the ids of the studies they cite, both with the time in <see cref="ChatMessage.CreatedAt"/>.
/// </summary>
public static class ChatTurns
{
    private const string StandaloneKey = "csa.standalone";
    private const string CitedIdsKey = "csa.cited_ids";

    public static ChatMessage User(string text, string standalone, DateTimeOffset at) => Create(ChatRole.User, text, standalone, [], at);

    public static ChatMessage Assistant(string text, IReadOnlyList<string> citedIds, DateTimeOffset at) => Create(ChatRole.Assistant, text, null, citedIds, at);

    internal static ChatMessage Create(ChatRole role, string text, string? standalone, IReadOnlyList<string> citedIds, DateTimeOffset at)
    {
        var message = new ChatMessage(role, text) { CreatedAt = at };
        if (standalone is not null || citedIds.Count > 0)
        {
            message.AdditionalProperties = [];
            if (standalone is not null) message.AdditionalProperties[StandaloneKey] = standalone;
            if (citedIds.Count > 0) message.AdditionalProperties[CitedIdsKey] = citedIds.ToArray();
        }
        return message;
    }

    /// <summary>The question a user's message was rewritten to for retrieval; null for other messages.</summary>
    public static string? Standalone(ChatMessage message) =>
        message.AdditionalProperties?.TryGetValue(StandaloneKey, out var value) == true ? value as string : null;

    /// <summary>The studies an assistant's message cites; empty for other messages.</summary>
    public static IReadOnlyList<string> CitedIds(ChatMessage message) =>
        message.AdditionalProperties?.TryGetValue(CitedIdsKey, out var value) == true && value is IReadOnlyList<string> ids ? ids : [];

    /// <summary>The standalone form of the latest question in <paramref name="history"/>, or null before the first.</summary>
    public static string? LastStandalone(IEnumerable<ChatMessage> history) =>
        history.LastOrDefault(m => m.Role == ChatRole.User) is { } last ? Standalone(last) : null;
}
