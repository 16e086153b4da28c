using CaseStudyAssistant.Configuration;
using CaseStudyAssistant.Answering;
using CaseStudyAssistant.Indexing;
using CaseStudyAssistant.OpenAI;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace CaseStudyAssistant.Tests;

/// <summary>Provider configuration, the embeddings endpoint, and embeddings from the model in the pipeline.</summary>
public sealed class LlmProviderTests
{
    [Fact]
    public async Task Embedding_generator_returns_vectors_of_the_requested_size_named_after_the_model()
    {
        await using var server = await FakeOpenAIServer.StartAsync();
        var options = LlmRig.OptionsFor(server);
        options.EmbeddingModel = "emb-model";
        options.EmbeddingDimensions = 24;
        var embeddings = LlmProvider.Create(options, new Secrets(_ => null)).Embeddings!;

        var result = await embeddings.GenerateAsync(["alpha", "beta", "gamma"]);

        Assert.Equal(3, result.Count);
        Assert.All(result, e => Assert.Equal(24, e.Vector.Length));
        Assert.All(result, e => Assert.Equal("emb-model", e.ModelId));
        Assert.Equal(FakeOpenAIServer.Vector("beta", 24), result[1].Vector.ToArray());
        Assert.Equal(123, result.Usage!.InputTokenCount);
        var metadata = embeddings.GetService<EmbeddingGeneratorMetadata>()!;
        Assert.Equal(("emb-model", 24), (metadata.DefaultModelId, metadata.DefaultModelDimensions));
        var request = server.EmbeddingRequests.Single();
        Assert.Equal("/v1/embeddings", request.Path);
        Assert.Equal("emb-model", request.Model);
        Assert.Equal(["alpha", "beta", "gamma"], request.Input);
        Assert.Equal(24, request.Field("dimensions")!.GetValue<int>());
    }

    [Fact]
    public async Task Embedding_generator_takes_the_size_the_server_returns_when_none_is_requested()
    {
        await using var server = await FakeOpenAIServer.StartAsync();
        server.EnqueueEmbeddings(FakeReply.Embeddings(12));
        var options = LlmRig.OptionsFor(server);
        options.EmbeddingModel = "emb-model";
        var embeddings = LlmProvider.Create(options, new Secrets(_ => null)).Embeddings!;

        var result = await embeddings.GenerateAsync(["one"]);

        Assert.Equal(12, result.Single().Vector.Length);
        Assert.Null(server.EmbeddingRequests.Single().Field("dimensions"));
    }

    [Fact]
    public async Task Embedding_failure_is_translated_like_chat_failures()
    {
        await using var server = await FakeOpenAIServer.StartAsync();
        server.EnqueueEmbeddings(FakeReply.Error(404, "no such embedding model"));
        var options = LlmRig.OptionsFor(server);
        options.EmbeddingModel = "emb-missing";
        var embeddings = LlmProvider.Create(options, new Secrets(_ => null)).Embeddings!;

        var e = await Assert.ThrowsAsync<LlmException>(() => embeddings.GenerateAsync(["one"]));

        Assert.False(e.Transient);
        Assert.Contains("emb-missing", e.Message);
        Assert.Contains("--embedding-model", e.Hint);
    }

    [Fact]
    public async Task Named_embedding_model_replaces_the_offline_embeddings_for_ingest_and_questions()
    {
        using var dir = new TempDir("llm-embed");
        await using var server = await FakeOpenAIServer.StartAsync();
        var options = LlmRig.OptionsFor(server);
        options.EmbeddingModel = "emb-model";
        options.EmbeddingDimensions = 32;
        await using var services = Pipeline.Build(dir.File("index.db"), s => { s.Retrieval.DenseWeight = 1.0; s.Embedding.CachePath = dir.File("own-cache.db"); }, s => s.AddLlm(options, new Secrets(_ => null)));
        server.When(PromptFiles.IsAnswer, FakeReply.Text(LlmAnswerTests.GroundedReply));

        var report = await services.GetRequiredService<Ingestor>().IngestAsync([LlmCorpus.Write(dir)], rebuild: false);
        var answer = await services.GetRequiredService<Assistant>().AskAsync(LlmAnswerTests.VoiceLabQuestion);

        Assert.Equal(LlmCorpus.Studies.Length, report.Added);
        var requests = server.EmbeddingRequests;
        Assert.True(requests.Count >= 2);
        Assert.All(requests, r => Assert.Equal("emb-model", r.Model));
        Assert.Equal(report.Chunks, requests.Take(requests.Count - 1).Sum(r => r.Input.Count));
        Assert.Equal([LlmAnswerTests.VoiceLabQuestion], requests[^1].Input);
        Assert.Equal(AnswerModes.Llm, answer.Mode);
        Assert.Equal(LlmCorpus.VoiceLab, answer.Citations.Single().DocId);
        Assert.Contains(answer.Retrieved, r => r.DenseRank is not null);
    }

