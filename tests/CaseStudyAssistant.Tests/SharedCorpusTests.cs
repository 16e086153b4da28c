using System.Text.Json;
using CaseStudyAssistant.Answering;
using CaseStudyAssistant.Indexing;
using CaseStudyAssistant.Retrieval;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace CaseStudyAssistant.Tests;

/// <summary>
/// The ../shared catalog notes, ingested once into a temp index. Does nothing unless a test asks for it, so a
/// checkout without ../shared (where the tests are skipped) never touches the folder.
/// </summary>
public sealed class SharedCatalogFixture : IDisposable
{
    public const string NotesFolder = "corpus/ml-system-design-catalog/notes";
    private readonly Lazy<(TempDir Dir, ServiceProvider Services, IngestReport Report)> _built = new(() =>
    {
        var dir = new TempDir("shared");
        var services = Pipeline.Build(dir.File("index.db"));
        var report = services.GetRequiredService<Ingestor>().IngestAsync([Repo.Shared(NotesFolder)], rebuild: false).GetAwaiter().GetResult();
        return (dir, services, report);
    });

    public ServiceProvider Services => _built.Value.Services;
    public IngestReport Report => _built.Value.Report;

    public void Dispose()
    {
        if (!_built.IsValueCreated) return;
        _built.Value.Services.Dispose();
        _built.Value.Dir.Dispose();
    }
}

public sealed class SharedCorpusTests(SharedCatalogFixture fixture, ITestOutputHelper output) : IClassFixture<SharedCatalogFixture>
{
    private sealed record EvalItem(string Id, string Question, IReadOnlyList<string> Relevant, string Type);

