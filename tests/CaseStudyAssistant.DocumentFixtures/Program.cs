using CaseStudyAssistant.DocumentFixtures;

// Writes the test documents to a folder: `CaseStudyAssistant.DocumentFixtures DIR [--bad] [--bench-pages N]`.
if (args.Length == 0 || args[0].StartsWith('-'))
{
    Console.Error.WriteLine("usage: CaseStudyAssistant.DocumentFixtures DIR [--bad] [--bench-pages N]");
    Console.Error.WriteLine("  writes the PDF and HTML fixtures that eval/documents.jsonl asks about into DIR");
    Console.Error.WriteLine("  --bad            also write files the reader must reject (under DIR/bad)");
    Console.Error.WriteLine("  --bench-pages N  also write a long N-page paper (under DIR/bench) to measure PDF ingest speed");
    return 2;
}
var folder = args[0];
Directory.CreateDirectory(folder);
DocumentSet.WriteAll(folder);
var written = "the document fixtures";
if (args.Contains("--bad")) { DocumentSet.WriteBad(folder); written += " and the files to reject"; }
var at = Array.IndexOf(args, "--bench-pages");
if (at >= 0)
{
    if (at + 1 >= args.Length || !int.TryParse(args[at + 1], out var pages) || pages < 1)
    {
        Console.Error.WriteLine("--bench-pages needs a page count, e.g. --bench-pages 200");
        return 2;
    }
    var path = Path.Combine(folder, "bench", "long-report.pdf");
    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
    File.WriteAllBytes(path, LongPaper.Build(pages));
    written += $" and a {pages}-page paper";
}
Console.WriteLine($"wrote {written} to {Path.GetFullPath(folder)}");
return 0;
