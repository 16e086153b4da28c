using System.Text.Json;
using CaseStudyAssistant.Answering;
using CaseStudyAssistant.Corpus;
using CaseStudyAssistant.DocumentFixtures;
using CaseStudyAssistant.Indexing;
using CaseStudyAssistant.Retrieval;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace CaseStudyAssistant.Tests;

/// <summary>Saved PDFs and web pages through ingest, the index and answers, as a user meets them.</summary>
public sealed class DocumentIngestTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _dir = new("docs");

    public void Dispose() => _dir.Dispose();

    private string Corpus => _dir.File("corpus");
    private string IndexPath => _dir.File("index.db");

    private static Task<IngestReport> Ingest(ServiceProvider sp, string folder) =>
        sp.GetRequiredService<Ingestor>().IngestAsync([folder], rebuild: false);

    [Fact]
    public async Task Answers_from_a_pdf_cite_the_page_of_the_passage()
    {
        DocumentSet.WriteAll(Corpus);
        using var sp = Pipeline.Build(IndexPath);
        var report = await Ingest(sp, Corpus);
        Assert.Empty(report.Rejected);

        var answer = await sp.GetRequiredService<Assistant>().AskAsync("By how much did chargeback losses from organised fraud rings fall?");

        var c = answer.Citations[0];
        Assert.Equal(DocumentSet.FraudRings, c.DocId);
        Assert.Equal("4 Results", c.Heading);
        Assert.Equal(3, c.Page);
        Assert.Equal("[1] Catching Fraud Rings with Shared-Device Graphs — Northwind Payments, 2023 — p. 3 — https://research.northwind.example/papers/fraud-rings", c.SourceLine);
        Assert.Contains("fell by 27 percent", answer.Text);
    }

    [Fact]
    public async Task Web_pages_and_notes_cite_no_page_and_an_unknown_company_is_shown_as_unknown()
    {
        DocumentSet.WriteAll(Corpus);
        using var sp = Pipeline.Build(IndexPath);
        await Ingest(sp, Corpus);
        var assistant = sp.GetRequiredService<Assistant>();

        var web = await assistant.AskAsync("How did Tidewater correct for position bias when learning to rank hotels?");
        var pdf = await assistant.AskAsync("How did hedged requests change the checkout's tail latency?");

        Assert.Equal(DocumentSet.SearchRanking, web.Citations[0].DocId);
        Assert.Null(web.Citations[0].Page);
        Assert.DoesNotContain("p. ", web.Citations[0].SourceLine);
        Assert.Equal(DocumentSet.LatencyBudget, pdf.Citations[0].DocId);
        Assert.Equal("[1] A Latency Budget for the Checkout Page — unknown — p. 2", pdf.Citations[0].SourceLine);
    }

    [Fact]
    public async Task Unchanged_pdfs_are_not_read_again_and_a_changed_sidecar_updates_only_its_study()
    {
        DocumentSet.WriteAll(Corpus);
        using var sp = Pipeline.Build(IndexPath);
        var first = await Ingest(sp, Corpus);
        Assert.Equal((6, 3), (first.Added, first.Documents.PdfFiles));

        var again = await Ingest(sp, Corpus);
        Assert.Equal((0, 0, 6), (again.Added, again.Updated, again.Unchanged));
        Assert.Equal(0, again.Documents.PdfFiles);

        File.WriteAllText(Path.Combine(Corpus, "reports", "riverbend-demand-forecast.meta.yaml"), "company: Riverbend Markets\nyear: 2022\n");
        var edited = await Ingest(sp, Corpus);
        Assert.Equal((0, 1, 5), (edited.Added, edited.Updated, edited.Unchanged));
        Assert.Equal(1, edited.Documents.PdfFiles);
        var study = await sp.GetRequiredService<IStudyIndex>().GetStudyAsync(DocumentSet.DemandForecast);
        Assert.Equal("Riverbend Markets", study!.Company);
        Assert.Contains(study.Sections, s => s.Heading == "Results" && s.Page == 2);
    }

    [Fact]
    public async Task A_pdf_that_turns_corrupt_is_reported_and_its_last_good_version_stays_searchable()
    {
        DocumentSet.WriteAll(Corpus);
        using var sp = Pipeline.Build(IndexPath);
        await Ingest(sp, Corpus);
        var path = Path.Combine(Corpus, "notes", "checkout-latency-budget.pdf");
        File.WriteAllBytes(path, BadDocuments.Truncated(File.ReadAllBytes(path)));

        var report = await Ingest(sp, Corpus);

        var r = Assert.Single(report.Rejected);
        Assert.Equal(path, r.Path);
        Assert.Contains("corrupt or truncated", r.Problem);
        Assert.Equal(0, report.Removed);
        var answer = await sp.GetRequiredService<Assistant>().AskAsync("How did hedged requests change the checkout's tail latency?");
        Assert.Equal(DocumentSet.LatencyBudget, answer.Citations[0].DocId);
        Assert.Equal(2, answer.Citations[0].Page);
    }

    [Fact]
    public async Task A_language_model_answer_cites_the_page_of_the_pdf_passage_it_was_given()
    {
        await using var rig = await LlmRig.StartAsync();
        File.WriteAllBytes(Path.Combine(rig.Corpus, "latency-budget.pdf"), DocumentSet.LatencyBudgetPdf());
        await rig.Services.GetRequiredService<Ingestor>().IngestAsync([rig.Corpus], rebuild: false);
        rig.Server.When(PromptFiles.IsAnswer, FakeModel.QuoteSourceOne);

        var answer = await rig.Assistant.AskAsync("How did hedged requests to the tax service change the checkout's tail latency?");

        Assert.Equal(AnswerModes.Llm, answer.Mode);
        var c = Assert.Single(answer.Citations);
        Assert.Equal(("latency-budget", 2), (c.DocId, c.Page ?? 0));
        Assert.Contains(" — p. 2", c.SourceLine);
    }

    [Fact]
    public void The_page_of_a_chunk_is_the_page_of_the_section_part_holding_its_text()
    {
        var study = new StudyRecord
        {
            Id = "paper", Title = "Paper", Company = "Acme",
            Sections =
            [
                new StudySection("2 Method", "The first part of the method runs on page four. It reads the input.") { Page = 4 },
                new StudySection("2 Method", "The method goes on\non page five, where it writes the output.") { Page = 5 },
                new StudySection("3 Results", "Latency fell by half.") { Page = 5 },
            ],
        };
        ChunkRecord Chunk(string heading, string text) => new("paper#0", "paper", 0, heading, text);

        Assert.Equal(4, Answering.SectionPages.PageOf(study, Chunk("2 Method", "It reads the input.")));
        Assert.Equal(5, Answering.SectionPages.PageOf(study, Chunk("2 Method", "The method goes on on page five, where it writes the output.")));
        Assert.Equal(5, Answering.SectionPages.PageOf(study, Chunk("3 Results", "Latency fell by half.")));
        Assert.Null(Answering.SectionPages.PageOf(study with { Sections = [new StudySection("2 Method", "A note has no pages.")] }, Chunk("2 Method", "A note has no pages.")));
    }

    [Fact]
    public void Cli_ingest_reports_each_bad_document_on_one_line_then_ask_json_carries_the_page()
    {
        DocumentSet.WriteAll(Corpus);
        var bad = DocumentSet.WriteBad(Corpus);

        var ingest = Cli.Run(_dir.Path, "ingest", "--corpus", Corpus, "--index", IndexPath);
        output.WriteLine(ingest.ToString());

        Assert.Equal(1, ingest.ExitCode); // partial: some files were rejected
        Assert.Contains($"6 added, 0 updated, 0 unchanged, 0 removed, {bad.Count} rejected", ingest.Stdout);
        var lines = ingest.Stderr.Split('\n').Where(l => l.StartsWith("rejected: ")).ToList();
        Assert.Equal(bad.Count, lines.Count);
        foreach (var (file, reason) in bad)
            Assert.Single(lines, l => l.StartsWith($"rejected: {Path.Combine(Corpus, file.Replace('/', Path.DirectorySeparatorChar))}: ") && l.Contains(reason));
        Assert.DoesNotContain("   at ", ingest.Stderr);
        Assert.DoesNotContain("Exception", ingest.Stderr);

        var ask = Cli.Run(_dir.Path, "ask", "--json", "--index", IndexPath, "How are fraud ring scores served at checkout, and how fast is the lookup?");
        output.WriteLine(ask.ToString());
        Assert.Equal(0, ask.ExitCode);
        var citation = JsonDocument.Parse(ask.Stdout).RootElement.GetProperty("citations")[0];
        Assert.Equal(DocumentSet.FraudRings, citation.GetProperty("docId").GetString());
        Assert.Equal(2, citation.GetProperty("page").GetInt32());

        var text = Cli.Run(_dir.Path, "ask", "--index", IndexPath, "How are fraud ring scores served at checkout, and how fast is the lookup?");
        Assert.Contains("[1] Catching Fraud Rings with Shared-Device Graphs — Northwind Payments, 2023 — p. 2 — https://research.northwind.example/papers/fraud-rings", text.Stdout);
    }
}
