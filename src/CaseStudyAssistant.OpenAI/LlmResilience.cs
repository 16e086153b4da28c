using System.ClientModel;
using System.Net;
using CaseStudyAssistant.Answering;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace CaseStudyAssistant.OpenAI;

/// <summary>
/// Retries for model calls: timeouts, 429 and 5xx, with exponential backoff and jitter, honouring Retry-After.
/// What remains after the retries is turned into an <see cref="LlmException"/> that says whether it was transient.
/// </summary>
public sealed class LlmResilience
{
    private readonly ResiliencePipeline _pipeline;
    private readonly string _endpoint;
    private readonly string _model;

    public LlmResilience(LlmOptions options, string endpoint, string model, TimeSpan? baseDelay = null)
    {
        _endpoint = endpoint;
        _model = model;
        var builder = new ResiliencePipelineBuilder();
        // Polly requires at least one attempt in a retry strategy; MaxRetries = 0 means no retry strategy at all.
        if (options.MaxRetries > 0) builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = baseDelay ?? TimeSpan.FromMilliseconds(500),
                MaxDelay = TimeSpan.FromSeconds(20),
                ShouldHandle = new PredicateBuilder().Handle<TimeoutRejectedException>().Handle<ClientResultException>(e => IsTransient(e.Status)),
                DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome.Exception)),
            });
        _pipeline = builder.AddTimeout(TimeSpan.FromSeconds(options.TimeoutSeconds)).Build();
    }

    public static bool IsTransient(int status) => status is 408 or 429 || status >= 500;

    private static TimeSpan? RetryAfter(Exception? e)
    {
        if (e is not ClientResultException cre || cre.GetRawResponse() is not { } response) return null;
        if (!response.Headers.TryGetValue("Retry-After", out var value) || value is null) return null;
        if (double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds))
            return TimeSpan.FromSeconds(Math.Clamp(seconds, 0, 30));
        return DateTimeOffset.TryParse(value, out var date) && date > DateTimeOffset.UtcNow ? date - DateTimeOffset.UtcNow : null;
    }

    public async Task<T> ExecuteAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken ct)
    {
        try { return await _pipeline.ExecuteAsync(async token => await call(token), ct); }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested) { throw Translate(e); }
    }

    /// <summary>One readable failure: what went wrong, whether retrying later could help, and what to do.</summary>
    public LlmException Translate(Exception e) => e switch
    {
        LlmException l => l,
        ClientResultException { Status: 401 or 403 } =>
            new LlmException($"the LLM endpoint {_endpoint} rejected the API key ({Status(e)})", false, "set CSA_LLM_API_KEY (or OPENAI_API_KEY / AZURE_OPENAI_API_KEY) to a valid key", e),
        ClientResultException { Status: 404 } =>
            new LlmException($"model '{_model}' was not found at {_endpoint} ({Status(e)})", false, "check --chat-model / --embedding-model (Azure: the deployment name) and --llm-endpoint", e),
        ClientResultException c when IsTransient(c.Status) =>
            new LlmException($"{_endpoint} kept failing with {Status(e)} after retries", true, "try again later", e),
        ClientResultException { Status: 0 } c when c.InnerException is HttpRequestException or System.Net.Sockets.SocketException =>
            new LlmException($"cannot reach the LLM endpoint {_endpoint}: {c.InnerException!.Message}", false, "is the server running? check --llm-endpoint", e),
        ClientResultException c =>
            new LlmException($"the LLM endpoint {_endpoint} refused the request ({Status(e)}): {FirstLine(c.Message)}", false, "check the model name and endpoint", e),
        HttpRequestException h =>
            new LlmException($"cannot reach the LLM endpoint {_endpoint}: {h.Message}", false, "is the server running? check --llm-endpoint", e),
        TimeoutRejectedException or TaskCanceledException or OperationCanceledException =>
            new LlmException($"{_endpoint} did not answer in time, after retries", true, "raise Llm:TimeoutSeconds", e),
        _ => new LlmException($"the model's reply could not be read: {FirstLine(e.Message)}", true, null, e),
    };

    private static string Status(Exception e) => e is ClientResultException c && c.Status > 0 ? $"HTTP {c.Status}{(Enum.IsDefined(typeof(HttpStatusCode), c.Status) ? " " + (HttpStatusCode)c.Status : "")}" : "no response";

    private static string FirstLine(string s) => s.Split('\n')[0].Trim();
}
