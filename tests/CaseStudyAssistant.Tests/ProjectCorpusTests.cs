using System.Text.Json;
using System.Text.RegularExpressions;
using CaseStudyAssistant.Corpus;
using CaseStudyAssistant.Evaluation;

namespace CaseStudyAssistant.Tests;

/// <summary>The project's own corpus/ and eval/questions.jsonl: what users get out of the box.</summary>
public sealed partial class ProjectCorpusTests
{
    private static readonly string CorpusDir = Path.Combine(Repo.Root, "corpus");
    private static readonly string[] RequiredSections = ["Problem", "Approach", "Key decisions", "Stack", "Results", "Takeaways"];
    private static readonly Lazy<CorpusReadResult> Read = new(() => new CorpusReader().Read([CorpusDir]));

    [GeneratedRegex("[a-z0-9]+")]
    private static partial Regex Word();

    private static IEnumerable<string> NoteFiles() => CorpusReader.EnumerateFiles(CorpusDir);

    [Fact]
    public void Every_note_parses_with_no_rejections()
    {
        Assert.Empty(Read.Value.Rejected);
        Assert.True(Read.Value.Studies.Count >= 120, $"only {Read.Value.Studies.Count} notes");
    }

    [Fact]
    public void Every_note_has_the_required_fields_and_sections()
    {
        var problems = new List<string>();
        foreach (var s in Read.Value.Studies)
        {
            if (!Regex.IsMatch(s.Id, "^[a-z0-9]+(-[a-z0-9]+)*$")) problems.Add($"{s.SourcePath}: id '{s.Id}' is not a lowercase slug");
            if (string.IsNullOrWhiteSpace(s.Industry)) problems.Add($"{s.SourcePath}: no industry");
            if (string.IsNullOrWhiteSpace(s.Category)) problems.Add($"{s.SourcePath}: no category");
            if (s.Year is not (>= 2010 and <= 2026)) problems.Add($"{s.SourcePath}: year {s.Year} outside 2010–2026");
            if (s.Tags.Count is < 3 or > 10) problems.Add($"{s.SourcePath}: {s.Tags.Count} tags");
            if (!Uri.TryCreate(s.SourceUrl, UriKind.Absolute, out var u) || u.Scheme != Uri.UriSchemeHttps && u.Scheme != Uri.UriSchemeHttp)
                problems.Add($"{s.SourcePath}: source_url '{s.SourceUrl}' is not an http(s) URL");
            var headings = s.Sections.Select(x => x.Heading).ToList();
            var missing = RequiredSections.Where(r => !headings.Contains(r)).ToList();
            if (missing.Count > 0) problems.Add($"{s.SourcePath}: missing sections {string.Join(", ", missing)}");
            var folder = Path.GetFileName(Path.GetDirectoryName(s.SourcePath));
            if (folder != s.Category) problems.Add($"{s.SourcePath}: category '{s.Category}' but folder '{folder}'");
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Notes_are_250_to_500_words_and_ids_are_unique()
    {
        var problems = new List<string>();
        foreach (var file in NoteFiles())
        {
            FrontMatter.TrySplit(File.ReadAllText(file), out _, out var body);
            var words = body.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
            // The title heading and section headings add a few words on top of the prose.
            if (words is < 250 or > 540) problems.Add($"{file}: {words} words");
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.Equal(Read.Value.Studies.Count, Read.Value.Studies.Select(s => s.Id).Distinct().Count());
    }

    [Fact]
    public void Corpus_covers_all_sixteen_categories()
    {
        string[] categories = ["ads", "anomaly", "audio", "cv", "data", "forecast", "fraud", "genai", "graph", "mlops", "moderation", "nlp", "optim", "rec", "rl", "search"];
        var present = Read.Value.Studies.Select(s => s.Category).ToHashSet();
        Assert.DoesNotContain(categories, c => !present.Contains(c));
    }

    [Fact]
    public void Corpus_readme_indexes_every_note()
    {
        var readme = File.ReadAllText(Path.Combine(CorpusDir, "README.md"));
        var missing = NoteFiles().Select(f => Path.GetRelativePath(CorpusDir, f).Replace('\\', '/')).Where(rel => !readme.Contains($"]({rel})")).ToList();
        Assert.True(missing.Count == 0, "not listed in corpus/README.md: " + string.Join(", ", missing));
    }

    [Fact]
    public void Own_questions_cover_all_types_and_point_at_existing_notes()
    {
        var items = EvalDataset.Load(Path.Combine(Repo.Root, "eval", "questions.jsonl"));
        Assert.True(items.Count * 3 >= Read.Value.Studies.Count, $"{items.Count} questions for {Read.Value.Studies.Count} notes: fewer than one per three");
        Assert.DoesNotContain(EvalDataset.Types, t => !items.Any(i => i.Type == t));
        var ids = Read.Value.Studies.Select(s => s.Id).ToHashSet();
        Assert.DoesNotContain(items.SelectMany(i => i.Relevant), id => !ids.Contains(id));
    }

    /// <summary>No run of 8 consecutive words of a note may repeat the shared catalog's text (the notes are our own words).</summary>
    [SharedFact("corpus/ml-system-design-catalog/notes")]
    public void Notes_share_no_eight_word_run_with_the_shared_catalog()
    {
        const int n = 8;
        var shared = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(Repo.Shared("corpus/ml-system-design-catalog/notes"), "*.md", SearchOption.AllDirectories))
        {
            if (Path.GetFileName(file) is "INDEX.md" or "README.md") continue;
            var w = Words(File.ReadAllText(file));
            for (var i = 0; i + n <= w.Count; i++) shared.Add(string.Join(' ', w.GetRange(i, n)));
        }
        var copied = new List<string>();
        foreach (var file in NoteFiles())
        {
            var w = Words(File.ReadAllText(file));
            for (var i = 0; i + n <= w.Count; i++)
            {
                var run = string.Join(' ', w.GetRange(i, n));
                if (shared.Contains(run)) { copied.Add($"{Path.GetRelativePath(CorpusDir, file)}: '{run}'"); break; }
            }
        }
        Assert.True(copied.Count == 0, "wording copied from ../shared:\n" + string.Join("\n", copied));
    }

    /// <summary>Words as the copy check counts them: front matter and URLs dropped, lower-cased letters and digits.</summary>
    private static List<string> Words(string text)
    {
        text = Regex.Replace(text, @"^---\n.*?\n---\n", "", RegexOptions.Singleline);
        text = Regex.Replace(text, @"https?://\S+", " ");
        return Word().Matches(text.ToLowerInvariant()).Select(m => m.Value).ToList();
    }
}
