using CaseStudyAssistant.Configuration;
using CaseStudyAssistant.OpenAI;
using CaseStudyAssistant.Qdrant;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CaseStudyAssistant.Web.Hosting;

/// <summary>
/// How every host (the CLI, the web app) is composed: configuration from appsettings.json (beside the executable,
/// then the current directory), then environment variables prefixed CSA_ (and OpenTelemetry's OTEL_* under their own
/// names), then the command line's flags; then the store, the model provider, the pipeline and telemetry export.
/// </summary>
public static class AppServices
{
    public static void AddSources(IConfigurationBuilder configuration, IDictionary<string, string?> flagOverrides)
    {
        configuration
            // Qdrant's conventional variable, below everything else in precedence.
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Index:Qdrant:Url"] = Environment.GetEnvironmentVariable("QDRANT_URL") }.Where(kv => !string.IsNullOrEmpty(kv.Value)))
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
            .AddJsonFile(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json"), optional: true)
            .AddOtelEnvironment()
            .AddEnvironmentVariables("CSA_")
            .AddInMemoryCollection(flagOverrides.Where(kv => kv.Value is not null));
    }

    public static CsaSettings Add(IServiceCollection services, IConfiguration configuration)
    {
        var settings = new CsaSettings();
        configuration.Bind(settings);
        if (settings.Index.Store.Equals("qdrant", StringComparison.OrdinalIgnoreCase))
        {
            var qdrant = new QdrantOptions();
            configuration.GetSection("Index:Qdrant").Bind(qdrant);
            // Secrets come from the environment only, never from a settings file.
            qdrant.ApiKey = Environment.GetEnvironmentVariable("QDRANT_API_KEY") is { Length: > 0 } key ? key
                : Environment.GetEnvironmentVariable("CSA_INDEX__QDRANT__APIKEY") is { Length: > 0 } key2 ? key2 : null;
            services.AddQdrantStudyIndex(qdrant);
        }

        var llm = new LlmOptions();
        configuration.GetSection("Llm").Bind(llm);
        llm.ApiKey = null; // keys are read from the environment by the provider, never from settings files
        services.AddLlm(llm);
        // A named embedding model is only useful if its ranking takes part in fusion.
        if (!string.IsNullOrWhiteSpace(llm.EmbeddingModel) && configuration["Retrieval:DenseWeight"] is null)
            settings.Retrieval.DenseWeight = 1.0;

        services.AddCaseStudyAssistant(settings);
        TelemetryExport.Add(services, configuration);
        return settings;
    }
}
