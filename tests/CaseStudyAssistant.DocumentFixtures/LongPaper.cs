namespace CaseStudyAssistant.DocumentFixtures;

/// <summary>A long two-column paper for measuring PDF ingest speed: numbered sections, full pages of varied text.</summary>
public static class LongPaper
{
    private static readonly string[] Subjects = ["The ranking service", "Our feature pipeline", "The fraud model", "Each regional cluster", "The nightly batch job", "The streaming consumer", "A shadow deployment", "The evaluation harness"];
    private static readonly string[] Verbs = ["reduced", "doubled", "stabilised", "measured", "replaced", "partitioned", "cached", "backfilled"];
    private static readonly string[] Objects = ["tail latency at the 99th percentile", "the share of stale features", "false positives on new accounts", "the cost per thousand predictions", "recall on rare categories", "memory use per shard", "the time to retrain", "errors during peak traffic"];

    public static byte[] Build(int pages)
    {
        var pdf = new PdfComposer(new PdfStyle { Columns = 2, RunningHeader = "Benchmark Paper · Systems Notes", Footer = "{0}" });
        pdf.Info.Title = "A Long Systems Paper for Ingest Benchmarks";
        pdf.Title("A Long Systems Paper for Ingest Benchmarks");
        var rng = new Random(7);
        var section = 0;
        while (pdf.Pages < pages || pdf.Pages == 0)
        {
            section++;
            pdf.Heading($"{section} Section on topic {section}");
            for (var p = 0; p < 6; p++)
            {
                var sentences = Enumerable.Range(0, 6).Select(_ =>
                    $"{Subjects[rng.Next(Subjects.Length)]} {Verbs[rng.Next(Verbs.Length)]} {Objects[rng.Next(Objects.Length)]} by {rng.Next(2, 60)} percent in experiment {rng.Next(100, 999)}.");
                pdf.Paragraph(string.Join(' ', sentences));
            }
        }
        return pdf.Build();
    }
}
