using CaseStudyAssistant.Answering;
using CaseStudyAssistant.Chunking;
using CaseStudyAssistant.Configuration;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CaseStudyAssistant.OpenAI;

public static class LlmServiceCollectionExtensions
{
    /// <summary>
    /// Registers the configured model behind <see cref="IChatClient"/> (and the LLM answerer), and an embedding model
    /// behind <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> when one is named. The composition root calls it before the pipeline,
    /// whose offline defaults then stay out of the way; its resilience settings are checked by <see cref="LlmOptionsValidator"/>. Nothing is registered when no provider is configured; a
    /// configuration mistake throws an <see cref="LlmException"/> here, before anything runs.
    /// </summary>
    public static IServiceCollection AddLlm(this IServiceCollection services, LlmOptions options, Secrets? secrets = null)
    {
        if (!options.Enabled && string.IsNullOrWhiteSpace(options.EmbeddingModel)) return services;
        var connection = LlmConnection.Resolve(options, secrets);
        services.AddSingleton(options);
        services.AddSingleton(sp => LlmProvider.Create(connection, sp.GetService<ILoggerFactory>()));
        services.AddSingleton(sp => sp.GetRequiredService<LlmProvider>().Chat);
        services.AddSingleton<IAnswerGenerator>(sp => new LlmAnswerGenerator(sp.GetRequiredService<IChatClient>(), sp.GetRequiredService<PromptLibrary>(),
            sp.GetRequiredService<ITokenCounter>(), sp.GetRequiredService<AnsweringOptions>(), sp.GetRequiredService<ExtractiveAnswerer>()));
        services.AddSingleton<IQuestionRewriter>(sp => new LlmQuestionRewriter(sp.GetRequiredService<IChatClient>(), sp.GetRequiredService<PromptLibrary>(), sp.GetRequiredService<OfflineQuestionRewriter>()));
        services.AddSingleton<Practice.IPracticeGenerator>(sp => new Practice.LlmPracticeGenerator(sp.GetRequiredService<IChatClient>(), sp.GetRequiredService<PromptLibrary>(),
            sp.GetRequiredService<Practice.StudySelector>(), sp.GetRequiredService<Practice.OfflinePracticeGenerator>()));
        services.AddSingleton<IFollowUpSuggester>(sp => new LlmFollowUps(sp.GetRequiredService<IChatClient>(), sp.GetRequiredService<PromptLibrary>(), sp.GetRequiredService<OfflineFollowUps>()));
        if (!string.IsNullOrWhiteSpace(options.EmbeddingModel))
            services.AddSingleton(sp => sp.GetRequiredService<LlmProvider>().Embeddings!);
        return services;
    }
}
