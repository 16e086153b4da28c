using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CaseStudyAssistant.Tests;

/// <summary>
/// Direct REST calls for the tests' own checks and clean-up (alias targets, collections), independent of the
/// client under test.
/// </summary>
public sealed class QdrantAdmin : IDisposable
{
    private readonly HttpClient _http;

    public QdrantAdmin(string url, string? apiKey = null)
    {
        _http = new HttpClient { BaseAddress = new Uri(url.TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(15) };
        if (!string.IsNullOrEmpty(apiKey)) _http.DefaultRequestHeaders.Add("api-key", apiKey);
    }

    private async Task<JsonElement> GetAsync(string path)
    {
        using var response = await _http.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"GET /{path}: {(int)response.StatusCode} {text}");
        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.GetProperty("result").Clone();
    }

    /// <summary>The collection <paramref name="alias"/> points at (GET /aliases), or null.</summary>
    public async Task<string?> AliasTargetAsync(string alias) =>
        (await GetAsync("aliases")).GetProperty("aliases").EnumerateArray()
            .Where(a => a.GetProperty("alias_name").GetString() == alias)
            .Select(a => a.GetProperty("collection_name").GetString()).FirstOrDefault();

    public async Task<List<string>> CollectionsAsync() =>
        (await GetAsync("collections")).GetProperty("collections").EnumerateArray().Select(c => c.GetProperty("name").GetString()!).Order(StringComparer.Ordinal).ToList();

    /// <summary>Collections built for <paramref name="alias"/>: the store names them <c>alias-timestamp</c>.</summary>
    public async Task<List<string>> CollectionsOfAsync(string alias) =>
        (await CollectionsAsync()).Where(c => c.StartsWith(alias + "-", StringComparison.Ordinal)).ToList();

    /// <summary>Exact number of points in a collection (or alias).</summary>
    public async Task<long> CountAsync(string collection)
    {
        using var response = await _http.PostAsJsonAsync($"collections/{Uri.EscapeDataString(collection)}/points/count", new JsonObject { ["exact"] = true });
        response.EnsureSuccessStatusCode();
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return doc.RootElement.GetProperty("result").GetProperty("count").GetInt64();
    }

    public async Task DeleteCollectionAsync(string name)
    {
        using var response = await _http.DeleteAsync($"collections/{Uri.EscapeDataString(name)}");
        if (response.StatusCode != HttpStatusCode.NotFound) response.EnsureSuccessStatusCode();
    }

    /// <summary>Deletes the alias's target and every other collection built for it (which also removes the alias).</summary>
    public async Task DropAllAsync(string alias)
    {
        var names = new HashSet<string>(await CollectionsOfAsync(alias), StringComparer.Ordinal);
        if (await AliasTargetAsync(alias) is { } target) names.Add(target);
        foreach (var name in names) await DeleteCollectionAsync(name);
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>
/// The Qdrant contract emulator (../shared/qdrant/emulator) as a child process on a free port, killed on dispose.
/// </summary>
public sealed class QdrantEmulator : IDisposable
{
    public const string ScriptRelative = "qdrant/emulator/qdrant_emulator.py";
    private readonly Process _process;
    private readonly StringBuilder _stderr;

    public string Url { get; }

    private QdrantEmulator(Process process, string url, StringBuilder stderr)
    {
        _process = process;
        Url = url;
        _stderr = stderr;
    }

    /// <summary>Starts the emulator with extra flags (e.g. <c>--fail-every 3</c>) and waits for its "listening" line.</summary>
    public static QdrantEmulator Start(params string[] flags)
    {
        var psi = new ProcessStartInfo(EmulatorFactAttribute.Python ?? "python3")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Repo.Root,
        };
        psi.ArgumentList.Add(Repo.Shared(ScriptRelative));
        psi.ArgumentList.Add("--port");
        psi.ArgumentList.Add("0");
        foreach (var f in flags) psi.ArgumentList.Add(f);
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start python3");
        var stderr = new StringBuilder();
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
        process.BeginErrorReadLine();
        try
        {
            var first = process.StandardOutput.ReadLineAsync();
            if (!first.Wait(TimeSpan.FromSeconds(20)) || first.Result is not { } line)
                throw new InvalidOperationException($"the Qdrant emulator did not start: {(process.HasExited ? $"exit {process.ExitCode}" : "no output in 20 s")}\n{stderr}");
            const string prefix = "qdrant-emulator listening on ";
            if (!line.StartsWith(prefix, StringComparison.Ordinal))
                throw new InvalidOperationException($"unexpected first line from the Qdrant emulator: {line}");
            _ = process.StandardOutput.ReadToEndAsync(); // keep the pipe drained
            return new QdrantEmulator(process, line[prefix.Length..].Trim(), stderr);
        }
        catch
        {
            Stop(process);
            throw;
        }
    }

    public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }

    private static void Stop(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException) { }
        process.Dispose();
    }

    public void Dispose() => Stop(_process);
}

/// <summary>
/// A fact that starts its own Qdrant emulator: needs python3 on PATH and ../shared/qdrant/emulator; skipped otherwise.
/// </summary>
public sealed class EmulatorFactAttribute : FactAttribute
{
    public EmulatorFactAttribute()
    {
        if (!Repo.SharedExists(QdrantEmulator.ScriptRelative))
            Skip = $"needs the Qdrant contract emulator (../shared/{QdrantEmulator.ScriptRelative}, beside the folder holding CaseStudyAssistant.sln): not present";
        else if (Python is null)
            Skip = "needs python3 on PATH to run the Qdrant contract emulator";
    }

    private static readonly Lazy<string?> FoundPython = new(() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, OperatingSystem.IsWindows() ? "python3.exe" : "python3"))
            .FirstOrDefault(File.Exists));

    public static string? Python => FoundPython.Value;
}

/// <summary>Answers requests from a function: a Qdrant server that says whatever a test needs.</summary>
public sealed class StubHandler(Func<HttpRequestMessage, HttpResponseMessage> answer) : HttpMessageHandler
{
    public List<string> Requests { get; } = [];

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        lock (Requests) Requests.Add($"{request.Method} {request.RequestUri!.AbsolutePath}");
        return Task.FromResult(answer(request));
    }

    public static HttpResponseMessage Json(string json, HttpStatusCode status = HttpStatusCode.OK) =>
        new(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
}

/// <summary>
/// Passes requests to a real server but answers one chosen request itself with an error, e.g. to break a rebuild
/// half-way (the Nth upsert, or the alias switch).
/// </summary>
public sealed class FailingRequestHandler(Func<HttpRequestMessage, int, bool> failThis, HttpStatusCode status = HttpStatusCode.BadRequest)
    : DelegatingHandler(new SocketsHttpHandler())
{
    private int _count;
    public int Failed { get; private set; }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (failThis(request, Interlocked.Increment(ref _count)))
        {
            Failed++;
            return Task.FromResult(StubHandler.Json("{\"status\":{\"error\":\"Bad request: injected by the test\"},\"time\":0.0}", status));
        }
        return base.SendAsync(request, cancellationToken);
    }
}
