using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace CaseStudyAssistant.Cli;

/// <summary>
/// OpenTelemetry with a console exporter on stderr (the OpenTelemetry.Exporter.Console package is not available
/// here, so these two small exporters print one line per span and per metric point).
/// </summary>
public sealed class TelemetryConsole : IDisposable
{
    private readonly TracerProvider _tracer;
    private readonly MeterProvider _meter;

    public TelemetryConsole()
    {
        _tracer = Sdk.CreateTracerProviderBuilder().AddSource(Telemetry.Name)
            .AddProcessor(new SimpleActivityExportProcessor(new SpanLines())).Build()!;
        _meter = Sdk.CreateMeterProviderBuilder().AddMeter(Telemetry.Name)
            .AddReader(new BaseExportingMetricReader(new MetricLines())).Build()!;
    }

    public void Dispose()
    {
        _meter.ForceFlush();
        _meter.Dispose();
        _tracer.Dispose();
    }

    private sealed class SpanLines : BaseExporter<Activity>
    {
        public override ExportResult Export(in Batch<Activity> batch)
        {
            foreach (var a in batch)
            {
                var tags = string.Join(" ", a.TagObjects.Select(t => $"{t.Key}={t.Value}"));
                Console.Error.WriteLine($"[span] {a.DisplayName} {a.Duration.TotalMilliseconds:0.00} ms status={a.Status} trace={a.TraceId} {tags}".TrimEnd());
            }
            return ExportResult.Success;
        }
    }

    private sealed class MetricLines : BaseExporter<Metric>
    {
        public override ExportResult Export(in Batch<Metric> batch)
        {
            foreach (var metric in batch)
            {
                foreach (ref readonly var point in metric.GetMetricPoints())
                {
                    var tags = new List<string>();
                    foreach (var tag in point.Tags) tags.Add($"{tag.Key}={tag.Value}");
                    var value = metric.MetricType switch
                    {
                        MetricType.Histogram => $"count={point.GetHistogramCount()} sum={point.GetHistogramSum():0.###}",
                        MetricType.LongSum => $"sum={point.GetSumLong()}",
                        MetricType.DoubleSum => $"sum={point.GetSumDouble():0.###}",
                        MetricType.LongGauge => $"value={point.GetGaugeLastValueLong()}",
                        MetricType.DoubleGauge => $"value={point.GetGaugeLastValueDouble():0.###}",
                        _ => "",
                    };
                    Console.Error.WriteLine($"[metric] {metric.Name} ({metric.Unit}) {value} {string.Join(" ", tags)}".TrimEnd());
                }
            }
            return ExportResult.Success;
        }
    }
}
