using CaseStudyAssistant.Indexing;
using Microsoft.Extensions.DependencyInjection;

namespace CaseStudyAssistant.Qdrant;

public static class QdrantServiceCollectionExtensions
{
    /// <summary>Makes Qdrant the store behind <see cref="IStudyIndex"/> (register before AddCaseStudyAssistant).</summary>
    public static IServiceCollection AddQdrantStudyIndex(this IServiceCollection services, QdrantOptions options)
    {
        services.AddSingleton(options);
        services.AddSingleton<IStudyIndex>(_ => new QdrantStudyIndex(options));
        return services;
    }
}
