using CaseStudyAssistant.Web.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

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

        var telemetry = builder.Configuration.GetValue<bool>("Telemetry:Console");
        if (telemetry) builder.Services.AddSingleton<TelemetryConsole>();
        var host = builder.Build();
        if (telemetry) host.Services.GetRequiredService<TelemetryConsole>();
        return host;
    }
}
