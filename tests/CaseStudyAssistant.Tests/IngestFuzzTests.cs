using System.Text;
using CaseStudyAssistant.Corpus;
using CaseStudyAssistant.Indexing;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace CaseStudyAssistant.Tests;

/// <summary>
/// Generated front matter and markdown, hostile on purpose (broken YAML flow collections, tabs, anchors, raw HTML,
/// control characters, huge headings): whatever a note holds, it is a study or a rejection, never an aborted ingest.
/// </summary>
public sealed class IngestFuzzTests
{
    private static readonly string[] YamlPieces =
    [
        "title: ", "company: ", "year: ", "tags: ", "id: ", "industry: ", "category: ", "source_url: ",
        "[", "]", "{", "}", ",", ":", ": ", "- ", "'", "\"", "&a ", "*a", "!!str ", "? ", "|", ">", "#", "%YAML 1.2",
        "\t", "  ", "\n", "\n  ", "2024", "-1", "99999999999999999999", "null", "~", "true", "Acme", "Foo: Bar",
        "https://x.example/a", "ü", "\u0001", "\u00a0", "---", "...", "<<: *a", "[a, b", "{a: [b",
    ];

    private static readonly string[] BodyPieces =
    [
        "# ", "## ", "### ", "Problem", "Approach", "Results", "\n", "\n\n", " ", "text about ranking models", "|a|b|\n|-|-|\n|1|2|",
        "```", "```python\n", "<script>x()</script>", "<div>", "</div>", "<!--", "-->", "[link](", ")", "](http://a.example)",
        "* ", "1. ", "> ", "---", "***", "\\", "`", "**", "_", "&amp;", "&#0;", "\u200b", "\r\n", "\t", "|", new string('x', 300),
        "The team sharded the queue by tenant and cut p99 latency by 40 percent.",
    ];

    private static Gen<string> Joined(string[] pieces, int max) =>
        Gen.Choose(0, max).SelectMany(n => Gen.Elements(pieces).ArrayOf(n)).Select(parts => string.Concat(parts));

    private static readonly Gen<string> Note =
        from frontMatter in Joined(YamlPieces, 25)
        from body in Joined(BodyPieces, 40)
        from fenced in Gen.Elements(true, true, false)
        select fenced ? $"---\n{frontMatter}\n---\n{body}" : frontMatter + body;

    [FsCheck.Xunit.Property(MaxTest = 300)]
    public Property Any_note_is_read_as_a_study_or_rejected_with_a_reason() =>
        Prop.ForAll(Note.ToArbitrary(), note =>
        {
            using var dir = new TempDir("fuzz");
            dir.Write("corpus/note.md", note);

            var read = new CorpusReader().Read([dir.File("corpus")]);

            var outcomes = read.Studies.Count + read.Rejected.Count;
            var reasonsGiven = read.Rejected.All(r => r.Path.EndsWith("note.md") && r.Problem.Length > 0 && !r.Problem.Contains("   at "));
            return (outcomes == 1 && reasonsGiven).Label($"studies {read.Studies.Count}, rejected [{string.Join("; ", read.Rejected)}]");
        });

    [Fact]
    public async Task An_ingest_of_many_generated_notes_completes_and_reports_each_one()
    {
        using var dir = new TempDir("fuzz-ingest");
        var notes = Note.Sample(30, 120);
        for (var i = 0; i < notes.Length; i++) dir.Write($"corpus/n{i:000}.md", notes[i]);
        dir.Write("corpus/good.md", StudyFile.Simple("good-note", "A good note", "Acme", "The Acme queue was sharded by tenant."));
        // A cheap stand-in model: this test is about reading and writing, not about meaning.
        using var sp = Pipeline.Build(dir.File("index.db"), s => s.Embedding.CachePath = dir.File("cache.db"),
            before: s => s.AddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(new HashingEmbeddingGenerator(384)));

        var report = await sp.GetRequiredService<Ingestor>().IngestAsync([dir.File("corpus")], rebuild: false);

        // Generated notes may share an id (the same title twice): those are rejected as duplicates, by name.
        Assert.Equal(notes.Length + 1, report.Added + report.Rejected.Count);
        var stored = await sp.GetRequiredService<IStudyIndex>().ListStudiesAsync(Indexing.SearchFilter.None);
        Assert.Contains(stored, s => s.Id == "good-note");
        Assert.Equal(report.Added, stored.Count);
    }
}
