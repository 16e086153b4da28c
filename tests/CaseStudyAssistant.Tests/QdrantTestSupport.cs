using System.Diagnostics;
using System.Text;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Qdrant.Client;

namespace CaseStudyAssistant.Tests;

/// <summary>
/// Direct calls through the official client for the tests' own checks and clean-up (alias targets, collections),
/// independent of the store under test.
/// </summary>
public sealed class QdrantAdmin : IDisposable
{
    private readonly QdrantClient _client;

    public QdrantAdmin(string url, string? apiKey = null) => _client = new QdrantClient(new Uri(url), apiKey, TimeSpan.FromSeconds(15));

    /// <summary>The collection <paramref name="alias"/> points at, or null.</summary>
    public async Task<string?> AliasTargetAsync(string alias) =>
        (await _client.ListAliasesAsync()).FirstOrDefault(a => a.AliasName == alias)?.CollectionName;

    public async Task<List<string>> CollectionsAsync() => (await _client.ListCollectionsAsync()).Order(StringComparer.Ordinal).ToList();

    /// <summary>Collections built for <paramref name="alias"/>: the store names them <c>alias-timestamp</c>.</summary>
    public async Task<List<string>> CollectionsOfAsync(string alias) =>
        (await CollectionsAsync()).Where(c => c.StartsWith(alias + "-", StringComparison.Ordinal)).ToList();

    /// <summary>Exact number of points in a collection (or alias).</summary>
    public async Task<long> CountAsync(string collection) => (long)await _client.CountAsync(collection, exact: true);

    public async Task DeleteCollectionAsync(string name)
    {
        try { await _client.DeleteCollectionAsync(name); }
        catch (QdrantException) { } // the server answered false: there was no such collection
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound) { }
    }

    /// <summary>Deletes the alias's target and every other collection built for it (which also removes the alias).</summary>
    public async Task DropAllAsync(string alias)
    {
        var names = new HashSet<string>(await CollectionsOfAsync(alias), StringComparer.Ordinal);
        if (await AliasTargetAsync(alias) is { } target) names.Add(target);
        foreach (var name in names) await DeleteCollectionAsync(name);
    }

    public void Dispose() => _client.Dispose();
}

/// <summary>
/// The Qdrant contract emulator (../shared/qdrant/emulator) as a child process serving REST and gRPC on free ports,
/// killed on dispose. <see cref="Url"/> is the gRPC endpoint, the one the store speaks.
/// </summary>
public sealed class QdrantEmulator : IDisposable
{
    public const string ScriptRelative = "qdrant/emulator/qdrant_emulator.py";
    private readonly Process _process;
    private readonly StringBuilder _stderr;

    /// <summary>The gRPC endpoint, http://127.0.0.1:port.</summary>
    public string Url { get; }

    /// <summary>The REST endpoint of the same store.</summary>
    public string RestUrl { get; }

    private QdrantEmulator(Process process, string url, string restUrl, StringBuilder stderr)
    {
        _process = process;
        Url = url;
        RestUrl = restUrl;
        _stderr = stderr;
    }

