using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using CaseStudyAssistant.Indexing;
using CaseStudyAssistant.Web.Contracts;

namespace CaseStudyAssistant.Web.Hosting;

/// <summary>What stands between a request and the endpoints: headers, limits, the API key, one index generation.</summary>
internal static class Protection
{
    public const string GenerationHeader = "X-Index-Generation";

    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public static Task WriteError(HttpContext ctx, int status, string error, string? hint = null)
    {
        ctx.Response.StatusCode = status;
        return ctx.Response.WriteAsJsonAsync(new ErrorBody(error, hint), Json.Options);
    }

    public static void UseProtection(this WebApplication app, WebOptions web)
    {
        var anyHost = web.AllowedHosts.Contains("*");
        app.Use(async (ctx, next) =>
        {
            // A keyless loopback server answers only to loopback names, so a web page on another name that
            // resolves to 127.0.0.1 (DNS rebinding) cannot use it.
            if (!anyHost && !web.AllowedHosts.Contains(ctx.Request.Host.Host, StringComparer.OrdinalIgnoreCase)
                && !web.AllowedHosts.Contains($"[{ctx.Request.Host.Host}]", StringComparer.OrdinalIgnoreCase))
            {
                await WriteError(ctx, StatusCodes.Status400BadRequest, $"the Host header '{Shorten(ctx.Request.Host.Value)}' is not one this server answers to",
                    "open the page at http://127.0.0.1:PORT or http://localhost:PORT, or add the name to Web:AllowedHosts");
                return;
            }
            var headers = ctx.Response.Headers;
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            headers["Cross-Origin-Opener-Policy"] = "same-origin";
            headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()";

            var url = ctx.Request.Path.Value?.Length + ctx.Request.QueryString.Value?.Length ?? 0;
            if (url > web.MaxUrlChars)
            {
                await WriteError(ctx, StatusCodes.Status414UriTooLong, $"the URL is {url} characters long; the limit is {web.MaxUrlChars}", "send long input in a POST body");
                return;
            }
            if (ctx.Request.ContentLength > web.MaxBodyBytes)
            {
                await WriteError(ctx, StatusCodes.Status413PayloadTooLarge, $"request body too large: {ctx.Request.ContentLength} bytes, the limit is {web.MaxBodyBytes}");
                return;
            }
            await next();
        });

        if (web.ApiKey is { } key)
        {
            var guard = new KeyGuard(key, web.KeyFailuresPerMinute);
            app.Use(async (ctx, next) =>
            {
                if (!ctx.Request.Path.StartsWithSegments("/api")) { await next(); return; }
                var client = ctx.Connection.RemoteIpAddress?.ToString() ?? "unknown";
                if (guard.BlockedFor(client) is { } wait)
                {
                    ctx.Response.Headers.RetryAfter = ((int)Math.Ceiling(wait.TotalSeconds)).ToString();
                    await WriteError(ctx, StatusCodes.Status429TooManyRequests, $"too many wrong {WebOptions.ApiKeyHeader} values from this address",
                        $"try again in {Math.Ceiling(wait.TotalSeconds)} s with the right key");
                    return;
                }
                if (!guard.Check(client, ctx.Request.Headers[WebOptions.ApiKeyHeader].ToString()))
                {
                    await WriteError(ctx, StatusCodes.Status401Unauthorized, $"missing or wrong {WebOptions.ApiKeyHeader} header",
                        $"send the key the server was started with (CSA_API_KEY) in the {WebOptions.ApiKeyHeader} header");
                    return;
                }
                await next();
            });
        }

        // Every read of one request comes from one generation of the index, even while an ingest swaps in the next.
        app.Use(async (ctx, next) =>
        {
            if (!ctx.Request.Path.StartsWithSegments("/api") && !ctx.Request.Path.StartsWithSegments("/readyz")) { await next(); return; }
            IndexReadScope? scope = null;
            try { scope = await ctx.RequestServices.GetRequiredService<IStudyIndex>().BeginReadAsync(ctx.RequestAborted); }
            catch (Exception e) when (e is StoreException or IndexMismatchException or IOException or Microsoft.Data.Sqlite.SqliteException)
            {
                // Endpoints report the store's problem in their own words (readyz: "not ready").
            }
            using (scope)
            {
                if (scope is not null) ctx.Response.Headers[GenerationHeader] = scope.Generation;
                await next();
            }
        });
    }

    private static string Shorten(string? text) => text is null ? "" : text.Length > 80 ? text[..80] + "…" : text;

    /// <summary>Constant-time key comparison, and a per-client budget of wrong keys per minute.</summary>
    private sealed class KeyGuard(string key, int failuresPerMinute)
    {
        private readonly byte[] _key = Encoding.UTF8.GetBytes(key);
        private readonly ConcurrentDictionary<string, Window> _failures = new();

        private sealed record Window(DateTime StartUtc, int Failures);

        public TimeSpan? BlockedFor(string client)
        {
            if (!_failures.TryGetValue(client, out var w)) return null;
            var left = w.StartUtc.AddMinutes(1) - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) { _failures.TryRemove(client, out _); return null; }
            return w.Failures >= failuresPerMinute ? left : null;
        }

        public bool Check(string client, string given)
        {
            if (CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), _key)) return true;
            var now = DateTime.UtcNow;
            _failures.AddOrUpdate(client, _ => new Window(now, 1),
                (_, w) => now - w.StartUtc >= TimeSpan.FromMinutes(1) ? new Window(now, 1) : w with { Failures = w.Failures + 1 });
            if (_failures.Count > 10_000) // many clients: forget finished windows
                foreach (var (c, w) in _failures) if (now - w.StartUtc >= TimeSpan.FromMinutes(1)) _failures.TryRemove(c, out _);
            return false;
        }
    }
}
