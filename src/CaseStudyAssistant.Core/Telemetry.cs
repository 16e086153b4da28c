using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace CaseStudyAssistant;

/// <summary>
/// Spans and metrics under the name "CaseStudyAssistant": ingest steps (csa.ingest.*), retrieval and its legs
/// (csa.retrieve, csa.retrieve.embed, csa.search.sparse / dense / studies / fusion), prompt assembly
/// (csa.prompt.assemble) and answer generation (csa.llm.generate). The model client reports under the same name
/// with the OpenTelemetry GenAI conventions: a span per model call ("chat MODEL", "embeddings MODEL") and per tool
/// call ("execute_tool NAME"), and the metrics gen_ai.client.token.usage and gen_ai.client.operation.duration.
/// </summary>
public static class Telemetry
{
    public const string Name = "CaseStudyAssistant";
    public static readonly ActivitySource Source = new(Name);
    private static readonly Meter Meter = new(Name);
    private static readonly Histogram<double> RetrieveMs = Meter.CreateHistogram<double>("csa.retrieve.duration", "ms", "Time to retrieve passages for a question");

    public static void RecordRetrieval(double ms) => RetrieveMs.Record(ms);
}
