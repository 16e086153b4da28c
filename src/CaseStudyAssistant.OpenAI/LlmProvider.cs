using CaseStudyAssistant.Configuration;
using System.ClientModel;
using System.ClientModel.Primitives;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using global::OpenAI;

namespace CaseStudyAssistant.OpenAI;

/// <summary>
/// The chat client and (optionally) the embedding generator for the configured provider: Microsoft.Extensions.AI's
/// clients over the official OpenAI SDK (OpenAI, Azure OpenAI's v1 endpoint, Ollama and any compatible server),
/// composed with <see cref="ChatClientBuilder"/>. From the outside in: function invocation (bounded), OpenTelemetry
/// (GenAI semantic conventions, under <see cref="Telemetry.Name"/>), logging, and the translation of failures; the
/// HTTP resilience policy (<see cref="LlmResilience"/>) sits under the SDK.
/// </summary>
internal sealed class LlmProvider : IDisposable
{
    private readonly HttpClient _http;

    public IChatClient Chat { get; }
    public IEmbeddingGenerator<string, Embedding<float>>? Embeddings { get; }
    public string Provider { get; }
    public Uri Endpoint { get; }

    private LlmProvider(string provider, Uri endpoint, HttpClient http, IChatClient chat, IEmbeddingGenerator<string, Embedding<float>>? embeddings)
    {
        Provider = provider; Endpoint = endpoint; _http = http; Chat = chat; Embeddings = embeddings;
    }

    public static LlmProvider Create(LlmOptions options, Secrets? secrets = null, ILoggerFactory? loggers = null) =>
        Create(LlmConnection.Resolve(options, secrets), loggers);

    internal static LlmProvider Create(LlmConnection connection, ILoggerFactory? loggers)
    {
        loggers ??= NullLoggerFactory.Instance;
        var options = connection.Options;
        var http = LlmResilience.HttpClient(options);
        var clientOptions = new OpenAIClientOptions
        {
            Endpoint = connection.Endpoint,
            Transport = new HttpClientPipelineTransport(http),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0), // retries are the HTTP policy's
            NetworkTimeout = LlmResilience.Budget(options),
        };
        // Azure's v1 endpoint also takes the key in its own header.
        if (connection.Provider == "azure") clientOptions.AddPolicy(new HeaderPolicy("api-key", connection.ApiKey), PipelinePosition.PerCall);
        var client = new OpenAIClient(new ApiKeyCredential(connection.ApiKey), clientOptions);

        var chat = new ChatClientBuilder(client.GetChatClient(connection.ChatModel).AsIChatClient())
            .UseFunctionInvocation(loggers, f => f.MaximumIterationsPerRequest = options.MaxToolRounds)
            .UseOpenTelemetry(loggers, Telemetry.Name)
            .UseLogging(loggers)
            .Use(inner => new LlmFailureChatClient(inner, new LlmFailures(connection.Endpoint, connection.ChatModel, options)))
            .Build();

        IEmbeddingGenerator<string, Embedding<float>>? embeddings = null;
        if (options.EmbeddingModel is { Length: > 0 } embeddingModel)
            embeddings = new EmbeddingGeneratorBuilder<string, Embedding<float>>(client.GetEmbeddingClient(embeddingModel).AsIEmbeddingGenerator(options.EmbeddingDimensions))
                .UseOpenTelemetry(loggers, Telemetry.Name)
                .UseLogging(loggers)
                .Use(inner => new LlmFailureEmbeddingGenerator(inner, new LlmFailures(connection.Endpoint, embeddingModel, options)))
                .Build();
        return new LlmProvider(connection.Provider, connection.Endpoint, http, chat, embeddings);
    }

    public void Dispose()
    {
        Chat.Dispose();
        Embeddings?.Dispose();
        _http.Dispose();
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