    private static List<EvalItem> LoadEval()
    {
        var items = new List<EvalItem>();
        foreach (var line in File.ReadLines(Repo.Shared("eval/dev.jsonl")))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            using var doc = JsonDocument.Parse(line);
            var r = doc.RootElement;
            items.Add(new EvalItem(r.GetProperty("id").GetString()!, r.GetProperty("question").GetString()!,
                r.GetProperty("relevant").EnumerateArray().Select(x => x.GetString()!).ToList(), r.GetProperty("type").GetString()!));
        }
        return items;
    }

    [Fact]
    public void Shared_facts_are_skipped_with_a_clear_message_when_the_data_is_absent()
    {
        var missing = new SharedFactAttribute("no/such/file.jsonl");
        Assert.NotNull(missing.Skip);
        Assert.StartsWith("needs ../shared (no/such/file.jsonl", missing.Skip);
        Assert.EndsWith("not present", missing.Skip);

        // Present data runs (checked against the real folder so the attribute cannot skip everything).
        var present = new SharedFactAttribute("");
        Assert.Equal(Repo.SharedExists(""), present.Skip is null);
    }

    [SharedFact(SharedCatalogFixture.NotesFolder)]
    public void The_catalog_notes_ingest_without_rejections()
    {
        output.WriteLine($"{fixture.Report.Added} studies, {fixture.Report.Chunks} chunks, {fixture.Report.Rejected.Count} rejected");
        foreach (var r in fixture.Report.Rejected) output.WriteLine($"rejected: {r}");
        Assert.Empty(fixture.Report.Rejected);
        Assert.True(fixture.Report.Added >= 400, $"expected the full catalog, got {fixture.Report.Added} studies");
    }

    [SharedFact("eval/dev.jsonl")]
    public async Task Fact_questions_find_their_relevant_study_in_the_top_5_documents()
    {
        Assert.True(Repo.SharedExists(SharedCatalogFixture.NotesFolder), "the catalog notes are missing from ../shared");
        var facts = LoadEval().Where(i => i.Type == "fact").Take(15).ToList();
        Assert.True(facts.Count >= 10, $"expected at least 10 fact questions, found {facts.Count}");
        var retriever = fixture.Services.GetRequiredService<Retriever>();

        var found = 0;
        foreach (var item in facts)
        {
            var result = await retriever.RetrieveAsync(item.Question, top: 20);
            var top5 = result.Chunks.Select(c => c.Study.Id).Distinct().Take(5).ToList();
            var hit = top5.Intersect(item.Relevant).Any();
            if (hit) found++;
            output.WriteLine($"{(hit ? "hit " : "MISS")} {item.Id} relevant={string.Join(",", item.Relevant)} top5={string.Join(",", top5)}");
        }
        var rate = found / (double)facts.Count;
        output.WriteLine($"recall@5 documents: {found}/{facts.Count} = {rate:P0}");
        Assert.True(rate >= 0.9, $"only {found} of {facts.Count} fact questions found their study in the top 5 ({rate:P0} < 90%)");
    }

    [SharedFact("eval/dev.jsonl")]
    public async Task Unanswerable_questions_are_mostly_refused_and_fact_answers_cite_the_relevant_study()
    {
        Assert.True(Repo.SharedExists(SharedCatalogFixture.NotesFolder), "the catalog notes are missing from ../shared");
        var items = LoadEval();
        var assistant = fixture.Services.GetRequiredService<Assistant>();

        var facts = items.Where(i => i.Type == "fact").Take(15).ToList();
        var cited = 0;
        foreach (var item in facts)
        {
            var answer = await assistant.AskAsync(item.Question);
            var ok = !answer.Refused && answer.Citations.Any(c => item.Relevant.Contains(c.DocId));
            if (ok) cited++;
            output.WriteLine($"{(ok ? "cited" : "NOT  ")} {item.Id} refused={answer.Refused} citations={string.Join(",", answer.Citations.Select(c => c.DocId))}");
        }
        var unanswerable = items.Where(i => i.Type == "unanswerable").ToList();
        var refused = 0;
        foreach (var item in unanswerable)
        {
            var answer = await assistant.AskAsync(item.Question);
            if (answer.Refused) refused++;
            output.WriteLine($"{(answer.Refused ? "refused " : "ANSWERED")} {item.Id} evidence={answer.Evidence:0.00} {item.Question}");
        }
        output.WriteLine($"fact answers citing the relevant study: {cited}/{facts.Count}; unanswerable refused: {refused}/{unanswerable.Count}");
        Assert.True(cited >= facts.Count * 0.8, $"only {cited} of {facts.Count} fact answers cite the relevant study");
        Assert.True(unanswerable.Count == 0 || refused >= unanswerable.Count * 0.5, $"only {refused} of {unanswerable.Count} unanswerable questions were refused");
    }

    /// <summary>
    /// Eval ranks studies from one deep retrieval and answers from its first chunks, so a deep retrieval cut to the
    /// default top must be the default retrieval: the same chunks in the same order, and the same evidence.
    /// </summary>
    [SharedFact("eval/dev.jsonl")]
    public async Task A_deep_retrieval_cut_to_the_default_top_is_the_default_retrieval()
    {
        Assert.True(Repo.SharedExists(SharedCatalogFixture.NotesFolder), "the catalog notes are missing from ../shared");
        var retriever = fixture.Services.GetRequiredService<Retriever>();
        Assert.Equal(8, retriever.DefaultTop);

        var differ = new List<string>();
        foreach (var item in LoadEval())
        {
            var deep = await retriever.RetrieveAsync(item.Question, top: 40);
            var shallow = await retriever.RetrieveAsync(item.Question);
            Assert.True(deep.Chunks.Count > shallow.Chunks.Count, $"{item.Id}: the deep retrieval returned only {deep.Chunks.Count} chunks");
            var (cut, expected) = (Summary(deep.Take(retriever.DefaultTop)), Summary(shallow));
            if (cut != expected) differ.Add($"{item.Id}:\n  cut:     {cut}\n  default: {expected}");
        }
        Assert.True(differ.Count == 0, $"{differ.Count} question(s) differ:\n{string.Join("\n", differ)}");
    }

    private static string Summary(RetrievalResult r) =>
        $"chunks {string.Join(",", r.Chunks.Select(c => $"{c.Rank}:{c.Chunk.Id}@{c.StudyRank}"))}; evidence {r.Evidence.Best:R}; "
        + $"per study {string.Join(",", r.Evidence.PerStudy.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value:R}"))}; "
        + $"missing {string.Join(",", r.Evidence.MissingNames)}; similarity {r.Evidence.Similarity:R}; "
        + $"per study similarity {string.Join(",", r.Evidence.PerStudySimilarity.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value:R}"))}; "
        + $"terms {string.Join(",", r.TermWeights.Select(kv => $"{kv.Key}={kv.Value:R}"))}";
}
