using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace CaseStudyAssistant.Qdrant;

/// <summary>
/// Qdrant's REST API over HttpClient: JSON bodies built as nodes, the <c>{"result","status","time"}</c> envelope
/// unwrapped, timeouts, 429 and 5xx retried with exponential backoff and jitter (honouring Retry-After), and every
/// other failure turned into one readable <see cref="QdrantException"/>.
/// </summary>
public sealed class QdrantHttp : IDisposable
{
    private readonly HttpClient _http;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;
    private readonly string _baseUrl;

    public QdrantHttp(QdrantOptions options, HttpMessageHandler? handler = null)
    {
        if (!Uri.TryCreate(options.Url, UriKind.Absolute, out var baseUri) || baseUri.Scheme is not ("http" or "https"))
            throw new QdrantException($"the Qdrant URL '{options.Url}' is not an http(s) URL", hint: "set --qdrant-url http://host:6333 (or Index:Qdrant:Url)");
        _baseUrl = options.Url.TrimEnd('/');
        _http = handler is null ? new HttpClient() : new HttpClient(handler);
        _http.BaseAddress = new Uri(_baseUrl + "/");
        _http.Timeout = Timeout.InfiniteTimeSpan; // per attempt, below
        if (!string.IsNullOrEmpty(options.ApiKey)) _http.DefaultRequestHeaders.Add("api-key", options.ApiKey);

        var builder = new ResiliencePipelineBuilder<HttpResponseMessage>();
        // Polly needs at least one attempt in a retry strategy; MaxRetries = 0 means none at all.
        if (options.MaxRetries > 0) builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(200),
                MaxDelay = TimeSpan.FromSeconds(10),
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .Handle<HttpRequestException>()
                    .Handle<TimeoutRejectedException>()
                    .HandleResult(r => IsTransient(r.StatusCode)),
                DelayGenerator = args =>
                {
                    var retryAfter = args.Outcome.Result?.Headers.RetryAfter;
                    TimeSpan? delay = retryAfter?.Delta ?? (retryAfter?.Date is { } date ? date - DateTimeOffset.UtcNow : null);
                    return ValueTask.FromResult(delay is { } d && d > TimeSpan.Zero ? (TimeSpan?)TimeSpan.FromTicks(Math.Min(d.Ticks, TimeSpan.FromSeconds(30).Ticks)) : null);
                },
                OnRetry = args => { args.Outcome.Result?.Dispose(); return ValueTask.CompletedTask; },
            });
        _pipeline = builder.AddTimeout(TimeSpan.FromSeconds(options.TimeoutSeconds)).Build();
    }

    public string BaseUrl => _baseUrl;

    private static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout || (int)status >= 500;

    /// <summary>Sends a request and returns the envelope's <c>result</c> (or the whole body for endpoints without one).</summary>
    public async Task<JsonElement> SendAsync(HttpMethod method, string path, JsonNode? body = null, CancellationToken ct = default)
    {
        var json = body?.ToJsonString();
        HttpResponseMessage response;
        try
        {
            response = await _pipeline.ExecuteAsync(async token =>
            {
                using var request = new HttpRequestMessage(method, path);
                if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
                return await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, token);
            }, ct);
        }
        catch (HttpRequestException e)
        {
            throw new QdrantException($"cannot reach Qdrant at {_baseUrl}: {e.Message}", hint: "is Qdrant running? check --qdrant-url / Index:Qdrant:Url", inner: e);
        }
        catch (TimeoutRejectedException e)
        {
            throw new QdrantException($"Qdrant at {_baseUrl} did not answer {method} /{path} in time, after retries", hint: "raise Index:Qdrant:TimeoutSeconds or check the server's load", inner: e);
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(ct);
            if (response.IsSuccessStatusCode)
            {
                if (text.Length == 0) return default;
                JsonDocument doc;
                try { doc = JsonDocument.Parse(text); }
                catch (JsonException)
                {
                    throw new QdrantException($"{_baseUrl} answered {method} /{path.Split('?')[0]} with something that is not Qdrant's JSON",
                        hint: "check --qdrant-url: it should be Qdrant's REST endpoint, e.g. http://localhost:6333");
                }
                using (doc)
                    return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("result", out var result) ? result.Clone() : doc.RootElement.Clone();
            }
            throw Failure(method, path, response.StatusCode, text);
        }
    }

    private QdrantException Failure(HttpMethod method, string path, HttpStatusCode status, string body)
    {
        var message = ErrorMessage(body);
        var where = $"{method} /{path.Split('?')[0]}";
        return status switch
        {
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden =>
                new QdrantException($"Qdrant at {_baseUrl} refused the request ({(int)status}): {message}", status, "set the API key in QDRANT_API_KEY (or CSA_INDEX__QDRANT__APIKEY)"),
            _ when IsTransient(status) =>
                new QdrantException($"Qdrant at {_baseUrl} kept failing ({(int)status}) on {where}: {message}", status, "the server is overloaded or a shard is down; try again later"),
            _ => new QdrantException($"Qdrant rejected {where} ({(int)status}): {message}", status),
        };
    }

    /// <summary>The message of Qdrant's error envelope <c>{"status":{"error":"..."}}</c>, else the body's first line.</summary>
    public static string ErrorMessage(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.TryGetProperty("status", out var status) && status.ValueKind == JsonValueKind.Object
                && status.TryGetProperty("error", out var error) && error.GetString() is { } text)
                return text;
        }
        catch (JsonException) { }
        var line = body.Split('\n')[0].Trim();
        return line.Length == 0 ? "(no message)" : line.Length > 300 ? line[..300] + "…" : line;
    }

    public void Dispose() => _http.Dispose();
}
