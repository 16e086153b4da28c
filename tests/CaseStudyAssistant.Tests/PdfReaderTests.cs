using System.Text;
using System.Xml.Linq;
using CaseStudyAssistant.Corpus;
using CaseStudyAssistant.DocumentFixtures;

namespace CaseStudyAssistant.Tests;

/// <summary>Saved PDFs, built with PdfPig's document builder, read through the corpus reader as <c>csa ingest</c> reads them.</summary>
public sealed class PdfReaderTests : IDisposable
{
    private readonly TempDir _dir = new("pdf");

    public void Dispose() => _dir.Dispose();

    private CorpusReadResult Read(CorpusReader? reader = null) => (reader ?? new CorpusReader()).Read([_dir.Path]);

    private CaseStudy ReadOne(string relative, byte[] pdf)
    {
        _dir.WriteBytes(relative, pdf);
        var result = Read();
        Assert.Empty(result.Rejected);
        return Assert.Single(result.Studies);
    }

    private static string AllText(CaseStudy s) => string.Join("\n", s.Sections.Select(x => x.Text));

    [Fact]
    public void Two_column_paper_reads_column_by_column_with_numbered_headings_as_sections_and_their_pages()
    {
        var s = ReadOne("papers/rings.pdf", DocumentSet.FraudRingsPdf());

        Assert.Equal(["Summary", "1 Introduction", "2 Graph Construction", "3 Model", "3 Model > 3.1 Serving", "4 Results", "5 Lessons"],
            s.Sections.Select(x => x.Heading));
        Assert.Equal([1, 1, 1, 2, 2, 3, 4], s.Sections.Select(x => x.Page ?? 0));
        // The left column is read to its end before the right one starts: each section holds its own paragraphs whole.
        var intro = s.Sections.Single(x => x.Heading == "1 Introduction").Text;
        Assert.Contains("so the per-transaction risk model scored ring members as low risk.", intro);
        Assert.DoesNotContain("node types", intro);
        Assert.StartsWith("The graph has four node types", s.Sections.Single(x => x.Heading == "2 Graph Construction").Text);
    }

    [Fact]
    public void Running_headers_and_page_numbers_are_left_out()
    {
        var s = ReadOne("papers/rings.pdf", DocumentSet.FraudRingsPdf());

        var text = AllText(s);
        Assert.DoesNotContain("Northwind Research Report", text);
        Assert.DoesNotContain(s.Sections.SelectMany(x => x.Text.Split('\n')), line => line.Trim() is "1" or "2" or "3" or "4");
        // The title comes from the document information and is not repeated as text.
        Assert.Equal("Catching Fraud Rings with Shared-Device Graphs", s.Title);
        Assert.DoesNotContain("Catching Fraud Rings", text);
    }

    [Fact]
    public void Metadata_comes_from_the_document_information()
    {
        var s = ReadOne("papers/rings.pdf", DocumentSet.FraudRingsPdf());

        Assert.Equal(2023, s.Year);
        Assert.Equal(["fraud detection", "graph neural networks", "payments"], s.Tags);
        Assert.Equal("papers-rings", s.Id);
        Assert.Equal(CaseStudy.UnknownCompany, s.Company);
        Assert.Null(s.SourceUrl);
    }

    [Fact]
    public void Xmp_metadata_gives_title_publisher_date_and_subjects_and_wins_over_the_info_dictionary()
    {
        const string xmp = """
            <?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
            <x:xmpmeta xmlns:x="adobe:ns:meta/">
             <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
              <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:CreateDate="2020-01-05T10:00:00Z">
               <dc:title><rdf:Alt><rdf:li xml:lang="x-default">Shipping Forecasts at Scale</rdf:li></rdf:Alt></dc:title>
               <dc:publisher><rdf:Bag><rdf:li>Harbour Freight Lines</rdf:li></rdf:Bag></dc:publisher>
               <dc:date><rdf:Seq><rdf:li>2019-11-02</rdf:li></rdf:Seq></dc:date>
               <dc:subject><rdf:Bag><rdf:li>forecasting</rdf:li><rdf:li>shipping</rdf:li></rdf:Bag></dc:subject>
              </rdf:Description>
             </rdf:RDF>
            </x:xmpmeta>
            <?xpacket end="w"?>
            """;
        var pdf = BadDocuments.HandWritten(
            ["(Container volumes are forecast per port and week so that) Tj", "(vessels and cranes can be planned months ahead of the season.) Tj"],
            xmp: xmp, infoTitle: "Old title in the info dictionary");

        var s = ReadOne("ship.pdf", pdf);

        Assert.Equal("Shipping Forecasts at Scale", s.Title);
        Assert.Equal("Harbour Freight Lines", s.Company);
        Assert.Equal(2019, s.Year);
        Assert.Equal(["forecasting", "shipping"], s.Tags);
        Assert.Contains("vessels and cranes can be planned", AllText(s));
    }

