using CaseStudyAssistant.Answering;
using CaseStudyAssistant.Chunking;
using CaseStudyAssistant.Corpus;
using CaseStudyAssistant.Embedding;
using CaseStudyAssistant.Indexing;
using CaseStudyAssistant.Retrieval;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel.ChatCompletion;

namespace CaseStudyAssistant.Configuration;

internal static class ServiceCollectionExtensions
{
    /// <summary>
    /// The pipeline's services with the offline defaults, over the validated <see cref="CsaSettings"/> (bound by the
    /// composition root). Providers registered before this call (an embedding generator, an answer generator, a
    /// store) take precedence.
    /// </summary>
    public static IServiceCollection AddCaseStudyPipeline(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CsaSettings>, SettingsValidator>());
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<CsaSettings>>().Value);
        services.AddSingleton(sp => sp.GetRequiredService<CsaSettings>().Chunking);
        services.AddSingleton(sp => sp.GetRequiredService<CsaSettings>().Retrieval);
        services.AddSingleton(sp => sp.GetRequiredService<CsaSettings>().Answering);
        services.TryAddSingleton<ITokenCounter>(sp => TiktokenCounter.For(sp.GetRequiredService<ChunkingOptions>().Encoding));
        services.TryAddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(sp =>
        {
            var embedding = sp.GetRequiredService<CsaSettings>().Embedding;
            return LocalEmbeddingModels.Shared(embedding.Model, embedding.Threads, embedding.BatchSize);
        });
        services.TryAddSingleton(sp => new EmbeddingCache(sp.GetRequiredService<CsaSettings>().Embedding.CachePath ?? EmbeddingCache.DefaultPath()));
        services.TryAddSingleton<Embedder>();
        services.TryAddSingleton<ExtractiveAnswerer>();
        services.TryAddSingleton<IAnswerGenerator>(sp => sp.GetRequiredService<ExtractiveAnswerer>());
        services.TryAddSingleton(sp => new PromptLibrary(PromptLibrary.Locate(sp.GetRequiredService<CsaSettings>().Prompts.Path)));
        services.TryAddSingleton<OfflineQuestionRewriter>();
        services.TryAddSingleton<OfflineFollowUps>();
        services.TryAddSingleton<IQuestionRewriter>(sp => sp.GetRequiredService<OfflineQuestionRewriter>());
        services.TryAddSingleton<IFollowUpSuggester>(sp => sp.GetRequiredService<OfflineFollowUps>());
        services.TryAddSingleton(sp =>
        {
            var settings = sp.GetRequiredService<CsaSettings>();
            return new Chat.ChatHistoryStore(settings.Chat.ResolvePath(settings.Index.Path), settings.Index.Path);
        });
        services.TryAddSingleton<Practice.StudySelector>();
        services.TryAddSingleton<Practice.OfflinePracticeGenerator>();
        services.TryAddSingleton<Practice.IPracticeGenerator>(sp => sp.GetRequiredService<Practice.OfflinePracticeGenerator>());
        services.TryAddSingleton(sp => new Practice.InterviewCoach(sp.GetRequiredService<PromptLibrary>(), sp.GetService<IChatClient>(), sp.GetService<Embedder>()));
        services.TryAddSingleton(sp => new Comparing.Comparer(sp.GetRequiredService<IStudyIndex>(), sp.GetRequiredService<Retriever>(),
            sp.GetRequiredService<Embedder>(), sp.GetRequiredService<AnsweringOptions>(), sp.GetRequiredService<PromptLibrary>(), sp.GetService<IChatClient>()));
        services.AddSingleton(sp => new CorpusReader { MaxDocumentBytes = (long)(sp.GetRequiredService<CsaSettings>().Corpus.MaxDocumentMegabytes * 1024 * 1024) });
        services.AddSingleton(sp => new StructuralChunker(sp.GetRequiredService<ITokenCounter>(), sp.GetRequiredService<ChunkingOptions>(), sp.GetRequiredService<Embedder>().Window));
        services.AddSingleton<Ingestor>();
        services.AddSingleton<Retriever>();
        // With a chat model: a Semantic Kernel kernel over it, for research mode's automatic function calling.
        if (services.Any(d => d.ServiceType == typeof(IChatClient)))
        {
            services.TryAddSingleton<IChatCompletionService>(sp =>
                ResearchChat.Over(sp.GetRequiredService<IChatClient>()).AsChatCompletionService(sp));
            services.AddKernel();
            services.TryAddSingleton<ResearchAnswerer>();
        }
        services.AddSingleton<Assistant>();
        services.AddSingleton<Evaluation.EvalRunner>();
        return services;
    }
}
