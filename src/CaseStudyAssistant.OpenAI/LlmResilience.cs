using Microsoft.Extensions.Http.Resilience;
using Polly;
using Polly.Timeout;

namespace CaseStudyAssistant.OpenAI;

/// <summary>
/// The HTTP policy under every model call (Microsoft.Extensions.Http.Resilience over Polly): retries of timeouts,
/// 429 and 5xx with exponential backoff and jitter, waiting what Retry-After asks; a circuit breaker, so an endpoint
/// that keeps failing is not called again for a while and answers fall back at once; a timeout per attempt.
/// It sits below the OpenAI SDK, so a stream is retried only until its response starts, never after text arrived.
/// </summary>
internal static class LlmResilience
{
    /// <summary>The longest wait between attempts, whatever Retry-After asks.</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(20);

    public static ResiliencePipeline<HttpResponseMessage> Pipeline(LlmOptions options, TimeSpan? baseDelay = null)
    {
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage>();
        // Polly requires at least one attempt in a retry strategy; MaxRetries = 0 means no retry strategy at all.
        if (options.MaxRetries > 0)
        {
            var retry = new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxRetries,
                Delay = baseDelay ?? TimeSpan.FromMilliseconds(500),
                MaxDelay = MaxDelay,
                // An unreachable endpoint is reported at once (with a hint), not retried.
                ShouldHandle = args => ValueTask.FromResult(IsTransient(args.Outcome)),
            };
            var retryAfter = retry.DelayGenerator!;
            retry.DelayGenerator = async args => await retryAfter(args) is { } wait ? (wait > MaxDelay ? MaxDelay : wait) : null;
            builder.AddRetry(retry);
        }
        if (options.CircuitBreakerFailures > 0)
            builder.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
            {
                FailureRatio = 0.5,
                MinimumThroughput = options.CircuitBreakerFailures,
                SamplingDuration = TimeSpan.FromMinutes(1),
                BreakDuration = TimeSpan.FromSeconds(options.CircuitBreakSeconds),
                ShouldHandle = args => ValueTask.FromResult(IsTransient(args.Outcome)),
            });
        builder.AddTimeout(new HttpTimeoutStrategyOptions { Timeout = TimeSpan.FromSeconds(options.TimeoutSeconds) });
        return builder.Build();
    }

    /// <summary>
    /// The longest a call can take through <see cref="Pipeline"/>: every attempt timing out, with the longest waits
    /// between them. The SDK's own network timeout is set beyond it, so it never cuts a retry short.
    /// </summary>
    public static TimeSpan Budget(LlmOptions options) =>
        TimeSpan.FromSeconds(options.TimeoutSeconds) * (options.MaxRetries + 1) + MaxDelay * options.MaxRetries + TimeSpan.FromSeconds(10);

    public static bool IsTransient(int status) => status is 408 or 429 || status >= 500;

    private static bool IsTransient(Outcome<HttpResponseMessage> outcome) =>
        outcome.Exception is TimeoutRejectedException || outcome.Result is { } r && IsTransient((int)r.StatusCode);

    public static HttpClient HttpClient(LlmOptions options) =>
        new(new ResilienceHandler(Pipeline(options)) { InnerHandler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) } })
        {
            Timeout = System.Threading.Timeout.InfiniteTimeSpan, // the pipeline and the SDK bound every call
        };
}