    [Fact]
    public void Words_broken_at_line_ends_are_rejoined_but_real_hyphens_are_kept()
    {
        var pdf = new PdfComposer();
        pdf.Heading("Design")
            .Lines("The service handles feature extrac-",
                "tion for every request in a single pass.",
                "It is a state-of-the-",
                "art design for multi-",
                "tenant clusters, and each multi-tenant",
                "cluster keeps a cache of recent features.");

        var text = AllText(ReadOne("design.pdf", pdf.Build()));

        Assert.Contains("handles feature extraction for every request", text);
        Assert.Contains("state-of-the-art design", text);
        Assert.Contains("for multi-tenant clusters", text);
        Assert.DoesNotContain("extrac-", text);
    }

    [Fact]
    public void Bold_headings_at_body_size_are_sections_and_a_file_name_title_gives_way_to_the_first_page()
    {
        var s = ReadOne("reports/forecast.pdf", DocumentSet.DemandForecastPdf());

        Assert.Equal("Forecasting Fresh Produce Demand per Store and Day", s.Title);
        Assert.Equal(["Background", "Forecasting approach", "Running it every night", "Results"], s.Sections.Select(x => x.Heading));
        Assert.Equal([1, 1, 2, 2], s.Sections.Select(x => x.Page ?? 0));
        Assert.DoesNotContain("Internal report", AllText(s));
        Assert.DoesNotContain("Page 1", AllText(s));
    }

    [Fact]
    public void Without_headings_each_page_is_a_section_and_missing_company_and_year_stay_unknown()
    {
        var s = ReadOne("notes/latency.pdf", DocumentSet.LatencyBudgetPdf());

        Assert.Equal("A Latency Budget for the Checkout Page", s.Title);
        Assert.Equal(["Page 1", "Page 2", "Page 3"], s.Sections.Select(x => x.Heading));
        Assert.Equal([1, 2, 3], s.Sections.Select(x => x.Page ?? 0));
        Assert.Contains("hedged second request", s.Sections[1].Text);
        Assert.Equal(CaseStudy.UnknownCompany, s.Company);
        Assert.Null(s.Year);
        Assert.DoesNotContain("- 2 -", AllText(s));
    }

