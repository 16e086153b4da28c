using System.Text.Json;
using System.Threading.Channels;
using System.Threading.RateLimiting;
using CaseStudyAssistant.Answering;
using CaseStudyAssistant.Indexing;
using CaseStudyAssistant.Practice;
using CaseStudyAssistant.Retrieval;
using CaseStudyAssistant.Web.Contracts;
using CaseStudyAssistant.Web.Hosting;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.FileProviders;

namespace CaseStudyAssistant.Web;

/// <summary>The HTTP API and the chat page: minimal APIs over the same pipeline as the CLI.</summary>
public static class WebApp
{
    public static WebApplication Build(string[] args, IDictionary<string, string?>? overrides = null, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.Sources.Clear();
        AppServices.AddSources(builder.Configuration, overrides ?? new Dictionary<string, string?>());
        builder.Configuration.AddCommandLine(args);

        var web = new WebOptions();
        builder.Configuration.GetSection("Web").Bind(web);
        web.ApiKey = Environment.GetEnvironmentVariable("CSA_API_KEY") is { Length: > 0 } key ? key : null;
        builder.Services.AddSingleton(web);
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = web.MaxBodyBytes);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);

        builder.Services.AddOpenApi();
        // Bad request bodies (malformed JSON, wrong types, too large) raise an exception our handler turns into a
        // JSON error, in every environment (by default minimal APIs answer them with an empty 400 in Production).
        builder.Services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
            o.SerializerOptions.Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
        });
        builder.Services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = async (ctx, ct) =>
            {
                ctx.HttpContext.Response.Headers.RetryAfter = "60";
                await ctx.HttpContext.Response.WriteAsJsonAsync(new { error = $"rate limit: at most {web.RequestsPerMinute} requests a minute; try again shortly" }, ct);
            };
            o.AddPolicy("api", ctx => RateLimitPartition.GetFixedWindowLimiter(ctx.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = web.RequestsPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
        });
        configure?.Invoke(builder);
        AppServices.Add(builder.Services, builder.Configuration);

        var app = builder.Build();
        app.UseExceptionHandler(e => e.Run(HandleErrorAsync));
        app.Use(async (ctx, next) =>
        {
            // A body over the limit gets a clear 400 before anything reads it.
            if (ctx.Request.ContentLength > web.MaxBodyBytes)
            {
                ctx.Response.StatusCode = StatusCodes.Status400BadRequest;
                await ctx.Response.WriteAsJsonAsync(new { error = $"request body too large: {ctx.Request.ContentLength} bytes, the limit is {web.MaxBodyBytes}" });
                return;
            }
            ctx.Response.Headers.XContentTypeOptions = "nosniff";
            await next();
        });
        app.Use(async (ctx, next) =>
        {
            if (web.ApiKey is not null && ctx.Request.Path.StartsWithSegments("/api")
                && !string.Equals(ctx.Request.Headers[WebOptions.ApiKeyHeader], web.ApiKey, StringComparison.Ordinal))
            {
                ctx.Response.StatusCode = StatusCodes.Status401Unauthorized;
                await ctx.Response.WriteAsJsonAsync(new { error = $"missing or wrong {WebOptions.ApiKeyHeader} header" });
                return;
            }
            await next();
        });
        var files = new EmbeddedFileProvider(typeof(WebApp).Assembly, "CaseStudyAssistant.Web.wwwroot");
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions { FileProvider = files });
        app.UseRateLimiter();
        app.MapOpenApi();
        MapEndpoints(app, web);
        return app;
    }

    private static async Task HandleErrorAsync(HttpContext ctx)
    {
        var error = ctx.Features.Get<IExceptionHandlerFeature>()?.Error;
        (int status, string message) = error switch
        {
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } =>
                (400, $"request body too large: the limit is {ctx.RequestServices.GetRequiredService<WebOptions>().MaxBodyBytes} bytes"),
            BadHttpRequestException { InnerException: JsonException } => (400, "the request body is not valid JSON of the expected shape"),
            BadHttpRequestException b => (b.StatusCode, b.StatusCode == 415 ? "send the body as application/json" : b.Message.Split('\n')[0]),
            JsonException => (400, "the request body is not valid JSON of the expected shape"),
            LlmException l => (502, l.Message),
            StoreException s => (503, s.Message),
            IndexMismatchException m => (503, m.Message),
            _ => (500, "internal error"),
        };
        ctx.Response.StatusCode = status;
        await ctx.Response.WriteAsJsonAsync(new { error = message });
    }

    private static IResult Bad(string message) => Results.BadRequest(new { error = message });

    private static void MapEndpoints(WebApplication app, WebOptions web)
    {
        app.MapGet("/healthz", () => Results.Text("ok")).ExcludeFromDescription();
        app.MapGet("/readyz", async (IStudyIndex index, CancellationToken ct) =>
        {
            try
            {
                var state = await index.GetStateAsync(ct);
                return state.IsEmpty
                    ? Results.Json(new { status = "not ready", reason = "the index is empty" }, statusCode: 503)
                    : Results.Json(new { status = "ready", studies = state.Studies.Count, store = index.Location });
            }
            catch (Exception e) when (e is StoreException or IndexMismatchException or IOException or Microsoft.Data.Sqlite.SqliteException)
            {
                return Results.Json(new { status = "not ready", reason = e.Message }, statusCode: 503);
            }
        }).ExcludeFromDescription();

        var api = app.MapGroup("/api").RequireRateLimiting("api");

        string? CheckQuestion(string? q) =>
            string.IsNullOrWhiteSpace(q) ? "the question is empty"
            : q.Length > web.MaxQuestionChars ? $"the question is {q.Length} characters long; the limit is {web.MaxQuestionChars}" : null;

        api.MapPost("/ask", async (AskRequest request, Assistant assistant, IFollowUpSuggester followUps, CancellationToken ct) =>
        {
            if (CheckQuestion(request.Question) is { } problem) return Bad(problem);
            if (request.Top is < 1 or > 50) return Bad("top must be between 1 and 50");
            var answer = await assistant.AskAsync(request.Question!, request.Filters?.ToFilter(), request.Top, ct);
            answer = answer with { FollowUps = await followUps.SuggestAsync(answer, ct) };
            return Results.Json(Json.Answer(answer), Json.Options);
        }).WithSummary("Answer a question with citations (the same object as csa ask --json)");

        api.MapPost("/ask/stream", async (AskRequest request, Assistant assistant, IFollowUpSuggester followUps, HttpContext http, CancellationToken ct) =>
        {
            if (CheckQuestion(request.Question) is { } problem) { await Bad(problem).ExecuteAsync(http); return; }
            if (request.Top is < 1 or > 50) { await Bad("top must be between 1 and 50").ExecuteAsync(http); return; }
            await StreamAnswerAsync(http, async (stream, token) =>
            {
                var answer = await assistant.AskAsync(request.Question!, request.Filters?.ToFilter(), request.Top, token, stream);
                return answer with { FollowUps = await followUps.SuggestAsync(answer, token) };
            }, ct);
        }).WithSummary("Answer as Server-Sent Events: 'sources' first, then 'token' events, then 'done'");

        api.MapGet("/studies", async (string? company, string? industry, string? tag, string? category, int? yearFrom, int? yearTo, string? q,
            IStudyIndex index, Retriever retriever, CancellationToken ct) =>
        {
            var filter = new FilterDto(company, industry, tag, category, yearFrom, yearTo).ToFilter();
            if (string.IsNullOrWhiteSpace(q))
                return Results.Json((await index.ListStudiesAsync(filter, ct)).Select(Json.StudySummary), Json.Options);
            if (q.Length > web.MaxQuestionChars) return Bad($"q is longer than {web.MaxQuestionChars} characters");
            var found = await retriever.RetrieveAsync(q, filter, top: 40, ct);
            return Results.Json(found.Chunks.Select(c => c.Study).DistinctBy(s => s.Id).Select(Json.StudySummary), Json.Options);
        }).WithSummary("Browse studies by company, industry, tag, category, year range, or text");

        api.MapGet("/studies/{id}", async (string id, IStudyIndex index, CancellationToken ct) =>
            await index.GetStudyAsync(id, ct) is { } s ? Results.Json(Json.StudyDetail(s), Json.Options) : Results.NotFound(new { error = $"no study with id '{id}'" }))
            .WithSummary("One study with its sections");

        api.MapPost("/practice", async (PracticeRequestDto request, IPracticeGenerator generator, CancellationToken ct) =>
        {
            if (request.Count is < 1 or > 20) return Bad("count must be between 1 and 20");
            if (request.Topic is { Length: > 300 }) return Bad("topic is longer than 300 characters");
            Difficulty difficulty = Difficulty.Senior;
            if (request.Difficulty is { } d && !Enum.TryParse(d, ignoreCase: true, out difficulty)) return Bad("difficulty must be junior, senior or staff");
            var set = await generator.GenerateAsync(new Practice.PracticeRequest
            {
                Count = request.Count ?? 3, Difficulty = difficulty, Seed = request.Seed ?? Random.Shared.Next(1, 100_000),
                Topic = string.IsNullOrWhiteSpace(request.Topic) ? null : request.Topic, Filter = request.Filters?.ToFilter() ?? SearchFilter.None,
            }, ct);
            return Results.Json(PracticeFormatter.ToJson(set), Json.Options);
        }).WithSummary("Practice questions (the same shape as csa practice --format json)");

        CompareEndpoint.Map(api, web);

        api.MapPost("/chat/{session}", async (string session, ChatRequest request, Assistant assistant, IQuestionRewriter rewriter,
            IFollowUpSuggester followUps, ChatHistoryStore store, CancellationToken ct) =>
        {
            if (session.Length is 0 or > 64 || !session.All(c => char.IsLetterOrDigit(c) || c is '-' or '_')) return Bad("session names are 1–64 letters, digits, '-' or '_'");
            if (CheckQuestion(request.Message) is { } problem) return Bad(problem);
            var conversation = new Conversation(assistant, rewriter, followUps, store, session) { Filter = request.Filters?.ToFilter() ?? SearchFilter.None };
            var answer = await conversation.AskAsync(request.Message!, null, ct);
            return Results.Json(new { session, standaloneQuestion = conversation.History.LastOrDefault(t => t.Role == ChatTurn.User)?.Standalone, answer = Json.Answer(answer) }, Json.Options);
        }).WithSummary("Multi-turn chat: follow-ups are rewritten with the session's history");
    }

    /// <summary>Server-Sent Events: the sources as soon as they are known, the text as it is written, then the final details.</summary>
    private static async Task StreamAnswerAsync(HttpContext http, Func<AnswerStream, CancellationToken, Task<Answer>> ask, CancellationToken ct)
    {
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        var events = Channel.CreateUnbounded<(string Event, object Data)>();
        var stream = new AnswerStream
        {
            OnSources = sources => events.Writer.TryWrite(("sources", new { sources = sources.Select(Json.Citation) })),
            OnText = text => events.Writer.TryWrite(("token", new { text })),
        };
        var answering = Task.Run(async () =>
        {
            try
            {
                var answer = await ask(stream, ct);
                events.Writer.TryWrite(("done", new
                {
                    refused = answer.Refused, mode = answer.Mode, model = answer.Model, answer = answer.Text,
                    citations = answer.Citations.Select(Json.Citation), nearest = answer.Nearest.Select(n => new { docId = n.DocId, title = n.Title, company = n.Company, year = n.Year, url = n.Url }),
                    removedCitations = answer.RemovedCitations, unsupportedSentences = answer.UnsupportedSentences,
                    followUps = answer.FollowUps, notice = answer.Notice, timingsMs = answer.TimingsMs,
                }));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                events.Writer.TryWrite(("error", new { error = e is LlmException or StoreException ? e.Message : "internal error" }));
            }
            finally { events.Writer.TryComplete(); }
        }, ct);

        await foreach (var (name, data) in events.Reader.ReadAllAsync(ct))
        {
            await http.Response.WriteAsync($"event: {name}\ndata: {JsonSerializer.Serialize(data, Json.Compact)}\n\n", ct);
            await http.Response.Body.FlushAsync(ct);
        }
        await answering;
    }
}
