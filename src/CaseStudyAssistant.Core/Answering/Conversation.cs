using CaseStudyAssistant.Indexing;
using CaseStudyAssistant.Chat;
using CaseStudyAssistant.Retrieval;
using Microsoft.Extensions.AI;

namespace CaseStudyAssistant.Answering;

/// <summary>
/// A chat session: follow-ups are rewritten into standalone questions for retrieval, filters persist between turns,
/// every answer comes with three follow-up suggestions, and the turns are saved so the session can be resumed.
/// </summary>
public sealed class Conversation(Assistant assistant, IQuestionRewriter rewriter, IFollowUpSuggester followUps, ChatHistoryStore store, string session)
{
    private List<ChatMessage> _history = store.Load(session).ToList();

    public string Session => session;
    public SearchFilter Filter { get; set; } = SearchFilter.None;
    public IReadOnlyList<ChatMessage> History => _history;
    public Answer? Last { get; private set; }

    /// <summary>How each question is answered (research mode, keeping unsupported sentences).</summary>
    public AskOptions Options { get; set; } = AskOptions.Default;

    public async Task<Answer> AskAsync(string message, AnswerStream? stream = null, CancellationToken ct = default)
    {
        var standalone = await rewriter.RewriteAsync(_history, message, ct);
        var answer = await assistant.AskAsync(standalone, Filter, null, ct, stream, Options);
        answer = answer with { FollowUps = await followUps.SuggestAsync(answer, ct) };
        var now = DateTimeOffset.UtcNow;
        var turns = new[]
        {
            ChatTurns.User(message, standalone, now),
            ChatTurns.Assistant(answer.Text, answer.Citations.Select(c => c.DocId).ToList(), now),
        };
        store.Append(session, turns);
        _history.AddRange(turns);
        Last = answer;
        return answer;
    }

    public void Reset()
    {
        store.Clear(session);
        _history = [];
        Last = null;
        Filter = SearchFilter.None;
    }
}
