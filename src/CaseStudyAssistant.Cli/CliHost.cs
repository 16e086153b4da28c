using CaseStudyAssistant.Web.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace CaseStudyAssistant.Cli;

/// <summary>Builds the host for one command (composition shared with the web app: see <see cref="AppServices"/>).</summary>
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
        AppServices.AddSources(builder.Configuration, flagOverrides);
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);

        configure?.Invoke(builder.Services);
        AppServices.Add(builder.Services, builder.Configuration);

        var host = builder.Build();
        // Commands use the host without running it, so the providers that its hosted service would start are
        // started here; disposing the host flushes them.
        host.Services.GetService<TracerProvider>();
        host.Services.GetService<MeterProvider>();
        return host;
    }
}
