using System.ClientModel;
using System.Net;
using System.Runtime.CompilerServices;
using CaseStudyAssistant.Answering;
using Microsoft.Extensions.AI;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace CaseStudyAssistant.OpenAI;

/// <summary>
/// Turns what the SDK and the resilience policy throw into one readable <see cref="LlmException"/>: what went wrong,
/// whether trying again later could help (then answers fall back to the extractive one), and what to do.
/// </summary>
internal sealed class LlmFailures(Uri endpoint, string model, LlmOptions options)
{
    public LlmException Translate(Exception e) => e switch
    {
        LlmException l => l,
        ClientResultException { Status: 401 or 403 } =>
            new LlmException($"the LLM endpoint {endpoint} rejected the API key ({Status(e)})", false, "set CSA_LLM_API_KEY (or OPENAI_API_KEY / AZURE_OPENAI_API_KEY) to a valid key", e),
        ClientResultException { Status: 404 } =>
            new LlmException($"model '{model}' was not found at {endpoint} ({Status(e)})", false, "check --chat-model / --embedding-model (Azure: the deployment name) and --llm-endpoint", e),
        ClientResultException c when LlmResilience.IsTransient(c.Status) =>
            new LlmException($"{endpoint} kept failing with {Status(e)} after retries", true, "try again later", e),
        ClientResultException { Status: 0, InnerException: HttpRequestException or System.Net.Sockets.SocketException } c =>
            new LlmException($"cannot reach the LLM endpoint {endpoint}: {c.InnerException!.Message}", false, "is the server running? check --llm-endpoint", e),
        ClientResultException c =>
            new LlmException($"the LLM endpoint {endpoint} refused the request ({Status(e)}): {FirstLine(c.Message)}", false, "check the model name and endpoint", e),
        HttpRequestException h =>
            new LlmException($"cannot reach the LLM endpoint {endpoint}: {h.Message}", false, "is the server running? check --llm-endpoint", e),
        BrokenCircuitException =>
            new LlmException($"{endpoint} failed repeatedly, so it is not called for {options.CircuitBreakSeconds:0.#} s", true, "try again later", e),
        TimeoutRejectedException or TaskCanceledException or OperationCanceledException =>
            new LlmException($"{endpoint} did not answer in time, after retries", true, "raise Llm:TimeoutSeconds", e),
        _ => new LlmException($"the model's reply could not be read: {FirstLine(e.Message)}", true, null, e),
    };

    /// <summary>Whether <paramref name="e"/> is ours to translate: anything but the caller's own cancellation.</summary>
    public static bool Translatable(Exception e, CancellationToken ct) => e is not OperationCanceledException || !ct.IsCancellationRequested;

    private static string Status(Exception e) => e is ClientResultException c && c.Status > 0
        ? $"HTTP {c.Status}{(Enum.IsDefined(typeof(HttpStatusCode), c.Status) ? " " + (HttpStatusCode)c.Status : "")}" : "no response";

    private static string FirstLine(string s) => s.Split('\n')[0].Trim();
}

/// <summary>Chat middleware: failures of the calls below it (requests, and streams while they run) become <see cref="LlmException"/>s.</summary>
internal sealed class LlmFailureChatClient(IChatClient inner, LlmFailures failures) : DelegatingChatClient(inner)
{
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        try { return await base.GetResponseAsync(messages, options, cancellationToken); }
        catch (Exception e) when (LlmFailures.Translatable(e, cancellationToken)) { throw failures.Translate(e); }
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var updates = base.GetStreamingResponseAsync(messages, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            try { if (!await updates.MoveNextAsync()) yield break; }
            catch (Exception e) when (LlmFailures.Translatable(e, cancellationToken)) { throw failures.Translate(e); }
            yield return updates.Current;
        }
    }
}

/// <summary>Embedding middleware: a failed request becomes an <see cref="LlmException"/>.</summary>
internal sealed class LlmFailureEmbeddingGenerator(IEmbeddingGenerator<string, Embedding<float>> inner, LlmFailures failures)
    : DelegatingEmbeddingGenerator<string, Embedding<float>>(inner)
{
    public override async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        try { return await base.GenerateAsync(values, options, cancellationToken); }
        catch (Exception e) when (LlmFailures.Translatable(e, cancellationToken)) { throw failures.Translate(e); }
    }
}
