using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace CaseStudyAssistant.Hosting;

/// <summary>
/// Where the spans and metrics of <see cref="Telemetry.Name"/> go: OpenTelemetry's console exporter on stderr
/// (<c>Telemetry:Console</c>, flag --telemetry), and OTLP to a collector (<c>Telemetry:OtlpEndpoint</c>, or the
/// standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>; the other <c>OTEL_*</c> variables apply as the SDK defines them).
/// Nothing is collected when neither is set.
/// </summary>
internal static class TelemetryExport
{
    public const string ServiceName = "csa";

    /// <summary>The OTEL_* environment variables, under their own names, for the SDK to read from configuration.</summary>
    public static IConfigurationBuilder AddOtelEnvironment(this IConfigurationBuilder configuration) =>
        configuration.AddInMemoryCollection(Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(k => k.StartsWith("OTEL_", StringComparison.Ordinal))
            .Select(k => new KeyValuePair<string, string?>(k, Environment.GetEnvironmentVariable(k))));

    /// <summary>Registers the providers and exporters (a host that is not run must resolve the providers to start them).</summary>
    public static void Add(IServiceCollection services, IConfiguration configuration)
    {
        var console = configuration.GetValue<bool>("Telemetry:Console");
        var endpoint = configuration["Telemetry:OtlpEndpoint"] is { Length: > 0 } configured ? configured : null;
        var otlp = endpoint is not null || configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] is { Length: > 0 };
        if (!console && !otlp) return;
        if (endpoint is not null && !(Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
            throw new Configuration.ConfigurationException($"Telemetry:OtlpEndpoint is '{endpoint}', but it must be an http:// or https:// URL",
                "e.g. http://localhost:4317 (config Telemetry:OtlpEndpoint, env CSA_TELEMETRY__OTLPENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT)");
        if (console) StderrTrace.Attach();

        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(ServiceName))
            .WithTracing(t =>
            {
                t.AddSource(Telemetry.Name);
                if (console) t.AddConsoleExporter(ToStderr);
                if (otlp) t.AddOtlpExporter(o => Point(o, endpoint, "v1/traces"));
            })
            .WithMetrics(m =>
            {
                m.AddMeter(Telemetry.Name);
                if (console) m.AddConsoleExporter(ToStderr);
                if (otlp) m.AddOtlpExporter(o => Point(o, endpoint, "v1/metrics"));
            });
    }

    /// <summary>
    /// The console exporter writes to stdout, where --json output goes; its Debug target writes through
    /// <see cref="Trace"/> instead, whose listener here is stderr.
    /// </summary>
    private static void ToStderr(ConsoleExporterOptions o) => o.Targets = ConsoleExporterOutputTargets.Debug;

    /// <summary>Telemetry:OtlpEndpoint is a base URL, as OTEL_EXPORTER_OTLP_ENDPOINT is: over HTTP each signal has its own path.</summary>
    private static void Point(OtlpExporterOptions o, string? endpoint, string signalPath)
    {
        if (endpoint is null) return;
        o.Endpoint = o.Protocol == OtlpExportProtocol.HttpProtobuf ? new Uri(new Uri(endpoint.TrimEnd('/') + "/"), signalPath) : new Uri(endpoint);
    }

    private static class StderrTrace
    {
        private static int _attached;

        public static void Attach()
        {
            if (Interlocked.Exchange(ref _attached, 1) == 1) return;
            Trace.Listeners.Add(new TextWriterTraceListener(Console.Error, "csa-telemetry"));
        }
    }
}
