using CaseStudyAssistant.Answering;
using CaseStudyAssistant.Chunking;
using CaseStudyAssistant.Corpus;
using CaseStudyAssistant.Embedding;
using CaseStudyAssistant.Indexing;
using CaseStudyAssistant.Indexing.Embedded;
using CaseStudyAssistant.Retrieval;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.SemanticKernel.ChatCompletion;

namespace CaseStudyAssistant.Configuration;

public static class ServiceCollectionExtensions
{
    /// <summary>
    /// Registers the pipeline with the offline defaults. Providers registered before this call (an embedding
    /// generator, an answer generator, another store) take precedence.
    /// </summary>
    public static IServiceCollection AddCaseStudyAssistant(this IServiceCollection services, CsaSettings settings)
    {
        services.AddSingleton(settings);
        services.AddSingleton(settings.Chunking);
        services.AddSingleton(settings.Retrieval);
        services.AddSingleton(settings.Answering.MaxToolCalls is >= 1 and <= 50
            ? settings.Answering
            : throw new ArgumentException($"Answering:MaxToolCalls must be between 1 and 50, got {settings.Answering.MaxToolCalls}"));
        services.TryAddSingleton<ITokenCounter>(_ => TiktokenCounter.For(settings.Chunking.Encoding));
        services.TryAddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(_ =>
            LocalEmbeddingModels.Shared(settings.Embedding.Model, settings.Embedding.Threads, settings.Embedding.BatchSize));
        services.TryAddSingleton(_ => new EmbeddingCache(settings.Embedding.CachePath ?? EmbeddingCache.DefaultPath()));
        services.TryAddSingleton<Embedder>();
        services.TryAddSingleton<IStudyIndex>(_ => settings.Index.Store.ToLowerInvariant() switch
        {
            "embedded" => new SqliteStudyIndex(settings.Index.Path),
            var other => throw new ArgumentException($"unknown store '{other}' (Index:Store / --store); use 'embedded' or 'qdrant'"),
        });
        services.TryAddSingleton<ExtractiveAnswerer>();
        services.TryAddSingleton<IAnswerGenerator>(sp => sp.GetRequiredService<ExtractiveAnswerer>());
        services.TryAddSingleton(_ => new PromptLibrary(PromptLibrary.Locate(settings.Prompts.Path)));
        services.TryAddSingleton<OfflineQuestionRewriter>();
        services.TryAddSingleton<OfflineFollowUps>();
        services.TryAddSingleton<IQuestionRewriter>(sp => sp.GetRequiredService<OfflineQuestionRewriter>());
        services.TryAddSingleton<IFollowUpSuggester>(sp => sp.GetRequiredService<OfflineFollowUps>());
        services.TryAddSingleton(_ => new Chat.ChatHistoryStore(settings.Chat.ResolvePath(settings.Index.Path), settings.Index.Path));
        services.TryAddSingleton<Practice.StudySelector>();
        services.TryAddSingleton<Practice.OfflinePracticeGenerator>();
        services.TryAddSingleton<Practice.IPracticeGenerator>(sp => sp.GetRequiredService<Practice.OfflinePracticeGenerator>());
        services.TryAddSingleton(sp => new Practice.InterviewCoach(sp.GetRequiredService<PromptLibrary>(), sp.GetService<Microsoft.Extensions.AI.IChatClient>(), sp.GetService<Embedder>()));
        services.TryAddSingleton(sp => new Comparing.Comparer(sp.GetRequiredService<IStudyIndex>(), sp.GetRequiredService<Retriever>(),
            sp.GetRequiredService<Embedder>(), settings.Answering, sp.GetRequiredService<PromptLibrary>(), sp.GetService<IChatClient>()));
        services.AddSingleton(_ => settings.Corpus.MaxDocumentMegabytes is > 0 and <= 4096
            ? new CorpusReader { MaxDocumentBytes = (long)(settings.Corpus.MaxDocumentMegabytes * 1024 * 1024) }
            : throw new ArgumentException($"Corpus:MaxDocumentMegabytes must be between 0 and 4096, got {settings.Corpus.MaxDocumentMegabytes}"));
        services.AddSingleton(sp => new StructuralChunker(sp.GetRequiredService<ITokenCounter>(), settings.Chunking, sp.GetRequiredService<Embedder>().Window));
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
