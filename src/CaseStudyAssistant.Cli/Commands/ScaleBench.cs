using System.Diagnostics;
using System.Numerics.Tensors;
using CaseStudyAssistant.Chunking;
using CaseStudyAssistant.Corpus;
using CaseStudyAssistant.Indexing;
using CaseStudyAssistant.Indexing.Embedded;
using CaseStudyAssistant.Retrieval;

namespace CaseStudyAssistant.Cli.Commands;

/// <summary>
/// The embedded store at a size no corpus here reaches: synthetic studies of ten chunks, each chunk with a random unit
/// vector and words drawn from a Zipf-like vocabulary, written through the real store, then searched the way the
/// retriever searches (both legs, fusion, study ranking).
/// </summary>
internal static class ScaleBench
{
    private const int Dimensions = 384;
    private const int ChunksPerStudy = 10;
    private const int Vocabulary = 30_000;
    private const int WordsPerChunk = 60;

    public static async Task<object> RunAsync(int chunks, string folder, CancellationToken ct)
    {
        if (chunks < ChunksPerStudy) throw new CliError($"--scale must be at least {ChunksPerStudy}");
        var random = new Random(42);
        // Zipf-like: word k is drawn with weight 1/(k+1).
        var cumulative = new double[Vocabulary];
        double sum = 0;
        for (var k = 0; k < Vocabulary; k++) cumulative[k] = sum += 1.0 / (k + 1);
        string Word() { var i = Array.BinarySearch(cumulative, random.NextDouble() * sum); return $"w{(i < 0 ? ~i : i)}"; }
        // Query words skip the hundred most frequent ones, as the analyzer drops stop words from real questions.
        string QueryWord() { string w; do w = Word(); while (int.Parse(w.AsSpan(1)) < 100); return w; }
        float[] Vector()
        {
            var v = new float[Dimensions];
            for (var i = 0; i < Dimensions; i++) v[i] = (float)(random.NextDouble() * 2 - 1);
            TensorPrimitives.Divide(v, TensorPrimitives.Norm(v), v);
            return v;
        }

        var path = Path.Combine(folder, "scale.db");
        using var index = new SqliteStudyIndex(path);
        var clock = Stopwatch.StartNew();
        var upserts = new List<StudyUpsert>();
        for (var s = 0; s < chunks / ChunksPerStudy; s++)
        {
            var id = $"study-{s}";
            var sections = Enumerable.Range(0, ChunksPerStudy).Select(c => new StudySection($"Section {c}", string.Join(' ', Enumerable.Range(0, WordsPerChunk).Select(_ => Word())))).ToList();
            var study = new CaseStudy { Id = id, Title = $"Study {s}", Company = $"Company {s % 500}", Year = 2015 + s % 11, SourcePath = $"{id}.md", ContentHash = id, Sections = sections };
            var encoded = sections.Select((x, c) => new IndexedChunk(
                new Chunk { Id = Chunk.MakeId(id, c), StudyId = id, Ordinal = c, Heading = x.Heading, Text = x.Text, TokenCount = WordsPerChunk },
                Vector(), SparseEncoder.EncodeDocument(TextAnalyzer.Instance.Analyze(x.Text)))).ToList();
            upserts.Add(new StudyUpsert(study, encoded, SparseEncoder.EncodeDocument(TextAnalyzer.Instance.Analyze(string.Join(' ', sections.Select(x => x.Text))), SparseEncoder.AverageStudyLength)));
        }
        var build = clock.Elapsed.TotalSeconds;
        clock.Restart();
        await index.ApplyAsync(new IndexChanges(upserts, []), new EmbeddingModelInfo("synthetic", Dimensions), "synthetic", IndexWriteMode.Rebuild, ct);
        var write = clock.Elapsed.TotalSeconds;
        upserts.Clear();

        var options = new RetrievalOptions();
        HybridQuery Query() => new()
        {
            Dense = Vector(), Sparse = SparseEncoder.EncodeQuery(TextAnalyzer.Instance.Analyze(string.Join(' ', Enumerable.Range(0, 6).Select(_ => QueryWord())))),
            CandidatePool = options.CandidatePool, RrfK = options.RrfK, SparseWeight = options.SparseWeight, DenseWeight = options.DenseWeight,
            Limit = Math.Max(options.Top * options.MaxChunksPerStudy * 4, options.CandidatePool), StudyPool = options.CandidatePool,
        };
        clock.Restart();
        await index.SearchAsync(Query(), ct);
        var load = clock.Elapsed.TotalSeconds;
        for (var i = 0; i < 20; i++) await index.SearchAsync(Query(), ct);
        var samples = new List<double>();
        for (var i = 0; i < 300; i++)
        {
            var q = Query();
            clock.Restart();
            await index.SearchAsync(q, ct);
            samples.Add(clock.Elapsed.TotalMilliseconds);
        }
        samples.Sort();
        return new
        {
            syntheticChunks = chunks / ChunksPerStudy * ChunksPerStudy, studies = chunks / ChunksPerStudy, dimensions = Dimensions,
            generateSeconds = Math.Round(build, 2), writeSeconds = Math.Round(write, 2), loadSeconds = Math.Round(load, 2),
            indexFileMb = Math.Round(new FileInfo(path).Length / (1024.0 * 1024), 1),
            searches = samples.Count,
            searchP50Ms = Math.Round(BenchCommand.Percentile(samples, 0.5), 3), searchP99Ms = Math.Round(BenchCommand.Percentile(samples, 0.99), 3),
            peakMemoryMb = Math.Round(Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024), 1),
        };
    }
}
