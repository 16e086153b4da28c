using CaseStudyAssistant.Configuration;
using CaseStudyAssistant.OpenAI;
using CaseStudyAssistant.Qdrant;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CaseStudyAssistant.Cli;

/// <summary>
/// Builds the host for one command: appsettings.json (beside the executable, then in the current directory),
/// environment variables prefixed CSA_, then the command's own flags, in rising precedence.
/// </summary>
public static class CliHost
{
    public static IHost Build(IDictionary<string, string?> flagOverrides, Action<IServiceCollection>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            ContentRootPath = AppContext.BaseDirectory,
            DisableDefaults = true,
        });
        builder.Configuration.Sources.Clear();
        builder.Configuration
            // Qdrant's conventional variable, below everything else in precedence.
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Index:Qdrant:Url"] = Environment.GetEnvironmentVariable("QDRANT_URL") }.Where(kv => !string.IsNullOrEmpty(kv.Value)))
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
            .AddJsonFile(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json"), optional: true)
            .AddEnvironmentVariables("CSA_")
            .AddInMemoryCollection(flagOverrides.Where(kv => kv.Value is not null));
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);

        var settings = new CsaSettings();
        builder.Configuration.Bind(settings);
        configure?.Invoke(builder.Services);
        if (settings.Index.Store.Equals("qdrant", StringComparison.OrdinalIgnoreCase))
        {
            var qdrant = new QdrantOptions();
            builder.Configuration.GetSection("Index:Qdrant").Bind(qdrant);
            // Secrets come from the environment only, never from a settings file.
            qdrant.ApiKey = Environment.GetEnvironmentVariable("QDRANT_API_KEY") is { Length: > 0 } key ? key
                : Environment.GetEnvironmentVariable("CSA_INDEX__QDRANT__APIKEY") is { Length: > 0 } key2 ? key2 : null;
            builder.Services.AddQdrantStudyIndex(qdrant);
        }

        var llm = new LlmOptions();
        builder.Configuration.GetSection("Llm").Bind(llm);
        llm.ApiKey = null; // keys are read from the environment by the provider, never from settings files
        builder.Services.AddLlm(llm);
        // A named embedding model is only useful if its ranking takes part in fusion.
        if (!string.IsNullOrWhiteSpace(llm.EmbeddingModel) && builder.Configuration["Retrieval:DenseWeight"] is null)
            settings.Retrieval.DenseWeight = 1.0;

        var telemetry = builder.Configuration.GetValue<bool>("Telemetry:Console");
        if (telemetry) builder.Services.AddSingleton<TelemetryConsole>();
        builder.Services.AddCaseStudyAssistant(settings);
        var host = builder.Build();
        if (telemetry) host.Services.GetRequiredService<TelemetryConsole>();
        return host;
    }
}
