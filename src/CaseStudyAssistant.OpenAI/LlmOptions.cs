namespace CaseStudyAssistant.OpenAI;

/// <summary>Which language model answers (configuration section <c>Llm</c>; flags --llm, --llm-endpoint, --chat-model, --embedding-model).</summary>
public sealed class LlmOptions
{
    /// <summary>none (offline, the default), openai, azure, ollama or compatible (any OpenAI-compatible server).</summary>
    public string Provider { get; set; } = "none";
    /// <summary>Base URL; OpenAI's and Ollama's are the defaults, Azure needs https://RESOURCE.openai.azure.com/openai/v1/.</summary>
    public string? Endpoint { get; set; }
    /// <summary>Model (Azure: deployment) that writes answers.</summary>
    public string? ChatModel { get; set; }
    /// <summary>Embedding model; when unset, embeddings stay offline.</summary>
    public string? EmbeddingModel { get; set; }
    /// <summary>Requested embedding size (models that support it); when unset, the model's own.</summary>
    public int? EmbeddingDimensions { get; set; }
    /// <summary>How long one attempt may wait for the server to start answering.</summary>
    public double TimeoutSeconds { get; set; } = 60;
    /// <summary>Retries after a timeout, 429 or 5xx (0: one attempt only).</summary>
    public int MaxRetries { get; set; } = 3;
    /// <summary>
    /// The circuit opens when at least this many attempts were made within a minute and half of them failed
    /// (timeouts, 429, 5xx); while it is open, calls fail at once (0 turns the breaker off).
    /// </summary>
    public int CircuitBreakerFailures { get; set; } = 6;
    /// <summary>How long an open circuit stays open before one call is let through to test the endpoint.</summary>
    public double CircuitBreakSeconds { get; set; } = 30;
    /// <summary>At most this many model round trips that call tools (functions) within one request.</summary>
    public int MaxToolRounds { get; set; } = 5;

    public bool Enabled => !string.IsNullOrWhiteSpace(Provider) && !Provider.Equals("none", StringComparison.OrdinalIgnoreCase);
}
