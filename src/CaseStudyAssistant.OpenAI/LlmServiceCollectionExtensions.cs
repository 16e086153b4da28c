using CaseStudyAssistant.Answering;
using CaseStudyAssistant.Chunking;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace CaseStudyAssistant.OpenAI;

public static class LlmServiceCollectionExtensions
{
    /// <summary>
    /// Registers the configured model behind <see cref="IChatClient"/> (and the LLM answerer), and an embedding model
    /// behind <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> when one is named. Call before AddCaseStudyAssistant,
    /// whose offline defaults then stay out of the way. Nothing is registered when no provider is configured.
    /// </summary>
    public static IServiceCollection AddLlm(this IServiceCollection services, LlmOptions options, Func<string, string?>? environment = null)
    {
        if (!options.Enabled && string.IsNullOrWhiteSpace(options.EmbeddingModel)) return services;
        var provider = LlmProvider.Create(options, environment);
        services.AddSingleton(options);
        services.AddSingleton(provider);
        if (provider.Chat is { } chat)
        {
            services.AddSingleton(chat);
            services.AddSingleton<IAnswerGenerator>(sp => new LlmAnswerGenerator(chat, sp.GetRequiredService<PromptLibrary>(),
                sp.GetRequiredService<ITokenCounter>(), sp.GetRequiredService<AnsweringOptions>(), sp.GetRequiredService<ExtractiveAnswerer>()));
            services.AddSingleton<IQuestionRewriter>(sp => new LlmQuestionRewriter(chat, sp.GetRequiredService<PromptLibrary>(), sp.GetRequiredService<OfflineQuestionRewriter>()));
            services.AddSingleton<Practice.IPracticeGenerator>(sp => new Practice.LlmPracticeGenerator(chat, sp.GetRequiredService<PromptLibrary>(),
                sp.GetRequiredService<Practice.StudySelector>(), sp.GetRequiredService<Practice.OfflinePracticeGenerator>()));
            services.AddSingleton<IFollowUpSuggester>(sp => new LlmFollowUps(chat, sp.GetRequiredService<PromptLibrary>(), sp.GetRequiredService<OfflineFollowUps>()));
        }
        if (provider.Embeddings is { } embeddings) services.AddSingleton(embeddings);
        return services;
    }
}
