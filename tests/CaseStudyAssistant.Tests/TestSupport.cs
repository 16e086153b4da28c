using System.Diagnostics;
using System.Text;
using CaseStudyAssistant.Configuration;
using CaseStudyAssistant.Hosting;
using Microsoft.Extensions.Configuration;
using CaseStudyAssistant.Indexing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace CaseStudyAssistant.Tests;

/// <summary>A fresh folder under the system temp folder, deleted (with everything in it) on dispose.</summary>
public sealed class TempDir : IDisposable
{
    public string Path { get; }

    public TempDir(string? prefix = null)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"csa-tests-{prefix ?? "t"}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    /// <summary>Full path of <paramref name="relative"/> inside this folder (forward slashes allowed).</summary>
    public string File(string relative) => System.IO.Path.Combine(Path, relative.Replace('/', System.IO.Path.DirectorySeparatorChar));

    public string Sub(string relative)
    {
        var dir = File(relative);
        Directory.CreateDirectory(dir);
        return dir;
    }

    public string Write(string relative, string content)
    {
        var path = File(relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        System.IO.File.WriteAllText(path, content, new UTF8Encoding(false));
        return path;
    }

    public string WriteBytes(string relative, byte[] content)
    {
        var path = File(relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        System.IO.File.WriteAllBytes(path, content);
        return path;
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        for (var attempt = 0; attempt < 5; attempt++)
        {
            try
            {
                if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
                return;
            }
            catch (IOException) { Thread.Sleep(50); }
            catch (UnauthorizedAccessException) { Thread.Sleep(50); }
        }
    }
}

/// <summary>Builds study files in the front-matter format.</summary>
public static class StudyFile
{
    public static string Markdown(
        string? id, string title, string company, IEnumerable<(string Heading, string Text)> sections,
        int? year = 2023, string? industry = null, string? category = null, IEnumerable<string>? tags = null, string? url = null)
    {
        var sb = new StringBuilder();
        sb.Append("---\n");
        if (id is not null) sb.Append($"id: {id}\n");
        sb.Append($"title: \"{title.Replace("\"", "\\\"")}\"\n");
        sb.Append($"company: {company}\n");
        if (industry is not null) sb.Append($"industry: {industry}\n");
        if (category is not null) sb.Append($"category: {category}\n");
        if (year is not null) sb.Append($"year: {year}\n");
        if (tags is not null) sb.Append($"tags: [{string.Join(", ", tags)}]\n");
        if (url is not null) sb.Append($"source_url: {url}\n");
        sb.Append("---\n\n");
        sb.Append($"# {title}\n");
        foreach (var (heading, text) in sections) sb.Append($"\n## {heading}\n{text}\n");
        return sb.ToString();
    }

    /// <summary>A minimal valid note with one section.</summary>
    public static string Simple(string id, string title, string company, string text, int? year = 2023) =>
        Markdown(id, title, company, [("Problem", text)], year);
}

/// <summary>Paths of the repository and of the optional sibling <c>../shared</c> folder.</summary>
public static class Repo
{
    private static readonly Lazy<string?> SolutionDirectory = new(() =>
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (System.IO.File.Exists(System.IO.Path.Combine(dir.FullName, "CaseStudyAssistant.sln"))) return dir.FullName;
        }
        return null;
    });

    /// <summary>The folder holding CaseStudyAssistant.sln.</summary>
    public static string Root => SolutionDirectory.Value ?? throw new InvalidOperationException("CaseStudyAssistant.sln not found above " + AppContext.BaseDirectory);

    /// <summary>The sibling <c>../shared</c> folder, or null when there is no solution folder to start from.</summary>
    public static string? SharedDir => SolutionDirectory.Value is { } root ? System.IO.Path.GetFullPath(System.IO.Path.Combine(root, "..", "shared")) : null;

    public static string Shared(string relative) =>
        System.IO.Path.Combine(SharedDir ?? throw new InvalidOperationException("no ../shared"), relative.Replace('/', System.IO.Path.DirectorySeparatorChar));

    public static bool SharedExists(string relative)
    {
        if (SharedDir is not { } dir || !Directory.Exists(dir)) return false;
        if (relative.Length == 0) return true;
        var path = Shared(relative);
        return System.IO.File.Exists(path) || Directory.Exists(path);
    }
}

/// <summary>
/// A fact that needs the sibling <c>../shared</c> folder (reference data that is not part of this repository).
/// xunit 2 has no dynamic skip, so the attribute itself sets <see cref="FactAttribute.Skip"/> when the folder is absent.
/// </summary>
public sealed class SharedFactAttribute : FactAttribute
{
    public SharedFactAttribute(string relativePath = "")
    {
        if (!Repo.SharedExists(relativePath))
            Skip = $"needs ../shared ({(relativePath.Length == 0 ? "the folder" : relativePath)}, beside the folder holding CaseStudyAssistant.sln): not present";
    }
}

