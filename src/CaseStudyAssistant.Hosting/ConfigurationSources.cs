using Microsoft.Extensions.Configuration;

namespace CaseStudyAssistant.Hosting;

public static class ConfigurationSources
{
    /// <summary>
    /// Where every host reads its settings, lowest precedence first: QDRANT_URL, appsettings.json beside the
    /// executable, then in the current directory, OpenTelemetry's OTEL_* variables (under their own names),
    /// environment variables prefixed CSA_ (sections joined by __), then the command line's flags.
    /// </summary>
    public static IConfigurationBuilder AddCaseStudyAssistantSources(this IConfigurationBuilder configuration, IDictionary<string, string?>? flags = null)
    {
        var qdrantUrl = Environment.GetEnvironmentVariable("QDRANT_URL");
        return configuration
            .AddInMemoryCollection(string.IsNullOrEmpty(qdrantUrl) ? [] : new Dictionary<string, string?> { ["Index:Qdrant:Url"] = qdrantUrl })
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
            .AddJsonFile(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json"), optional: true)
            .AddOtelEnvironment()
            .AddEnvironmentVariables("CSA_")
            .AddInMemoryCollection((flags ?? new Dictionary<string, string?>()).Where(kv => kv.Value is not null));
    }
}