    /// <summary>Starts the emulator with extra flags (e.g. <c>--fail-every 3</c>) and waits for both "listening" lines.</summary>
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
        foreach (var f in new[] { "--port", "0", "--grpc-port", "0" }.Concat(flags)) psi.ArgumentList.Add(f);
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start python3");
        var stderr = new StringBuilder();
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
        process.BeginErrorReadLine();
        try
        {
            string ReadLine(string prefix)
            {
                var next = process.StandardOutput.ReadLineAsync();
                if (!next.Wait(TimeSpan.FromSeconds(20)) || next.Result is not { } line)
                    throw new InvalidOperationException($"the Qdrant emulator did not start: {(process.HasExited ? $"exit {process.ExitCode}" : "no output in 20 s")}\n{stderr}");
                if (!line.StartsWith(prefix, StringComparison.Ordinal))
                    throw new InvalidOperationException($"unexpected line from the Qdrant emulator: {line}");
                return line[prefix.Length..].Trim();
            }
            var rest = ReadLine("qdrant-emulator listening on ");
            var grpc = ReadLine("qdrant-emulator grpc listening on ");
            _ = process.StandardOutput.ReadToEndAsync(); // keep the pipe drained
            return new QdrantEmulator(process, "http://" + grpc, rest, stderr);
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
/// A fact that starts its own Qdrant emulator: needs ../shared/qdrant/emulator and a python3 that has grpcio and
/// protobuf (Debian's python3-grpcio and python3-protobuf, which only /usr/bin/python3 sees); skipped otherwise.
/// </summary>
public sealed class EmulatorFactAttribute : FactAttribute
{
    public EmulatorFactAttribute()
    {
        if (!Repo.SharedExists(QdrantEmulator.ScriptRelative))
            Skip = $"needs the Qdrant contract emulator (../shared/{QdrantEmulator.ScriptRelative}, beside the folder holding CaseStudyAssistant.sln): not present";
        else if (Python is null)
            Skip = "needs a python3 with grpcio and protobuf to serve the Qdrant contract emulator's gRPC API (Debian: apt-get install -y python3-grpcio python3-protobuf)";
    }

    /// <summary>/usr/bin/python3 first (where Debian's packages are), then python3 on PATH; the first that imports grpc.</summary>
    private static readonly Lazy<string?> FoundPython = new(() =>
        new[] { "/usr/bin/python3" }
            .Concat((Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                .Select(dir => Path.Combine(dir, OperatingSystem.IsWindows() ? "python3.exe" : "python3")))
            .Where(File.Exists).Distinct().FirstOrDefault(HasGrpc));

    private static bool HasGrpc(string python)
    {
        try
        {
            var psi = new ProcessStartInfo(python) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add("import grpc, google.protobuf");
            using var process = Process.Start(psi)!;
            if (!process.WaitForExit(20_000)) { process.Kill(); return false; }
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception) { return false; }
    }

    public static string? Python => FoundPython.Value;
}

/// <summary>
/// A Qdrant that answers calls from a function: the function gets the method (<c>qdrant.Collections/ListAliases</c>)
/// and the request, and returns the reply, throws an <see cref="RpcException"/>, or returns null to pass the call on
/// to the network (when there is a server behind).
/// </summary>
public sealed class StubQdrant(Func<string, object, object?> answer) : Interceptor
{
    public List<string> Calls { get; } = [];

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context,
        AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        var method = context.Method.FullName.TrimStart('/');
        lock (Calls) Calls.Add(method);
        Task<TResponse> response;
        try
        {
            if (answer(method, request) is not { } reply) return continuation(request, context);
            response = Task.FromResult((TResponse)reply);
        }
        catch (RpcException e) { response = Task.FromException<TResponse>(e); }
        return new AsyncUnaryCall<TResponse>(response, Task.FromResult(new Metadata()), () => Status.DefaultSuccess, () => new Metadata(), () => { });
    }

    public static RpcException Fail(StatusCode code, string detail) => new(new Status(code, detail));
}

/// <summary>
/// Passes calls to the real server but fails one chosen call itself, e.g. to break a rebuild half-way (the Nth
/// upsert, or the alias switch). The predicate gets the method (<c>qdrant.Points/Upsert</c>) and the call's number.
/// </summary>
public sealed class FailingCalls(Func<string, int, bool> failThis, StatusCode status = StatusCode.InvalidArgument) : Interceptor
{
    private int _count;
    private int _failed;
    public int Failed => Volatile.Read(ref _failed);

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(TRequest request, ClientInterceptorContext<TRequest, TResponse> context,
        AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        if (!failThis(context.Method.FullName.TrimStart('/'), Interlocked.Increment(ref _count))) return continuation(request, context);
        Interlocked.Increment(ref _failed);
        var error = StubQdrant.Fail(status, "Bad request: injected by the test");
        return new AsyncUnaryCall<TResponse>(Task.FromException<TResponse>(error), Task.FromResult(new Metadata()), () => error.Status, () => new Metadata(), () => { });
    }

    /// <summary>Calls that change something (everything but reads).</summary>
    public static bool IsWrite(string method) => method is not ("qdrant.Qdrant/HealthCheck" or "qdrant.Collections/ListAliases" or "qdrant.Collections/Get"
        or "qdrant.Collections/List" or "qdrant.Points/Scroll" or "qdrant.Points/Count" or "qdrant.Points/Get" or "qdrant.Points/Query" or "qdrant.Points/QueryBatch");
}
