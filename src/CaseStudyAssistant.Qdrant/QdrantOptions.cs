namespace CaseStudyAssistant.Qdrant;

/// <summary>Settings of the Qdrant store (configuration section <c>Index:Qdrant</c>).</summary>
public sealed class QdrantOptions
{
    public string Url { get; set; } = "http://localhost:6333";
    /// <summary>The alias readers use; each rebuild creates a new versioned collection behind it.</summary>
    public string Collection { get; set; } = "case_studies";
    /// <summary>Sent as the <c>api-key</c> header. Read from the environment only (QDRANT_API_KEY or CSA_INDEX__QDRANT__APIKEY).</summary>
    public string? ApiKey { get; set; }
    public double TimeoutSeconds { get; set; } = 30;
    public int MaxRetries { get; set; } = 4;
    /// <summary>Points per upsert request (Qdrant limits a request body to 32 MiB).</summary>
    public int BatchSize { get; set; } = 128;
    public int ShardNumber { get; set; } = 1;
    public int ReplicationFactor { get; set; } = 1;
    public int WriteConsistencyFactor { get; set; } = 1;
}