/// <summary>
/// One vector cache for every test of a run (and the runs after it), outside the user's own cache: each text is
/// embedded once, however many tests index it.
/// </summary>
public static class TestCache
{
    public static readonly string Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "csa-tests-cache", "embeddings.db");
}

/// <summary>Wires the pipeline through the composition root the CLI and the web app use, around a temp index file.</summary>
public static class Pipeline
{
    public static ServiceProvider Build(string indexPath, Action<CsaSettings>? configure = null, Action<IServiceCollection>? before = null,
        Dictionary<string, string?>? settings = null)
    {
        var values = new Dictionary<string, string?> { ["Index:Path"] = indexPath, ["Embedding:CachePath"] = TestCache.Path };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) values[key] = value;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection();
        before?.Invoke(services);
        services.AddCaseStudyAssistant(configuration, new Secrets(_ => null));
        if (configure is not null) services.PostConfigure(configure);
        var provider = services.BuildServiceProvider();
        provider.ValidateSettings();
        return provider;
    }

    /// <summary>Chunk ids and texts as stored in an embedded index file, read with plain SQL.</summary>
    public static List<(string Id, string StudyId, string Text)> StoredChunks(string indexPath)
    {
        var cs = new SqliteConnectionStringBuilder { DataSource = indexPath, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString();
        using var c = new SqliteConnection(cs);
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT id, study_id, text FROM chunks ORDER BY id";
        using var r = cmd.ExecuteReader();
        var list = new List<(string, string, string)>();
        while (r.Read()) list.Add((r.GetString(0), r.GetString(1), r.GetString(2)));
        return list;
    }

    public static string FileHash(string path) => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.IO.File.ReadAllBytes(path)));
}

/// <summary>
/// The default embedding model, but failing after a given number of calls (a crash in the middle of an ingest).
/// Use it with a vector cache of the test's own, or cached texts never reach it.
/// </summary>
public sealed class FailingEmbeddingGenerator(int succeedCalls) : IEmbeddingGenerator<string, Embedding<float>>
{
    private readonly IEmbeddingGenerator<string, Embedding<float>> _inner = CaseStudyAssistant.Embedding.LocalEmbeddingModels.Shared(CaseStudyAssistant.Embedding.LocalEmbeddingModels.Default);
    public int Calls { get; private set; }

    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (++Calls > succeedCalls) throw new InvalidOperationException($"simulated embedding failure on call {Calls}");
        return await _inner.GenerateAsync(values, options, cancellationToken);
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceType.IsInstanceOfType(this) ? this : _inner.GetService(serviceType, serviceKey);

    public void Dispose() => _inner.Dispose();
}

public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}

/// <summary>Runs the built CLI (csa.dll) with <c>dotnet</c>, as a user would.</summary>
public static class Cli
{
    private static readonly Lazy<string> Dll = new(() =>
    {
        var beside = Path.Combine(AppContext.BaseDirectory, "csa.dll");
        if (File.Exists(beside)) return beside;
        var cliBin = Path.Combine(Repo.Root, "src", "CaseStudyAssistant.Cli", "bin");
        var found = Directory.Exists(cliBin)
            ? Directory.EnumerateFiles(cliBin, "csa.dll", SearchOption.AllDirectories).OrderByDescending(File.GetLastWriteTimeUtc).FirstOrDefault()
            : null;
        return found ?? throw new FileNotFoundException("csa.dll not found beside the test assembly or under src/CaseStudyAssistant.Cli/bin");
    });

    public static string DllPath => Dll.Value;

    private static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    public static ProcessStartInfo StartInfo(string workingDirectory, IDictionary<string, string>? env, params string[] args)
    {
        var psi = new ProcessStartInfo(DotnetHost)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        psi.ArgumentList.Add(DllPath);
        foreach (var a in args) psi.ArgumentList.Add(a);
        // The user's own CSA_ and OpenTelemetry settings must not leak into the tests.
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("CSA_", StringComparison.OrdinalIgnoreCase) || k.StartsWith("OTEL_", StringComparison.Ordinal)).ToList())
            psi.Environment.Remove(key);
        psi.Environment["CI"] = "true";
        psi.Environment["CSA_EMBEDDING__CACHEPATH"] = TestCache.Path;
        psi.Environment["NO_COLOR"] = "1";
        if (env is not null) foreach (var (k, v) in env) psi.Environment[k] = v;
        return psi;
    }

    public static CliResult Run(string workingDirectory, IDictionary<string, string>? env, params string[] args)
    {
        using var p = Process.Start(StartInfo(workingDirectory, env, args))!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(300)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"csa {string.Join(' ', args)} did not finish in 300 s");
        }
        p.WaitForExit();
        return new CliResult(p.ExitCode, stdout.Result, stderr.Result);
    }

    public static CliResult Run(string workingDirectory, params string[] args) => Run(workingDirectory, null, args);
}
