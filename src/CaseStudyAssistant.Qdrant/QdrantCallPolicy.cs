using System.Globalization;
using System.Net.Http;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Polly;
using Polly.Retry;

namespace CaseStudyAssistant.Qdrant;

/// <summary>
/// What happens around every unary gRPC call to Qdrant: a deadline per attempt; UNAVAILABLE, DEADLINE_EXCEEDED and
/// RESOURCE_EXHAUSTED retried with exponential backoff and jitter (honouring a <c>retry-after</c> trailer); every
/// other status answered at once; and whatever is left turned into one readable <see cref="QdrantException"/> with a
/// hint. The caller's cancellation stops the call and the waits between attempts.
/// </summary>
internal sealed class QdrantCallPolicy : Interceptor
{
    private static readonly TimeSpan MaxRetryAfter = TimeSpan.FromSeconds(30);
    private readonly string _url;
    private readonly TimeSpan _timeout;
    private readonly bool _hasApiKey;
    private readonly ResiliencePipeline _pipeline;

    public QdrantCallPolicy(string url, TimeSpan timeout, int maxRetries, bool hasApiKey)
    {
        _url = url;
        _timeout = timeout;
        _hasApiKey = hasApiKey;
        var builder = new ResiliencePipelineBuilder();
        // Polly needs at least one attempt in a retry strategy; MaxRetries = 0 means none at all.
        if (maxRetries > 0) builder.AddRetry(new RetryStrategyOptions
        {
            MaxRetryAttempts = maxRetries,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromMilliseconds(200),
            MaxDelay = TimeSpan.FromSeconds(10),
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is RpcException e && IsTransient(e.StatusCode)
                && !args.Context.CancellationToken.IsCancellationRequested),
            DelayGenerator = args => ValueTask.FromResult(args.Outcome.Exception is RpcException e ? RetryAfter(e) : null),
        });
        _pipeline = builder.Build();
    }

    public static bool IsTransient(StatusCode status) => status is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.ResourceExhausted;

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context,
        AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        var response = RunAsync(request, context, continuation);
        return new AsyncUnaryCall<TResponse>(response, Task.FromResult(new Metadata()), () => Status.DefaultSuccess, () => new Metadata(), () => { });
    }

    private async Task<TResponse> RunAsync<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context,
        AsyncUnaryCallContinuation<TRequest, TResponse> continuation) where TRequest : class where TResponse : class
    {
        var ct = context.Options.CancellationToken;
        var attempts = 0;
        try
        {
            return await _pipeline.ExecuteAsync(async token =>
            {
                attempts++;
                var options = context.Options.WithCancellationToken(token).WithDeadline(DateTime.UtcNow + _timeout);
                using var call = continuation(request, new ClientInterceptorContext<TRequest, TResponse>(context.Method, context.Host, options));
                return await call.ResponseAsync.ConfigureAwait(false);
            }, ct).ConfigureAwait(false);
        }
        catch (RpcException e) when (ct.IsCancellationRequested)
        {
            throw new OperationCanceledException("the Qdrant call was cancelled", e, ct);
        }
        catch (RpcException e)
        {
            throw Explain(e, $"{context.Method.ServiceName.Replace("qdrant.", "")}/{context.Method.Name}", attempts);
        }
    }

    /// <summary>The server's <c>retry-after</c> (seconds, or an HTTP date), capped; null for the usual backoff.</summary>
    private static TimeSpan? RetryAfter(RpcException e)
    {
        var value = e.Trailers.GetValue("retry-after")?.Trim();
        if (string.IsNullOrEmpty(value)) return null;
        TimeSpan? delay = double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) ? TimeSpan.FromSeconds(seconds)
            : DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date) ? date - DateTimeOffset.UtcNow : null;
        return delay is { } d && d > TimeSpan.Zero ? (d < MaxRetryAfter ? d : MaxRetryAfter) : null;
    }

    /// <summary>One line saying what failed and why, and a hint saying what to do.</summary>
    internal QdrantException Explain(RpcException e, string method, int attempts)
    {
        var code = Name(e.StatusCode);
        var detail = OneLine(e.Status.Detail);
        var tries = attempts > 1 ? $", {attempts} attempts" : "";
        var causes = Causes(e.Status.DebugException).ToList();
        const string urlHint = "Index:Qdrant:Url (--qdrant-url, QDRANT_URL) must be Qdrant's gRPC endpoint, e.g. http://localhost:6334";

        if (causes.OfType<AuthenticationException>().FirstOrDefault() is { } tls)
            return new QdrantException($"the TLS connection to Qdrant at {_url} failed: {OneLine(tls.Message)}", e.StatusCode,
                "use http:// for a server without TLS; for a self-signed certificate set Index:Qdrant:CertificateThumbprint", e);
        if (causes.OfType<SocketException>().FirstOrDefault() is { } socket)
            return new QdrantException($"cannot reach Qdrant at {_url}: {OneLine(socket.Message)}{(attempts > 1 ? $" ({attempts} attempts)" : "")}", e.StatusCode,
                "is Qdrant running? " + urlHint, e);
        if (e.StatusCode is StatusCode.Internal or StatusCode.Unavailable or StatusCode.Unknown && causes.OfType<HttpRequestException>().LastOrDefault() is { } http)
            return new QdrantException($"{_url} did not answer {method} like Qdrant's gRPC API: {OneLine(http.Message)}", e.StatusCode,
                urlHint + " (6333 is its REST port)", e);

        return e.StatusCode switch
        {
            StatusCode.DeadlineExceeded => new QdrantException(
                $"Qdrant at {_url} did not answer {method} in time ({_timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s per attempt{tries})",
                e.StatusCode, "raise Index:Qdrant:TimeoutSeconds or check the server's load", e),
            StatusCode.Unavailable or StatusCode.ResourceExhausted => new QdrantException(
                $"Qdrant at {_url} kept failing on {method} ({code}{tries}): {detail}", e.StatusCode,
                "the server is overloaded or a shard is down; try again later (Index:Qdrant:MaxRetries sets how often a call is retried)", e),
            StatusCode.Unauthenticated or StatusCode.PermissionDenied => new QdrantException(
                $"Qdrant at {_url} refused {method} ({code}): {detail}", e.StatusCode,
                _hasApiKey ? "the server did not accept the API key: check QDRANT_API_KEY (or CSA_INDEX__QDRANT__APIKEY)"
                    : "the server needs an API key: set QDRANT_API_KEY (or CSA_INDEX__QDRANT__APIKEY)", e),
            StatusCode.NotFound => new QdrantException(
                $"Qdrant at {_url} has no such collection or alias ({method}, {code}): {detail}", e.StatusCode,
                "ingest first (csa ingest --store qdrant), or check Index:Qdrant:Collection", e),
            StatusCode.InvalidArgument => new QdrantException(
                $"Qdrant rejected {method} as invalid ({code}): {detail}", e.StatusCode,
                "the server refused a request this client built; check that it is Qdrant 1.16 or newer, or re-ingest with --rebuild", e),
            StatusCode.Unimplemented => new QdrantException(
                $"Qdrant at {_url} does not implement {method} ({code}): {detail}", e.StatusCode,
                "this client needs Qdrant 1.16 or newer (docker-compose.yml pins qdrant/qdrant:v1.19.0)", e),
            _ => new QdrantException($"Qdrant at {_url} failed {method} ({code}): {detail}", e.StatusCode, null, e),
        };
    }

    private static IEnumerable<Exception> Causes(Exception? e)
    {
        for (; e is not null; e = e.InnerException) yield return e;
    }

    /// <summary>gRPC's own spelling of a status: DeadlineExceeded → DEADLINE_EXCEEDED.</summary>
    internal static string Name(StatusCode status)
    {
        var text = status.ToString();
        var name = new StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            if (i > 0 && char.IsUpper(text[i])) name.Append('_');
            name.Append(char.ToUpperInvariant(text[i]));
        }
        return name.ToString();
    }

    private static string OneLine(string? text)
    {
        var line = string.Join(" ", (text ?? "").Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim())).Trim();
        return line.Length == 0 ? "(no message)" : line.Length > 300 ? line[..300] + "…" : line;
    }
}
