using CaseStudyAssistant.Configuration;
using CaseStudyAssistant.OpenAI;
using CaseStudyAssistant.Retrieval;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CaseStudyAssistant.Hosting;

public static class CaseStudyAssistantServices
{
    /// <summary>
    /// The one composition root, used by the CLI and the web app: settings bound and validated when the host starts
    /// (<see cref="StartupCheck"/> for hosts that are not run), the store from <see cref="StoreRegistry"/>, the
    /// model provider when one is configured, the pipeline, and telemetry export. Services registered before this
    /// call (a store, a model) take precedence.
    /// </summary>
    public static IServiceCollection AddCaseStudyAssistant(this IServiceCollection services, IConfiguration configuration, Secrets? secrets = null)
    {
        secrets ??= Secrets.FromEnvironment;
        services.AddOptions<CsaSettings>()
            .Bind(configuration)
            .PostConfigure(settings => ApplyDefaults(settings, configuration))
            .ValidateOnStart();

        StoreRegistry.Add(services, configuration, secrets);
        AddModel(services, configuration.GetSection("Llm"), secrets);
        services.AddCaseStudyPipeline();
        TelemetryExport.Add(services, configuration);
        return services;
    }

    /// <summary>The configured model provider (nothing when Llm:Provider is none and no embedding model is named).</summary>
    private static void AddModel(IServiceCollection services, IConfigurationSection section, Secrets secrets)
    {
        services.AddOptions<LlmOptions>().Bind(section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LlmOptions>, LlmOptionsValidator>());
        // Which services exist depends on the provider, so the section is read here too; its values are validated
        // at start, before any of these services is created.
        services.AddLlm(section.Get<LlmOptions>() ?? new LlmOptions(), secrets);
    }

    /// <summary>Defaults that depend on other settings (documented on the settings themselves).</summary>
    private static void ApplyDefaults(CsaSettings settings, IConfiguration configuration)
    {
        if (configuration["Retrieval:DenseWeight"] is null && !string.IsNullOrWhiteSpace(configuration["Llm:EmbeddingModel"]))
            settings.Retrieval.DenseWeight = RetrievalOptions.ServerModelDenseWeight;
    }
}
