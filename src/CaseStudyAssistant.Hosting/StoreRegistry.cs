using CaseStudyAssistant.Configuration;
using CaseStudyAssistant.Indexing;
using CaseStudyAssistant.Indexing.Embedded;
using CaseStudyAssistant.Qdrant;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CaseStudyAssistant.Hosting;

/// <summary>The stores behind <see cref="IStudyIndex"/>, by the name Index:Store (flag --store) gives them.</summary>
internal static class StoreRegistry
{
    private static readonly Dictionary<string, Action<IServiceCollection, IConfiguration, Secrets>> Stores = new(StringComparer.OrdinalIgnoreCase)
    {
        ["embedded"] = (services, _, _) =>
            services.TryAddSingleton<IStudyIndex>(sp => new SqliteStudyIndex(sp.GetRequiredService<CsaSettings>().Index.Path)),
        ["qdrant"] = (services, configuration, secrets) =>
        {
            services.AddOptions<QdrantOptions>()
                .Bind(configuration.GetSection("Index:Qdrant"))
                .PostConfigure(o => o.ApiKey = secrets.QdrantKey())
                .ValidateOnStart();
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<QdrantOptions>, QdrantOptionsValidator>());
            services.AddQdrantStudyIndex();
        },
    };

    public static IReadOnlyCollection<string> Names => Stores.Keys;

    /// <summary>Registers the configured store (a store registered before this call wins), or says which names exist.</summary>
    public static void Add(IServiceCollection services, IConfiguration configuration, Secrets secrets)
    {
        var name = configuration["Index:Store"] is { Length: > 0 } configured ? configured.Trim() : "embedded";
        if (!Stores.TryGetValue(name, out var register))
            throw new ConfigurationException($"Index:Store is '{name}', but it must be one of {string.Join(", ", Names)}",
                "use --store embedded or --store qdrant (config Index:Store, env CSA_INDEX__STORE)");
        register(services, configuration, secrets);
    }
}