    [Fact]
    public async Task Azure_sends_the_key_in_its_own_header_and_the_deployment_as_model()
    {
        await using var server = await FakeOpenAIServer.StartAsync();
        server.Enqueue(FakeReply.Text("pong"));
        var chat = LlmProvider.Create(new LlmOptions { Provider = "azure", Endpoint = server.V1, ChatModel = "my-deployment", MaxRetries = 1 },
            new Secrets(name => name == "AZURE_OPENAI_API_KEY" ? "az-key" : null)).Chat!;

        await chat.GetResponseAsync([new ChatMessage(ChatRole.User, "ping")]);

        var request = server.Requests.Single();
        Assert.Equal("az-key", request.Header("api-key"));
        Assert.Equal("my-deployment", request.Model);
    }

    /// <summary>
    /// Regression test (bug fixed in cc9aad6): MaxRetries = 0 used to reach Polly as MaxRetryAttempts = 0,
    /// which it rejects, so LlmProvider.Create threw a ValidationException and csa exited 2.
    /// </summary>
    [Fact]
    public async Task MaxRetries_zero_means_one_attempt_without_retries()
    {
        await using var server = await FakeOpenAIServer.StartAsync();
        server.Enqueue(FakeReply.Error(503), FakeReply.Text("too late"));
        var chat = LlmProvider.Create(LlmRig.OptionsFor(server, maxRetries: 0), new Secrets(_ => null)).Chat!;

        var e = await Assert.ThrowsAsync<LlmException>(() => chat.GetResponseAsync([new ChatMessage(ChatRole.User, "ping")]));

        Assert.True(e.Transient);
        Assert.Single(server.ChatRequests);
    }

    public static TheoryData<string, string?, string?, string?, string, string> BadConfigurations => new()
    {
        // provider, endpoint, chat model, env key, expected in message, expected in hint
        { "bogus", null, null, null, "unknown LLM provider 'bogus'", "--llm openai" },
        { "compatible", null, "m", null, "needs its endpoint", "--llm-endpoint" },
        { "compatible", "http://127.0.0.1:9/v1", null, null, "name the model", "--chat-model" },
        { "compatible", "ftp://example.com/v1", "m", null, "not an http(s) URL", "--llm-endpoint" },
        { "azure", null, "dep", "AZURE_OPENAI_API_KEY", "needs its endpoint", "--llm-endpoint" },
        { "azure", "https://r.openai.azure.com/openai/v1/", null, "AZURE_OPENAI_API_KEY", "deployment name", "--chat-model" },
        { "azure", "https://r.openai.azure.com/openai/v1/", "dep", null, "no API key", "AZURE_OPENAI_API_KEY" },
        { "openai", null, null, null, "no API key", "OPENAI_API_KEY" },
    };

    [Theory]
    [MemberData(nameof(BadConfigurations))]
    public void Bad_configuration_is_a_permanent_error_with_a_hint(string provider, string? endpoint, string? model, string? keyVariable, string message, string hint)
    {
        var options = new LlmOptions { Provider = provider, Endpoint = endpoint, ChatModel = model };
        var e = Assert.Throws<LlmException>(() => new ServiceCollection().AddLlm(options, new Secrets(name => name == keyVariable ? "key" : null)));
        Assert.False(e.Transient);
        Assert.Contains(message, e.Message);
        Assert.Contains(hint, e.Hint);
    }

    [Fact]
    public void Embedding_model_without_a_provider_is_an_error_and_no_provider_registers_nothing()
    {
        var e = Assert.Throws<LlmException>(() => new ServiceCollection().AddLlm(new LlmOptions { EmbeddingModel = "emb" }, new Secrets(_ => null)));
        Assert.Contains("no LLM provider", e.Message);
        Assert.Empty(new ServiceCollection().AddLlm(new LlmOptions(), new Secrets(_ => null)));
    }

    [Fact]
    public void Ollama_needs_no_key_and_uses_its_defaults()
    {
        var provider = LlmProvider.Create(new LlmOptions { Provider = "ollama" }, new Secrets(_ => null));
        Assert.Equal("http://localhost:11434/v1", provider.Endpoint.ToString().TrimEnd('/'));
        Assert.Equal("llama3.2", provider.Chat!.GetService<ChatClientMetadata>()!.DefaultModelId);
        Assert.Null(provider.Embeddings);
    }
}
