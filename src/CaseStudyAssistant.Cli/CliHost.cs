using CaseStudyAssistant.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace CaseStudyAssistant.Cli;

/// <summary>Builds the host for one command, through the same composition root as the web app.</summary>
internal static class CliHost
{
    public static IHost Build(IDictionary<string, string?> flagOverrides, Action<IServiceCollection>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            ContentRootPath = AppContext.BaseDirectory,
            DisableDefaults = true,
        });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddCaseStudyAssistantSources(flagOverrides);
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);

        configure?.Invoke(builder.Services);
        builder.Services.AddCaseStudyAssistant(builder.Configuration);

        var host = builder.Build();
        try
        {
            // Commands use the host without running it: what starting it would do happens here. Settings first, so
            // a bad value stops the command before any work; then the telemetry providers (disposing the host flushes them).
            host.Services.ValidateSettings();
            host.Services.GetService<TracerProvider>();
            host.Services.GetService<MeterProvider>();
        }
        catch
        {
            host.Dispose();
            throw;
        }
        return host;
    }
}
