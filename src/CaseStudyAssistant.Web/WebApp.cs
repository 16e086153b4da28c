using System.Text.Json;
using System.Threading.Channels;
using System.Threading.RateLimiting;
using CaseStudyAssistant.Answering;
using CaseStudyAssistant.Chat;
using CaseStudyAssistant.Configuration;
using CaseStudyAssistant.Indexing;
using CaseStudyAssistant.Practice;
using CaseStudyAssistant.Retrieval;
using CaseStudyAssistant.Web.Contracts;
using CaseStudyAssistant.Hosting;
using CaseStudyAssistant.Web.Hosting;
using KestrelServerOptions = Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions;
using Microsoft.Extensions.Options;
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
        builder.Configuration.AddCaseStudyAssistantSources(overrides);
        builder.Configuration.AddCommandLine(args);

        var urls = builder.Configuration["urls"] ?? "http://localhost:5000";
        var loopback = WebOptions.LoopbackOnly(urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        builder.Services.AddOptions<WebOptions>()
            .Bind(builder.Configuration.GetSection("Web"))
            .PostConfigure(o =>
            {
                o.ApiKey = ReadApiKey(Secrets.FromEnvironment);
                if (o.AllowedHosts.Count == 0) o.AllowedHosts = loopback ? [.. WebOptions.LoopbackHosts] : ["*"];
            })
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<WebOptions>, WebOptionsValidator>();
        builder.Services.AddSingleton(sp => sp.GetRequiredService<IOptions<WebOptions>>().Value);
        builder.Services.AddOptions<KestrelServerOptions>().Configure<WebOptions>((k, web) =>
        {
            k.Limits.MaxRequestBodySize = web.MaxBodyBytes;
            // Above our own URL limit, so an over-long URL gets our JSON 414 rather than Kestrel's empty one.
            k.Limits.MaxRequestLineSize = Math.Max(k.Limits.MaxRequestLineSize, web.MaxUrlChars * 4);
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // A failed start (a busy port) is reported by the caller in one line, not logged with its stack trace.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);

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
                var web = ctx.HttpContext.RequestServices.GetRequiredService<WebOptions>();
                ctx.HttpContext.Response.Headers.RetryAfter = "60";
                await ctx.HttpContext.Response.WriteAsJsonAsync(new ErrorBody($"rate limit: at most {web.RequestsPerMinute} requests a minute from one address", "try again in a minute"), Json.Options, ct);
            };
            o.AddPolicy("api", ctx => RateLimitPartition.GetFixedWindowLimiter(ctx.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = ctx.RequestServices.GetRequiredService<WebOptions>().RequestsPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
        });
        configure?.Invoke(builder);
        builder.Services.AddCaseStudyAssistant(builder.Configuration);

        var app = builder.Build();
        // Settings are checked now, so a bad value stops csa serve before it ingests or binds anything.
        app.Services.ValidateSettings();
        var web = app.Services.GetRequiredService<WebOptions>();
        app.UseExceptionHandler(e => e.Run(HandleErrorAsync));
        // Error statuses written without a body (415 from minimal APIs, 404, 405) get one.
        app.UseStatusCodePages(async context =>
        {
            var http = context.HttpContext;
            var (error, hint) = http.Response.StatusCode switch
            {
                404 => ($"nothing at {http.Request.Path}", "see /openapi/v1.json for the API"),
                405 => ($"{http.Request.Method} is not allowed on {http.Request.Path}", "see /openapi/v1.json for the API"),
                415 => ("send the body as JSON", "set the header Content-Type: application/json"),
                var other => (Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(other) is { Length: > 0 } phrase ? phrase.ToLowerInvariant() : $"error {other}", (string?)null),
            };
            await http.Response.WriteAsJsonAsync(new ErrorBody(error, hint), Json.Options);
        });
        app.UseProtection(web);
        var files = new EmbeddedFileProvider(typeof(WebApp).Assembly, "CaseStudyAssistant.Web.wwwroot");
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions { FileProvider = files });
        app.UseRateLimiter();
        app.MapOpenApi();
        MapEndpoints(app, web);
        return app;
    }

    /// <summary>The API key, from the environment only; a blank or short key is refused before the server starts.</summary>
    private static string? ReadApiKey(Secrets secrets)
    {
        var raw = secrets.ServerKey();
        if (raw is null || raw.Length == 0) return null;
        var key = raw.Trim();
        if (key.Length < WebOptions.MinApiKeyChars)
            throw new ConfigurationException($"CSA_API_KEY is {(key.Length == 0 ? "blank" : $"{key.Length} characters long")}; a key needs at least {WebOptions.MinApiKeyChars} characters",
                "set CSA_API_KEY to a long random value, e.g. $(openssl rand -hex 24), or unset it to serve on loopback without a key");
        return key;
    }

    private static async Task HandleErrorAsync(HttpContext ctx)
    {
        var error = ctx.Features.Get<IExceptionHandlerFeature>()?.Error;
        var (status, body) = ErrorFor(error, ctx.RequestServices);
        ctx.Response.StatusCode = status;
        await ctx.Response.WriteAsJsonAsync(body, Json.Options);
    }

    /// <summary>An exception as the status and body a client sees: the problem in words, never framework text or a server path.</summary>
    internal static (int Status, ErrorBody Body) ErrorFor(Exception? error, IServiceProvider services)
    {
        var web = services.GetRequiredService<WebOptions>();
        var (status, message, hint) = error switch
        {
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } =>
                (413, $"request body too large: the limit is {web.MaxBodyBytes} bytes", (string?)null),
            BadHttpRequestException { StatusCode: StatusCodes.Status415UnsupportedMediaType } => (415, "send the body as JSON", "set the header Content-Type: application/json"),
            BadHttpRequestException { InnerException: JsonException } or JsonException =>
                (400, "the request body is not valid JSON of the expected shape", "see /openapi/v1.json for each request's fields"),
            BadHttpRequestException b when BindFailure(b.Message) is { } bind => (400, bind, "see /openapi/v1.json for each parameter's type"),
            BadHttpRequestException b when b.Message.Contains("body", StringComparison.OrdinalIgnoreCase) =>
                (400, "the request needs a JSON object as its body", "e.g. {\"question\": \"How do teams detect fraud?\"}"),
            BadHttpRequestException b => (b.StatusCode, "the request could not be read", "see /openapi/v1.json"),
            null => (500, "internal error", "the server's log has the details"),
            _ => FromUserError(UserErrors.For(error)),
        };
        return (status, new ErrorBody(WithoutServerPaths(message, services), hint is null ? null : WithoutServerPaths(hint, services)));
    }

    private static (int, string, string?) FromUserError(UserError e) => e.Kind switch
    {
        ErrorKind.BadInput => (400, e.Message, e.Hint),
        ErrorKind.NotFound => (404, e.Message, e.Hint),
        ErrorKind.Model => (502, e.Message, e.Hint),
        ErrorKind.Store => (503, e.Message, e.Hint),
        ErrorKind.Configuration => (500, e.Message, e.Hint),
        ErrorKind.Cancelled => (499, e.Message, null),
        _ => (500, "internal error", "the server's log has the details"),
    };

    /// <summary>"Failed to bind parameter "Nullable&lt;int&gt; yearFrom" from "abc"." → "yearFrom must be a whole number, not 'abc'".</summary>
    private static string? BindFailure(string message)
    {
        var m = System.Text.RegularExpressions.Regex.Match(message, "Failed to bind parameter \"(?<type>[^\"]*?)\\s*(?<name>\\w+)\" from \"(?<value>[^\"]*)\"");
        if (!m.Success) return null;
        var type = m.Groups["type"].Value;
        var kind = type.Contains("int", StringComparison.OrdinalIgnoreCase) ? "a whole number" : type.Contains("bool", StringComparison.OrdinalIgnoreCase) ? "true or false" : "a value of another type";
        var value = m.Groups["value"].Value;
        return $"{m.Groups["name"].Value} must be {kind}, not '{(value.Length > 40 ? value[..40] + "…" : value)}'";
    }

    /// <summary>Messages name the index by its location; a client gets its file name, not where it lives.</summary>
    internal static string WithoutServerPaths(string text, IServiceProvider services)
    {
        var location = services.GetService<IStudyIndex>()?.Location;
        if (location is not null && Path.IsPathRooted(location)) text = text.Replace(location, Path.GetFileName(location));
        var corpus = services.GetService<Configuration.CsaSettings>()?.Corpus.Path;
        if (!string.IsNullOrEmpty(corpus) && Path.IsPathRooted(corpus)) text = text.Replace(corpus, Path.GetFileName(corpus.TrimEnd('/')));
        return text;
    }

    private static IResult Bad(RuleViolation v) => Results.Json(new ErrorBody(v.Message, v.Hint), Json.Options, statusCode: 400);

    /// <summary>The error responses every /api endpoint may give, described in the OpenAPI document.</summary>
    private static RouteHandlerBuilder Errors(this RouteHandlerBuilder endpoint, params int[] statuses)
    {
        foreach (var status in statuses.Concat([401, 413, 429, 500, 503]).Distinct())
            endpoint.Produces<ErrorBody>(status, "application/json");
        return endpoint;
    }

    private static void MapEndpoints(WebApplication app, WebOptions web)
    {
        app.MapGet("/healthz", () => Results.Text("ok")).ExcludeFromDescription();
        app.MapGet("/readyz", async (IStudyIndex index, Configuration.CsaSettings settings, IServiceProvider services, HttpContext http, CancellationToken ct) =>
        {
            try
            {
                var studies = (await index.ListStudiesAsync(SearchFilter.None, ct)).Count;
                var generation = http.Response.Headers[Protection.GenerationHeader].ToString();
                return studies == 0
                    ? Results.Json(new ReadyBody("not ready", Reason: "the index is empty"), Json.Options, statusCode: 503)
                    : Results.Json(new ReadyBody("ready", studies, settings.Index.Store.ToLowerInvariant(), generation), Json.Options);
            }
            catch (Exception e) when (e is StoreException or IndexMismatchException or IOException or Microsoft.Data.Sqlite.SqliteException)
            {
                return Results.Json(new ReadyBody("not ready", Reason: WithoutServerPaths(e.Message, services)), Json.Options, statusCode: 503);
            }
        }).ExcludeFromDescription();

        var api = app.MapGroup("/api").RequireRateLimiting("api");

        RuleViolation? CheckAsk(string? question, int? top, FilterDto? filters) =>
            RequestRules.Question(question, web.MaxQuestionChars) ?? RequestRules.Top(top) ?? RequestRules.Years(filters?.YearFrom, filters?.YearTo);

        api.MapPost("/ask", async (AskRequest request, Assistant assistant, IFollowUpSuggester followUps, CancellationToken ct) =>
        {
            if (CheckAsk(request.Question, request.Top, request.Filters) is { } problem) return Bad(problem);
            var (ask, badMode) = AskRequests.Read(request.Mode, request.KeepUnsupported, assistant);
            if (badMode is not null) return Bad(new RuleViolation(badMode));
            var answer = await assistant.AskAsync(request.Question!, request.Filters?.ToFilter(), request.Top, ct, ask: ask);
            answer = answer with { FollowUps = await followUps.SuggestAsync(answer, ct) };
            return Results.Json(Json.Answer(answer), Json.Options);
        }).WithSummary("Answer a question with citations (the same object as csa ask --json)")
          .Produces<AnswerBody>(200).Errors(400, 415, 502);

        api.MapPost("/ask/stream", async (AskRequest request, Assistant assistant, IFollowUpSuggester followUps, HttpContext http, CancellationToken ct) =>
        {
            if (CheckAsk(request.Question, request.Top, request.Filters) is { } problem) { await Bad(problem).ExecuteAsync(http); return; }
            var (ask, badMode) = AskRequests.Read(request.Mode, request.KeepUnsupported, assistant);
            if (badMode is not null) { await Bad(new RuleViolation(badMode)).ExecuteAsync(http); return; }
            await StreamAnswerAsync(http, async (stream, token) =>
            {
                var answer = await assistant.AskAsync(request.Question!, request.Filters?.ToFilter(), request.Top, token, stream, ask);
                return answer with { FollowUps = await followUps.SuggestAsync(answer, token) };
            }, ct);
        }).WithSummary("Answer as Server-Sent Events: 'sources' first, then 'token' events, then 'done' (the answer object) or 'error'")
          .Produces(200, contentType: "text/event-stream").Errors(400, 415);

        api.MapGet("/studies", async (string? company, string? industry, string? tag, string? category, int? yearFrom, int? yearTo, string? q,
            IStudyIndex index, Retriever retriever, CancellationToken ct) =>
        {
            if (RequestRules.Years(yearFrom, yearTo) is { } years) return Bad(years);
            var filter = new FilterDto(company, industry, tag, category, yearFrom, yearTo).ToFilter();
            if (string.IsNullOrWhiteSpace(q))
                return Results.Json((await index.ListStudiesAsync(filter, ct)).Select(Json.StudySummary), Json.Options);
            if (q.Length > web.MaxQuestionChars) return Bad(new RuleViolation($"q is {q.Length} characters long; the limit is {web.MaxQuestionChars}"));
            var found = await retriever.RetrieveAsync(q, filter, top: 40, ct);
            return Results.Json(found.Chunks.Select(c => c.Study).DistinctBy(s => s.Id).Select(Json.StudySummary), Json.Options);
        }).WithSummary("Browse studies by company, industry, tag, category, year range, or text")
          .Produces<IReadOnlyList<StudySummaryBody>>(200).Errors(400);

        api.MapGet("/studies/{id}", async (string id, IStudyIndex index, CancellationToken ct) =>
            await index.GetStudyAsync(id, ct) is { } s
                ? Results.Json(Json.StudyDetail(s), Json.Options)
                : Results.Json(new ErrorBody($"no study with id '{(id.Length > 80 ? id[..80] + "…" : id)}'", "list the ids with GET /api/studies"), Json.Options, statusCode: 404))
            .WithSummary("One study with its sections")
            .Produces<StudyDetailBody>(200).Errors(404);

        api.MapPost("/practice", async (PracticeRequestDto request, IPracticeGenerator generator, CancellationToken ct) =>
        {
            if ((RequestRules.PracticeCount(request.Count) ?? RequestRules.Topic(request.Topic) ?? RequestRules.Years(request.Filters?.YearFrom, request.Filters?.YearTo)) is { } problem)
                return Bad(problem);
            Difficulty difficulty = Difficulty.Senior;
            if (request.Difficulty is { } d && !Enum.TryParse(d, ignoreCase: true, out difficulty)) return Bad(new RuleViolation("difficulty must be junior, senior or staff"));
            var practice = new Practice.PracticeRequest
            {
                Count = request.Count ?? 3, Difficulty = difficulty, Seed = request.Seed ?? Random.Shared.Next(1, 100_000),
                Topic = string.IsNullOrWhiteSpace(request.Topic) ? null : request.Topic, Filter = request.Filters?.ToFilter() ?? SearchFilter.None,
            };
            var set = await generator.GenerateAsync(practice, ct);
            if (set.Items.Count == 0)
            {
                var none = RequestRules.NoPracticeMatch(practice.Filter, practice.Topic);
                return Results.Json(new ErrorBody(none.Message, none.Hint), Json.Options, statusCode: 404);
            }
            return Results.Json(PracticeFormatter.ToJson(set), Json.Options);
        }).WithSummary("Practice questions (the same shape as csa practice --format json); 404 when no study matches")
          .Produces(200, contentType: "application/json").Errors(400, 404, 415, 502);

        CompareEndpoint.Map(api, web);

        api.MapPost("/chat/{session}", async (string session, ChatRequest request, Assistant assistant, IQuestionRewriter rewriter,
            IFollowUpSuggester followUps, ChatHistoryStore store, CancellationToken ct) =>
        {
            if (session.Length is 0 or > 64 || !session.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
                return Bad(new RuleViolation("session names are 1–64 letters, digits, '-' or '_'"));
            if ((RequestRules.Question(request.Message, web.MaxQuestionChars) ?? RequestRules.Years(request.Filters?.YearFrom, request.Filters?.YearTo)) is { } problem) return Bad(problem);
            var (ask, badMode) = AskRequests.Read(request.Mode, request.KeepUnsupported, assistant);
            if (badMode is not null) return Bad(new RuleViolation(badMode));
            var conversation = new Conversation(assistant, rewriter, followUps, store, session) { Filter = request.Filters?.ToFilter() ?? SearchFilter.None, Options = ask! };
            var answer = await conversation.AskAsync(request.Message!, null, ct);
            return Results.Json(new ChatBody(session, ChatTurns.LastStandalone(conversation.History), Json.Answer(answer)), Json.Options);
        }).WithSummary("Multi-turn chat: follow-ups are rewritten with the session's history")
          .Produces<ChatBody>(200).Errors(400, 415, 502);
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
                events.Writer.TryWrite(("done", Json.Answer(answer)));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                events.Writer.TryWrite(("error", ErrorFor(e, http.RequestServices).Body));
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
