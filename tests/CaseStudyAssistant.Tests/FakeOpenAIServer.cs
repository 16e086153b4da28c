using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CaseStudyAssistant.Tests;

/// <summary>A message of a chat request; an assistant message may carry tool calls, a tool message answers one (<see cref="ToolCallId"/>).</summary>
public sealed record RecordedMessage(string Role, string Content, string? ToolCallId = null, IReadOnlyList<FakeToolCall>? ToolCalls = null);

/// <summary>A function call the fake model makes (or made, as echoed back in a later request): arguments as raw JSON text.</summary>
public sealed record FakeToolCall(string Id, string Name, string Arguments);

/// <summary>One request the fake server received, as the test wants to look at it.</summary>
public sealed record RecordedRequest(
    int Seq, string Method, string Path, IReadOnlyDictionary<string, string> Headers, string RawBody, JsonNode? Body,
    string? Model, bool Stream, IReadOnlyList<RecordedMessage> Messages, IReadOnlyList<string> Input, DateTime At)
{
    public bool IsChat => Path.EndsWith("/chat/completions", StringComparison.Ordinal);
    public bool IsEmbeddings => Path.EndsWith("/embeddings", StringComparison.Ordinal);
    public string? System => Messages.FirstOrDefault(m => m.Role == "system")?.Content;
    public string? User => Messages.LastOrDefault(m => m.Role == "user")?.Content;
    public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;

    /// <summary>The names of the functions the request offers the model.</summary>
    public IReadOnlyList<string> Tools => Body?["tools"] is JsonArray tools
        ? tools.Select(t => t?["function"]?["name"]?.GetValue<string>() ?? "").ToList() : [];

    /// <summary>"auto", "none", "required", or null when the request does not say.</summary>
    public string? ToolChoice => Body?["tool_choice"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    /// <summary>The tool messages of the request: results of earlier calls, in order.</summary>
    public IReadOnlyList<RecordedMessage> ToolResults => Messages.Where(m => m.Role == "tool").ToList();

    /// <summary>A number or string field of the JSON body (e.g. "temperature", "max_completion_tokens").</summary>
    public JsonNode? Field(string name) => Body is JsonObject o && o.TryGetPropertyValue(name, out var v) ? v : null;

    /// <summary>The &lt;source ...&gt; blocks of the user prompt, in order: (opening tag, body).</summary>
    public IReadOnlyList<(string Tag, string Body)> Sources =>
        User is null ? [] : Regex.Matches(User, @"(<source [^>]*>)\n(.*?)\n</source>", RegexOptions.Singleline)
            .Select(m => (m.Groups[1].Value, m.Groups[2].Value)).ToList();
}

/// <summary>
/// What the fake server does with one request: a status code (with an OpenAI-style error body when not 2xx), an
/// optional Retry-After header, the reply text (sent as one JSON completion, or as stream chunks when the request
/// asked for a stream), an optional delay before anything is sent, or a stream that turns malformed.
/// </summary>
public sealed record FakeReply
{
    public int Status { get; init; } = 200;
    public string? RetryAfter { get; init; }
    /// <summary>The assistant's text (chat). Streamed as <see cref="Chunks"/> when set, else split into a few pieces.</summary>
    public string Content { get; init; } = "";
    public IReadOnlyList<string>? Chunks { get; init; }
    /// <summary>Error message (non-2xx) or a raw body that replaces the generated one.</summary>
    public string? ErrorMessage { get; init; }
    public string? RawBody { get; init; }
    public TimeSpan Delay { get; init; }
    /// <summary>Pause between stream chunks.</summary>
    public TimeSpan ChunkDelay { get; init; }
    /// <summary>Stream only: after this many content chunks a garbage <c>data:</c> line is sent (null = well-formed).</summary>
    public int? MalformedAfter { get; init; }
    public int PromptTokens { get; init; } = 123;
    public int CompletionTokens { get; init; } = 45;
    /// <summary>Embeddings: the size of the vectors returned (null = the request's "dimensions", else the server default).</summary>
    public int? EmbeddingSize { get; init; }
    /// <summary>Chat: function calls the model makes instead of (or besides) text; finish_reason becomes "tool_calls".</summary>
    public IReadOnlyList<FakeToolCall> ToolCalls { get; init; } = [];

    public static FakeReply Text(string content) => new() { Content = content };
    public static FakeReply Stream(params string[] chunks) => new() { Content = string.Concat(chunks), Chunks = chunks };
    public static FakeReply Error(int status, string? message = null, string? retryAfter = null) =>
        new() { Status = status, ErrorMessage = message ?? $"fake error {status}", RetryAfter = retryAfter };
    /// <summary>A stream whose <paramref name="goodChunks"/> arrive, then a line that is not JSON.</summary>
    public static FakeReply MalformedStream(params string[] goodChunks) =>
        new() { Content = string.Concat(goodChunks), Chunks = goodChunks, MalformedAfter = goodChunks.Length };
    public static FakeReply Embeddings(int size) => new() { EmbeddingSize = size };
    /// <summary>The model calls functions: (name, arguments as JSON) each, with generated call ids.</summary>
    public static FakeReply Calls(params (string Name, string Arguments)[] calls) =>
        new() { ToolCalls = calls.Select(c => new FakeToolCall($"call_{Guid.NewGuid():N}"[..16], c.Name, c.Arguments)).ToList() };

    public FakeReply After(TimeSpan delay) => this with { Delay = delay };
}

/// <summary>
/// An in-process OpenAI-protocol server (Kestrel on 127.0.0.1, a free port): POST /v1/chat/completions (JSON or
/// <c>text/event-stream</c> when the request says "stream": true) and POST /v1/embeddings. Every request is
/// recorded. Replies come from rules (first match wins), then from the queue; a chat request nobody scripted gets
/// HTTP 400 so a test fails loudly instead of silently falling back. Embedding requests without a scripted reply
/// get deterministic vectors.
/// </summary>
public sealed class FakeOpenAIServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Lock _gate = new();
    private readonly List<RecordedRequest> _requests = [];
    private readonly Queue<FakeReply> _chat = new();
    private readonly Queue<FakeReply> _embeddings = new();
    private readonly List<(Func<RecordedRequest, bool> Match, Func<RecordedRequest, FakeReply> Reply)> _rules = [];
    private int _seq;

    /// <summary>http://127.0.0.1:PORT</summary>
    public string Url { get; }
    /// <summary>The base URL clients are configured with: <see cref="Url"/> + "/v1".</summary>
    public string V1 => Url + "/v1";
    public int DefaultEmbeddingSize { get; set; } = 16;

    private FakeOpenAIServer(WebApplication app, string url) { _app = app; Url = url; }

    public static async Task<FakeOpenAIServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = "Production",
        });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        FakeOpenAIServer? server = null;
        app.MapPost("/v1/chat/completions", (HttpContext ctx) => server!.HandleAsync(ctx, chat: true));
        app.MapPost("/v1/embeddings", (HttpContext ctx) => server!.HandleAsync(ctx, chat: false));
        app.MapFallback(async (HttpContext ctx) =>
        {
            await server!.RecordAsync(ctx);
            ctx.Response.StatusCode = 404;
            await ctx.Response.WriteAsJsonAsync(ErrorBody($"fake server: no route {ctx.Request.Method} {ctx.Request.Path}", "not_found"));
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        server = new FakeOpenAIServer(app, address.TrimEnd('/'));
        return server;
    }

    // ---- scripting ----------------------------------------------------------------------------------------

    /// <summary>Chat replies, used in order by requests no rule answers.</summary>
    public FakeOpenAIServer Enqueue(params FakeReply[] replies)
    {
        lock (_gate) foreach (var r in replies) _chat.Enqueue(r);
        return this;
    }

    public FakeOpenAIServer EnqueueEmbeddings(params FakeReply[] replies)
    {
        lock (_gate) foreach (var r in replies) _embeddings.Enqueue(r);
        return this;
    }

    /// <summary>Every chat request matching <paramref name="match"/> is answered by <paramref name="reply"/>.</summary>
    public FakeOpenAIServer When(Func<RecordedRequest, bool> match, Func<RecordedRequest, FakeReply> reply)
    {
        lock (_gate) _rules.Add((match, reply));
        return this;
    }

    public FakeOpenAIServer When(Func<RecordedRequest, bool> match, FakeReply reply) => When(match, _ => reply);

    // ---- what was received -------------------------------------------------------------------------------

    public IReadOnlyList<RecordedRequest> Requests { get { lock (_gate) return _requests.ToList(); } }
    public IReadOnlyList<RecordedRequest> ChatRequests => Requests.Where(r => r.IsChat).ToList();
    public IReadOnlyList<RecordedRequest> EmbeddingRequests => Requests.Where(r => r.IsEmbeddings).ToList();
    public int PendingChatReplies { get { lock (_gate) return _chat.Count; } }

    // ---- the protocol --------------------------------------------------------------------------------------

    private async Task<RecordedRequest> RecordAsync(HttpContext ctx)
    {
        using var reader = new StreamReader(ctx.Request.Body, Encoding.UTF8);
        var raw = await reader.ReadToEndAsync();
        JsonNode? body = null;
        try { body = raw.Length > 0 ? JsonNode.Parse(raw) : null; } catch (JsonException) { }
        var messages = new List<RecordedMessage>();
        if (body?["messages"] is JsonArray array)
            foreach (var m in array.OfType<JsonObject>())
                messages.Add(new RecordedMessage(m["role"]?.GetValue<string>() ?? "", ContentText(m["content"]), m["tool_call_id"]?.GetValue<string>(),
                    m["tool_calls"] is JsonArray calls
                        ? calls.OfType<JsonObject>().Select(c => new FakeToolCall(c["id"]?.GetValue<string>() ?? "", c["function"]?["name"]?.GetValue<string>() ?? "", c["function"]?["arguments"]?.GetValue<string>() ?? "")).ToList()
                        : null));
        var input = body?["input"] switch
        {
            JsonArray a => a.Select(x => x?.GetValue<string>() ?? "").ToList(),
            JsonValue v when v.TryGetValue<string>(out var s) => [s],
            _ => new List<string>(),
        };
        var headers = ctx.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var stream = body?["stream"] is JsonValue sv && sv.TryGetValue<bool>(out var b) && b;
        lock (_gate)
        {
            var request = new RecordedRequest(++_seq, ctx.Request.Method, ctx.Request.Path.Value ?? "", headers, raw, body,
                body?["model"]?.GetValue<string>(), stream, messages, input, DateTime.UtcNow);
            _requests.Add(request);
            return request;
        }
    }

    private static string ContentText(JsonNode? content) => content switch
    {
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonArray parts => string.Concat(parts.OfType<JsonObject>().Select(p => p["text"]?.GetValue<string>() ?? "")),
        _ => "",
    };

    private FakeReply Next(RecordedRequest request, bool chat)
    {
        lock (_gate)
        {
            if (!chat) return _embeddings.Count > 0 ? _embeddings.Dequeue() : new FakeReply();
            foreach (var (match, reply) in _rules)
                if (match(request)) return reply(request);
            return _chat.Count > 0 ? _chat.Dequeue()
                : FakeReply.Error(400, $"fake server: no scripted reply for chat request #{request.Seq}");
        }
    }

    private async Task HandleAsync(HttpContext ctx, bool chat)
    {
        var request = await RecordAsync(ctx);
        var reply = Next(request, chat);
        var abort = ctx.RequestAborted;
        try
        {
            if (reply.Delay > TimeSpan.Zero) await Task.Delay(reply.Delay, abort);
            if (reply.RetryAfter is not null) ctx.Response.Headers["Retry-After"] = reply.RetryAfter;
            if (reply.Status is < 200 or > 299)
            {
                ctx.Response.StatusCode = reply.Status;
                ctx.Response.ContentType = "application/json";
                await ctx.Response.WriteAsync(reply.RawBody ?? ErrorBody(reply.ErrorMessage ?? "error", reply.Status switch
                {
                    401 => "invalid_api_key", 404 => "model_not_found", 429 => "rate_limit_exceeded", _ => "server_error",
                }).ToJsonString(), abort);
                return;
            }
            if (!chat) { await WriteEmbeddingsAsync(ctx, request, reply, abort); return; }
            if (request.Stream) { await WriteStreamAsync(ctx, request, reply, abort); return; }

            ctx.Response.ContentType = "application/json";
            await ctx.Response.WriteAsync(reply.RawBody ?? new JsonObject
            {
                ["id"] = $"chatcmpl-fake-{request.Seq}",
                ["object"] = "chat.completion",
                ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
                ["model"] = request.Model,
                ["choices"] = new JsonArray(new JsonObject
                {
                    ["index"] = 0,
                    ["message"] = Message(reply),
                    ["logprobs"] = null,
                    ["finish_reason"] = reply.ToolCalls.Count > 0 ? "tool_calls" : "stop",
                }),
                ["usage"] = Usage(reply),
            }.ToJsonString(), abort);
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested) { } // the client gave up (a timeout test)
    }

    private static JsonObject Message(FakeReply reply)
    {
        var message = new JsonObject { ["role"] = "assistant", ["content"] = reply.ToolCalls.Count > 0 && reply.Content.Length == 0 ? null : reply.Content, ["refusal"] = null };
        if (reply.ToolCalls.Count > 0) message["tool_calls"] = ToolCallsJson(reply.ToolCalls, streaming: false);
        return message;
    }

    private static JsonArray ToolCallsJson(IReadOnlyList<FakeToolCall> calls, bool streaming) => new(calls.Select((c, i) =>
    {
        var call = new JsonObject { ["id"] = c.Id, ["type"] = "function", ["function"] = new JsonObject { ["name"] = c.Name, ["arguments"] = c.Arguments } };
        if (streaming) call["index"] = i;
        return (JsonNode)call;
    }).ToArray());

    private static async Task WriteStreamAsync(HttpContext ctx, RecordedRequest request, FakeReply reply, CancellationToken abort)
    {
        ctx.Response.ContentType = "text/event-stream";
        ctx.Response.Headers.CacheControl = "no-cache";
        var id = $"chatcmpl-fake-{request.Seq}";
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        JsonObject Chunk(JsonObject? delta, string? finish, JsonNode? usage = null) => new()
        {
            ["id"] = id, ["object"] = "chat.completion.chunk", ["created"] = created, ["model"] = request.Model,
            ["choices"] = delta is null ? new JsonArray() : new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["logprobs"] = null, ["finish_reason"] = finish }),
            ["usage"] = usage,
        };
        async Task Send(string data)
        {
            await ctx.Response.WriteAsync($"data: {data}\n\n", abort);
            await ctx.Response.Body.FlushAsync(abort);
        }

        // Like OpenAI: a role chunk with empty content first, then the text, then finish_reason, then usage.
        await Send(Chunk(new JsonObject { ["role"] = "assistant", ["content"] = "" }, null).ToJsonString());
        var chunks = reply.Chunks ?? Split(reply.Content);
        for (var i = 0; i < chunks.Count; i++)
        {
            if (reply.MalformedAfter == i) break;
            if (reply.ChunkDelay > TimeSpan.Zero) await Task.Delay(reply.ChunkDelay, abort);
            await Send(Chunk(new JsonObject { ["content"] = chunks[i] }, null).ToJsonString());
        }
        if (reply.ToolCalls.Count > 0)
        {
            await Send(Chunk(new JsonObject { ["tool_calls"] = ToolCallsJson(reply.ToolCalls, streaming: true) }, null).ToJsonString());
            await Send(Chunk(new JsonObject(), "tool_calls").ToJsonString());
            await Send(Chunk(null, null, Usage(reply)).ToJsonString());
            await Send("[DONE]");
            return;
        }
        if (reply.MalformedAfter is not null)
        {
            await Send("{\"id\": \"broken\", \"choices\": [{\"delta\": {\"content\": \"unterminated");
            await Send("[DONE]");
            return;
        }
        await Send(Chunk(new JsonObject(), "stop").ToJsonString());
        await Send(Chunk(null, null, Usage(reply)).ToJsonString());
        await Send("[DONE]");
    }

    private async Task WriteEmbeddingsAsync(HttpContext ctx, RecordedRequest request, FakeReply reply, CancellationToken abort)
    {
        var size = reply.EmbeddingSize
            ?? (request.Body?["dimensions"] is JsonValue d && d.TryGetValue<int>(out var dims) ? dims : DefaultEmbeddingSize);
        var base64 = request.Body?["encoding_format"]?.GetValue<string>() == "base64";
        var data = new JsonArray();
        for (var i = 0; i < request.Input.Count; i++)
        {
            var vector = Vector(request.Input[i], size);
            JsonNode embedding = base64
                ? JsonValue.Create(Convert.ToBase64String(vector.SelectMany(BitConverter.GetBytes).ToArray()))
                : new JsonArray(vector.Select(f => (JsonNode)JsonValue.Create(f)).ToArray());
            data.Add(new JsonObject { ["object"] = "embedding", ["index"] = i, ["embedding"] = embedding });
        }
        ctx.Response.ContentType = "application/json";
        await ctx.Response.WriteAsync(new JsonObject
        {
            ["object"] = "list", ["data"] = data, ["model"] = request.Model,
            ["usage"] = new JsonObject { ["prompt_tokens"] = reply.PromptTokens, ["total_tokens"] = reply.PromptTokens },
        }.ToJsonString(), abort);
    }

    /// <summary>A unit vector derived from the text, so equal inputs get equal vectors.</summary>
    public static float[] Vector(string text, int size)
    {
        var seed = BitConverter.ToInt32(SHA256.HashData(Encoding.UTF8.GetBytes(text)), 0);
        var random = new Random(seed);
        var v = Enumerable.Range(0, size).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var norm = MathF.Sqrt(v.Sum(x => x * x));
        return v.Select(x => x / norm).ToArray();
    }

    private static JsonObject Usage(FakeReply r) => new()
    {
        ["prompt_tokens"] = r.PromptTokens, ["completion_tokens"] = r.CompletionTokens, ["total_tokens"] = r.PromptTokens + r.CompletionTokens,
    };

    private static JsonObject ErrorBody(string message, string code) => new()
    {
        ["error"] = new JsonObject { ["message"] = message, ["type"] = "invalid_request_error", ["param"] = null, ["code"] = code },
    };

    /// <summary>The text in about three pieces whose concatenation is the text.</summary>
    private static List<string> Split(string content)
    {
        if (content.Length < 12) return [content];
        var words = Regex.Split(content, @"(?<=\s)");
        var size = (int)Math.Ceiling(words.Length / 3.0);
        return words.Chunk(size).Select(c => string.Concat(c)).Where(s => s.Length > 0).ToList();
    }

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        try { await _app.StopAsync(stop.Token); } catch (OperationCanceledException) { }
        await _app.DisposeAsync();
    }
}
