using System.ClientModel;
using System.ClientModel.Primitives;
using CaseStudyAssistant.Answering;
using Microsoft.Extensions.AI;
using global::OpenAI;

namespace CaseStudyAssistant.OpenAI;

/// <summary>Builds the chat client and (optionally) the embedding generator for the configured provider.</summary>
public sealed class LlmProvider
{
    public IChatClient? Chat { get; }
    public IEmbeddingGenerator<string, Embedding<float>>? Embeddings { get; }
    public string Provider { get; }
    public Uri Endpoint { get; }

    private LlmProvider(string provider, Uri endpoint, IChatClient? chat, IEmbeddingGenerator<string, Embedding<float>>? embeddings)
    {
        Provider = provider; Endpoint = endpoint; Chat = chat; Embeddings = embeddings;
    }

    public static LlmProvider Create(LlmOptions options, Func<string, string?>? environment = null)
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

        var clientOptions = new OpenAIClientOptions
        {
            Endpoint = uri,
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0), // retries are ours (LlmResilience)
            NetworkTimeout = TimeSpan.FromSeconds(options.TimeoutSeconds + 5),
        };
        // Azure's v1 endpoint also takes the key in its own header.
        if (provider == "azure") clientOptions.AddPolicy(new HeaderPolicy("api-key", key), PipelinePosition.PerCall);
        var client = new OpenAIClient(new ApiKeyCredential(key), clientOptions);

        var chat = new OpenAIChatClient(client.GetChatClient(chatModel), chatModel, provider, uri, new LlmResilience(options, uri.ToString(), chatModel));
        IEmbeddingGenerator<string, Embedding<float>>? embeddings = options.EmbeddingModel is { Length: > 0 } embeddingModel
            ? new OpenAIEmbeddingGenerator(client.GetEmbeddingClient(embeddingModel), embeddingModel, options.EmbeddingDimensions, provider, uri, new LlmResilience(options, uri.ToString(), embeddingModel))
            : null;
        return new LlmProvider(provider, uri, chat, embeddings);

        static LlmException Missing(string variable) =>
            new($"no API key for the LLM provider", false, $"set CSA_LLM_API_KEY or {variable} in the environment");
    }

    private sealed class HeaderPolicy(string name, string value) : PipelinePolicy
    {
        public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            message.Request.Headers.Set(name, value);
            ProcessNext(message, pipeline, currentIndex);
        }

        public override ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            message.Request.Headers.Set(name, value);
            return ProcessNextAsync(message, pipeline, currentIndex);
        }
    }
}
