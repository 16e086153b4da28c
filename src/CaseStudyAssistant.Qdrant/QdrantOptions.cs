namespace CaseStudyAssistant.Qdrant;

/// <summary>Settings of the Qdrant store (configuration section <c>Index:Qdrant</c>).</summary>
public sealed class QdrantOptions
{
    /// <summary>Qdrant's gRPC endpoint (port 6334); <c>https://</c> turns TLS on.</summary>
    public string Url { get; set; } = "http://localhost:6334";
    /// <summary>The alias readers use; each rebuild creates a new versioned collection behind it.</summary>
    public string Collection { get; set; } = "case_studies";
    /// <summary>Sent as <c>api-key</c> metadata. Read from the environment only (QDRANT_API_KEY or CSA_INDEX__QDRANT__APIKEY).</summary>
    public string? ApiKey { get; set; }
    /// <summary>
    /// With an <c>https://</c> URL: the SHA-256 thumbprint (hex) of a self-signed server certificate to trust.
    /// Unset, the certificate must chain to a trusted root as usual.
    /// </summary>
    public string? CertificateThumbprint { get; set; }
    /// <summary>Deadline of each attempt of each call.</summary>
    public double TimeoutSeconds { get; set; } = 30;
    public int MaxRetries { get; set; } = 4;
    /// <summary>Points per upsert request (Qdrant limits a request to 32 MiB by default).</summary>
    public int BatchSize { get; set; } = 128;
    public int ShardNumber { get; set; } = 1;
    public int ReplicationFactor { get; set; } = 1;
    public int WriteConsistencyFactor { get; set; } = 1;
}
