using CaseStudyAssistant.Answering;

namespace CaseStudyAssistant.OpenAI;

/// <summary>
/// The configured provider resolved to what a client needs: endpoint, key and model names. Every configuration
/// mistake is found here, as one <see cref="LlmException"/> with a hint, before any request is made.
/// </summary>
internal sealed record LlmConnection(string Provider, Uri Endpoint, string ApiKey, string ChatModel, LlmOptions Options)
{
    public static LlmConnection Resolve(LlmOptions options, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var provider = (options.Provider ?? "none").Trim().ToLowerInvariant();
        if (provider == "none")
            throw new LlmException("an embedding model was named but no LLM provider", false, "add --llm openai|azure|ollama|compatible (and --llm-endpoint where needed)");

        string? Env(params string[] names) => names.Select(environment).FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));
        var (endpoint, key, chatModel) = provider switch
        {
            "openai" => (options.Endpoint ?? "https://api.openai.com/v1",
                Env("CSA_LLM_API_KEY", "OPENAI_API_KEY") ?? throw Missing("OPENAI_API_KEY"),
                options.ChatModel ?? "gpt-4o-mini"),
            "azure" => (options.Endpoint ?? throw new LlmException("Azure OpenAI needs its endpoint", false, "--llm-endpoint https://RESOURCE.openai.azure.com/openai/v1/"),
                Env("CSA_LLM_API_KEY", "AZURE_OPENAI_API_KEY") ?? throw Missing("AZURE_OPENAI_API_KEY"),
                options.ChatModel ?? throw new LlmException("Azure OpenAI needs the deployment name of the chat model", false, "--chat-model DEPLOYMENT")),
            "ollama" => (options.Endpoint ?? "http://localhost:11434/v1", Env("CSA_LLM_API_KEY") ?? "ollama", options.ChatModel ?? "llama3.2"),
            "compatible" => (options.Endpoint ?? throw new LlmException("an OpenAI-compatible server needs its endpoint", false, "--llm-endpoint http://HOST:PORT/v1"),
                Env("CSA_LLM_API_KEY") ?? "none",
                options.ChatModel ?? throw new LlmException("name the model the server should use", false, "--chat-model NAME")),
            _ => throw new LlmException($"unknown LLM provider '{options.Provider}'", false, "use --llm openai, azure, ollama or compatible"),
        };
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new LlmException($"the LLM endpoint '{endpoint}' is not an http(s) URL", false, "--llm-endpoint http://HOST:PORT/v1");
        CheckLimits(options);
        return new LlmConnection(provider, uri, key, chatModel, options);

        static LlmException Missing(string variable) =>
            new("no API key for the LLM provider", false, $"set CSA_LLM_API_KEY or {variable} in the environment");
    }

    /// <summary>The resilience settings, checked against what the policies accept.</summary>
    private static void CheckLimits(LlmOptions o)
    {
        static LlmException Bad(string setting, object value, string rule) =>
            new($"Llm:{setting} is {value}, but it must be {rule}", false, $"fix Llm:{setting} (env CSA_LLM__{setting.ToUpperInvariant()})");
        if (o.TimeoutSeconds is < 0.01 or > 86_400) throw Bad(nameof(o.TimeoutSeconds), o.TimeoutSeconds, "between 0.01 and 86400");
        if (o.MaxRetries is < 0 or > 100) throw Bad(nameof(o.MaxRetries), o.MaxRetries, "between 0 and 100");
        if (o.CircuitBreakerFailures is < 0 or 1) throw Bad(nameof(o.CircuitBreakerFailures), o.CircuitBreakerFailures, "0 (off) or at least 2");
        if (o.CircuitBreakSeconds is < 0.5 or > 86_400) throw Bad(nameof(o.CircuitBreakSeconds), o.CircuitBreakSeconds, "between 0.5 and 86400");
        if (o.MaxToolRounds < 1) throw Bad(nameof(o.MaxToolRounds), o.MaxToolRounds, "at least 1");
    }
}
