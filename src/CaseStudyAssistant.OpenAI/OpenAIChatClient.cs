using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using OpenAI.Chat;
using AIChatMessage = Microsoft.Extensions.AI.ChatMessage;
using AIChatRole = Microsoft.Extensions.AI.ChatRole;
using OpenAIChatMessage = OpenAI.Chat.ChatMessage;

namespace CaseStudyAssistant.OpenAI;

/// <summary>
/// <see cref="IChatClient"/> over the official OpenAI SDK's chat completions: works with OpenAI, Azure OpenAI (v1
/// endpoint), Ollama and any OpenAI-compatible server. Retries come from <see cref="LlmResilience"/>; a stream is
/// retried only until its first update arrives.
/// </summary>
public sealed class OpenAIChatClient(ChatClient client, string model, string provider, Uri endpoint, LlmResilience resilience) : IChatClient
{
    private readonly ChatClientMetadata _metadata = new(provider, endpoint, model);

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<AIChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var request = Convert(messages);
        var settings = Settings(options);
        var result = await resilience.ExecuteAsync(token => client.CompleteChatAsync(request, settings, token), cancellationToken);
        var completion = result.Value;
        var text = string.Concat(completion.Content.Where(c => c.Kind == ChatMessageContentPartKind.Text).Select(c => c.Text));
        return new ChatResponse(new AIChatMessage(AIChatRole.Assistant, text))
        {
            ModelId = completion.Model,
            Usage = completion.Usage is { } u ? new UsageDetails { InputTokenCount = u.InputTokenCount, OutputTokenCount = u.OutputTokenCount, TotalTokenCount = u.TotalTokenCount } : null,
        };
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<AIChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var request = Convert(messages);
        var settings = Settings(options);
        // Open the stream and read its first update under the retry policy; after that, text has reached the
        // caller and a failure can no longer be retried transparently.
        // The stream is bound to our own token source: the retry pipeline's per-attempt token cancels it only while
        // the first update is awaited, and the caller's token cancels it for as long as it runs.
        var (enumerator, first, streamCts) = await resilience.ExecuteAsync(async token =>
        {
            var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var e = client.CompleteChatStreamingAsync(request, settings, cts.Token).GetAsyncEnumerator(cts.Token);
            try
            {
                bool has;
                using (token.Register(cts.Cancel)) has = await e.MoveNextAsync();
                return (e, has ? e.Current : null, cts);
            }
            catch { await e.DisposeAsync(); cts.Dispose(); throw; }
        }, cancellationToken);

        using (streamCts)
        await using (enumerator)
        {
            var update = first;
            while (update is not null)
            {
                yield return ToUpdate(update);
                bool more;
                try { more = await enumerator.MoveNextAsync(); }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested) { throw resilience.Translate(e); }
                update = more ? enumerator.Current : null;
            }
        }
    }

    private static ChatResponseUpdate ToUpdate(StreamingChatCompletionUpdate update)
    {
        var contents = new List<AIContent>();
        foreach (var part in update.ContentUpdate)
            if (part.Kind == ChatMessageContentPartKind.Text && !string.IsNullOrEmpty(part.Text)) contents.Add(new TextContent(part.Text));
        if (update.Usage is { } u)
            contents.Add(new UsageContent(new UsageDetails { InputTokenCount = u.InputTokenCount, OutputTokenCount = u.OutputTokenCount, TotalTokenCount = u.TotalTokenCount }));
        return new ChatResponseUpdate(AIChatRole.Assistant, contents) { ModelId = update.Model };
    }

    private static ChatCompletionOptions Settings(ChatOptions? options)
    {
        var settings = new ChatCompletionOptions();
        if (options?.Temperature is { } t) settings.Temperature = t;
        if (options?.MaxOutputTokens is { } m) settings.MaxOutputTokenCount = m;
#pragma warning disable OPENAI001 // seed is marked experimental in the SDK
        if (options?.Seed is { } seed) settings.Seed = seed;
#pragma warning restore OPENAI001
        return settings;
    }

    private static List<OpenAIChatMessage> Convert(IEnumerable<AIChatMessage> messages) =>
        messages.Select(m => m.Role == AIChatRole.System ? (OpenAIChatMessage)new SystemChatMessage(m.Text)
            : m.Role == AIChatRole.Assistant ? new AssistantChatMessage(m.Text)
            : new UserChatMessage(m.Text)).ToList();

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(_metadata) ? _metadata :
        serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose() { }
}
