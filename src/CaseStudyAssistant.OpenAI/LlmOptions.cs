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
    /// <summary>Read from the environment only: CSA_LLM_API_KEY, or the provider's usual variable.</summary>
    public string? ApiKey { get; set; }
    public double TimeoutSeconds { get; set; } = 60;
    public int MaxRetries { get; set; } = 3;

    public bool Enabled => !string.IsNullOrWhiteSpace(Provider) && !Provider.Equals("none", StringComparison.OrdinalIgnoreCase);
}
