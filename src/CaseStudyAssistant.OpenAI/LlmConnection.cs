using CaseStudyAssistant.Answering;
using CaseStudyAssistant.Configuration;

namespace CaseStudyAssistant.OpenAI;

/// <summary>
/// The configured provider resolved to what a client needs: endpoint, key and model names. Every configuration
/// mistake is found here, as one <see cref="LlmException"/> with a hint, before any request is made.
/// </summary>
internal sealed record LlmConnection(string Provider, Uri Endpoint, string ApiKey, string ChatModel, LlmOptions Options)
{
    public static LlmConnection Resolve(LlmOptions options, Secrets? secrets = null)
    {
        secrets ??= Secrets.FromEnvironment;
        var provider = (options.Provider ?? "none").Trim().ToLowerInvariant();
        if (provider == "none")
            throw new LlmException("an embedding model was named but no LLM provider", false, "add --llm openai|azure|ollama|compatible (and --llm-endpoint where needed)");

        var (endpoint, key, chatModel) = provider switch
        {
            "openai" => (options.Endpoint ?? "https://api.openai.com/v1",
                secrets.LlmKey("OPENAI_API_KEY") ?? throw Missing("OPENAI_API_KEY"),
                options.ChatModel ?? "gpt-4o-mini"),
            "azure" => (options.Endpoint ?? throw new LlmException("Azure OpenAI needs its endpoint", false, "--llm-endpoint https://RESOURCE.openai.azure.com/openai/v1/"),
                secrets.LlmKey("AZURE_OPENAI_API_KEY") ?? throw Missing("AZURE_OPENAI_API_KEY"),
                options.ChatModel ?? throw new LlmException("Azure OpenAI needs the deployment name of the chat model", false, "--chat-model DEPLOYMENT")),
            "ollama" => (options.Endpoint ?? "http://localhost:11434/v1", secrets.LlmKey() ?? "ollama", options.ChatModel ?? "llama3.2"),
            "compatible" => (options.Endpoint ?? throw new LlmException("an OpenAI-compatible server needs its endpoint", false, "--llm-endpoint http://HOST:PORT/v1"),
                secrets.LlmKey() ?? "none",
                options.ChatModel ?? throw new LlmException("name the model the server should use", false, "--chat-model NAME")),
            _ => throw new LlmException($"unknown LLM provider '{options.Provider}'", false, "use --llm openai, azure, ollama or compatible"),
        };
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new LlmException($"the LLM endpoint '{endpoint}' is not an http(s) URL", false, "--llm-endpoint http://HOST:PORT/v1");
        return new LlmConnection(provider, uri, key, chatModel, options);

        static LlmException Missing(string variable) =>
            new("no API key for the LLM provider", false, $"set CSA_LLM_API_KEY or {variable} in the environment");
    }
}
