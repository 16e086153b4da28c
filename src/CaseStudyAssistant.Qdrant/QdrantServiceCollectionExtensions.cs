using CaseStudyAssistant.Indexing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CaseStudyAssistant.Qdrant;

public static class QdrantServiceCollectionExtensions
{
    /// <summary>Makes Qdrant the store behind <see cref="IStudyIndex"/>, with the registered <see cref="QdrantOptions"/>.</summary>
    public static IServiceCollection AddQdrantStudyIndex(this IServiceCollection services)
    {
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<QdrantOptions>>().Value);
        services.TryAddSingleton<IStudyIndex>(sp => new QdrantStudyIndex(sp.GetRequiredService<QdrantOptions>()));
        return services;
    }

    /// <summary>Qdrant with these options, ahead of whatever the configuration names.</summary>
    public static IServiceCollection AddQdrantStudyIndex(this IServiceCollection services, QdrantOptions options)
    {
        services.AddSingleton(options);
        return services.AddQdrantStudyIndex();
    }
}