    [Fact]
    public void A_section_that_runs_onto_the_next_page_is_split_there_so_each_part_has_its_page()
    {
        var pdf = new PdfComposer(new PdfStyle { Footer = "{0}" });
        pdf.Title("Long Section Paper").Heading("1 Method");
        for (var i = 1; i <= 70; i++)
            pdf.Paragraph($"Paragraph {i} of the method describes step {i} of the pipeline, which checks the input batch and records timing figures.");

        var s = ReadOne("long.pdf", pdf.Build());

        var parts = s.Sections.Where(x => x.Heading == "1 Method").ToList();
        Assert.True(parts.Count >= 2, $"expected the section to span pages, got {parts.Count} part(s)");
        Assert.Equal(Enumerable.Range(1, parts.Count), parts.Select(p => p.Page ?? 0));
        Assert.Contains("Paragraph 1 of the method", parts[0].Text);
        Assert.Contains("Paragraph 70 of the method", parts[^1].Text);
        // Nothing is lost or repeated across the split.
        var all = string.Join("\n", parts.Select(p => p.Text));
        for (var i = 1; i <= 70; i++) Assert.Single(System.Text.RegularExpressions.Regex.Matches(all, $@"\bParagraph {i} of"));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void A_page_printed_from_a_browser_loses_its_print_header_and_footer_and_gives_its_address(int pages)
    {
        const string url = "https://eng.lumenbank.example/posts/fast-merges";
        // Like a browser's print to PDF: date and title above the page, address and "n/m" below, body close under them.
        var pdf = new PdfComposer(new PdfStyle
        {
            RunningHeader = null, Footer = null, TopStart = 806,
            Furniture = page => [("3/14/25, 9:05 AM", 24, 822), ("Faster Index Merges", 300, 822), (url, 24, 18), ($"{page}/{pages}", 560, 18)],
        });
        pdf.Info.Title = "Faster Index Merges";
        pdf.Info.Creator = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36";
        pdf.Info.Producer = "Skia/PDF m120";
        pdf.Info.CreationDate = "D:20260301090500Z";
        string[] parts = ["Why rebuilds were slow", "Incremental segments", "Results"];
        string[] texts =
        [
            "Every night the whole index was rebuilt from scratch, although nine in ten notebooks had not changed.",
            "A change stream marks edited notebooks and a streaming indexer writes small segments every five minutes.",
            "The daily merge now finishes in 48 minutes, and edits are searchable within five minutes.",
        ];
        for (var p = 0; p < pages; p++)
        {
            if (p > 0) pdf.PageBreak();
            pdf.Heading($"{p + 1} {parts[p]}").Paragraph(texts[p]).Paragraph("The on-call engineer checks merge lag and segment counts on the dashboard each morning.");
        }

        var s = ReadOne("printed.pdf", pdf.Build());

        var text = AllText(s);
        foreach (var furniture in new[] { "9:05", "Faster Index Merges", url, "/" + pages })
            Assert.DoesNotContain(furniture, text);
        Assert.Equal(parts.Take(pages).Select((p, i) => $"{i + 1} {p}"), s.Sections.Select(x => x.Heading));
        Assert.All(s.Sections, x => Assert.Contains("The on-call engineer checks merge lag", x.Text));
        Assert.Equal(url, s.SourceUrl);
        Assert.Equal("lumenbank.example", s.Company);
        Assert.Null(s.Year); // the print date is not the article's date
    }

    [Fact]
    public void A_password_protected_pdf_is_rejected_with_one_line_and_the_other_files_are_read()
    {
        _dir.WriteBytes("locked.pdf", BadDocuments.PasswordProtectedPdf());
        _dir.Write("note.md", StudyFile.Simple("ok", "A note", "Acme", "The note is still read when a PDF is refused."));

        var result = Read();

        var r = Assert.Single(result.Rejected);
        Assert.Equal(_dir.File("locked.pdf"), r.Path);
        Assert.Contains("password-protected", r.Problem);
        Assert.DoesNotContain("\n", r.Problem);
        Assert.Equal("ok", Assert.Single(result.Studies).Id);
    }

    [Fact]
    public void A_scanned_pdf_without_a_text_layer_asks_for_ocr()
    {
        _dir.WriteBytes("scan.pdf", BadDocuments.ScannedPdf());

        var r = Assert.Single(Read().Rejected);

        Assert.StartsWith("no extractable text", r.Problem);
        Assert.Contains("OCR it first", r.Problem);
    }

    [Fact]
    public void A_truncated_pdf_is_reported_as_corrupt()
    {
        _dir.WriteBytes("cut.pdf", BadDocuments.Truncated(DocumentSet.FraudRingsPdf()));

        var r = Assert.Single(Read().Rejected);

        Assert.Contains("corrupt or truncated", r.Problem);
        Assert.DoesNotContain("\n", r.Problem);
    }

    [Fact]
    public void Files_whose_content_does_not_match_their_extension_say_what_they_are()
    {
        _dir.Write("page.pdf", "<!DOCTYPE html><html><body><p>Saved page</p></body></html>");
        _dir.WriteBytes("paper.html", DocumentSet.LatencyBudgetPdf());
        _dir.WriteBytes("paper.md", DocumentSet.LatencyBudgetPdf());
        _dir.WriteBytes("slides.pdf", [0x50, 0x4B, 0x03, 0x04, 1, 2, 3, 4]);

        var problems = Read().Rejected.ToDictionary(r => Path.GetFileName(r.Path), r => r.Problem);

        Assert.Equal("is not a PDF: the file holds an HTML page; check its extension", problems["page.pdf"]);
        Assert.Equal("is a PDF saved with an .html extension; rename it to .pdf", problems["paper.html"]);
        Assert.Equal("file is a PDF, not markdown; rename it to .pdf", problems["paper.md"]);
        Assert.StartsWith("is not a PDF: the file holds a ZIP archive", problems["slides.pdf"]);
    }

    [Fact]
    public void A_pdf_over_the_size_limit_is_rejected_naming_the_setting()
    {
        _dir.WriteBytes("big.pdf", DocumentSet.FraudRingsPdf());

        var r = Assert.Single(Read(new CorpusReader { MaxDocumentBytes = 1024 }).Rejected);

        Assert.Contains("over the 1 KB limit", r.Problem);
        Assert.Contains("Corpus:MaxDocumentMegabytes", r.Problem);
    }

    [Fact]
    public void Reading_counts_pdf_pages_for_the_speed_figures()
    {
        _dir.WriteBytes("a.pdf", DocumentSet.FraudRingsPdf());
        _dir.WriteBytes("b.pdf", DocumentSet.LatencyBudgetPdf());

        var stats = Read().Documents;

        Assert.Equal(2, stats.PdfFiles);
        Assert.Equal(7, stats.PdfPages);
        Assert.True(stats.PdfSeconds > 0);
    }

    [Fact]
    public void Accented_text_and_typographic_ligatures_come_out_as_plain_words()
    {
        // WinAnsi octal escapes: \374 = ü, \344 = ä, \351 = é; the ligature is drawn with the font's "fi" glyph.
        _dir.WriteBytes("de.pdf", BadDocuments.HandWritten([@"(Die Prognose f\374r M\374ller senkte die Abf\344lle; caf\351 orders rose in Z\374rich.) Tj"]));
        var ligatures = new PdfComposer();
        ligatures.Heading("Method").Paragraph("The classi\uFB01cation model \uFB02ags ef\uFB01cient merchants for review every day.");
        _dir.WriteBytes("lig.pdf", ligatures.Build());

        var result = Read();

        Assert.Empty(result.Rejected);
        Assert.Contains("für Müller senkte die Abfälle; café orders rose in Zürich.", AllText(result.Studies.Single(s => s.Id == "de")));
        Assert.Contains("The classification model flags efficient merchants", AllText(result.Studies.Single(s => s.Id == "lig")));
    }
}
