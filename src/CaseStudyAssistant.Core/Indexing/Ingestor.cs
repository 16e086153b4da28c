using System.Diagnostics;
using CaseStudyAssistant.Chunking;
using CaseStudyAssistant.Corpus;
using CaseStudyAssistant.Retrieval;
using CaseStudyAssistant.Embedding;

namespace CaseStudyAssistant.Indexing;

/// <summary>
/// Reads the corpus folders, works out what changed since the last ingest (by content hash), chunks and encodes
/// the new and changed studies, and hands the store one all-or-nothing set of changes.
/// </summary>
public sealed class Ingestor(
    IStudyIndex index,
    Embedder embedder,
    StructuralChunker chunker,
    ChunkingOptions chunking,
    CorpusReader reader,
    Chat.ChatHistoryStore? chat = null)
{
    private const int EmbeddingBatch = 32;

    /// <param name="waitForOtherIngest">False: fail at once when another ingest holds the index's write lock.</param>
    public async Task<IngestReport> IngestAsync(IReadOnlyList<string> folders, bool rebuild, IProgress<IngestProgress>? progress = null,
        CancellationToken ct = default, bool waitForOtherIngest = true)
    {
        using var ingest = Telemetry.Source.StartActivity("csa.ingest");
        var clock = Stopwatch.StartNew();
        // The lock comes before the state is read: a diff computed against a state another ingest is changing is wrong.
        using var writeLock = await index.LockForWriteAsync(waitForOtherIngest,
            () => progress?.Report(new("Waiting for another ingest of this index to finish", 0, 1)), ct);
        // Earlier versions kept chat sessions in the index file, which a rebuild replaces: they move out first.
        if (rebuild) chat?.AdoptSessionsOfIndexFile();
        progress?.Report(new("Reading corpus", 0, 1));
        var reading = Telemetry.Source.StartActivity("csa.ingest.read");
        var state = rebuild ? IndexState.Empty : await index.GetStateAsync(ct);
        var model = await embedder.ModelAsync(ct);
        if (!state.IsEmpty) IndexCompatibility.Check(state.Model, model, index.Location);

        var pipeline = PipelineVersion(model);
        var reencodeAll = state.PipelineVersion != pipeline;
        // A saved PDF that the index holds in this exact version is not read again.
        var read = reader.Read(folders, reencodeAll ? null
            : (id, hash, path) => state.Studies.TryGetValue(id, out var s) && s.ContentHash == hash && s.SourcePath == path);
        var rejectedPaths = read.Rejected.Select(r => r.Path).ToHashSet(StringComparer.Ordinal);
        bool WasRejected(string sourcePath) => rejectedPaths.Contains(sourcePath) || rejectedPaths.Contains(CorpusReader.FileOf(sourcePath));

        var toWrite = new List<CaseStudy>();
        int added = 0, updated = 0, unchanged = 0;
        foreach (var study in read.Studies)
        {
            if (study.TextNotRead) { unchanged++; continue; }
            if (!state.Studies.TryGetValue(study.Id, out var stored)) { added++; toWrite.Add(study); }
            else if (reencodeAll || stored.ContentHash != study.ContentHash || stored.SourcePath != study.SourcePath) { updated++; toWrite.Add(study); }
            else unchanged++;
        }
        var present = read.Studies.Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
        // A study whose file is still there but failed to parse this time keeps its last good version.
        var removed = state.Studies.Values
            .Where(s => !present.Contains(s.Id) && !WasRejected(s.SourcePath))
            .Select(s => s.Id).ToList();

        reading?.SetTag("csa.studies", read.Studies.Count);
        reading?.Dispose();

        progress?.Report(new("Chunking", 0, toWrite.Count));
        var chunking = Telemetry.Source.StartActivity("csa.ingest.chunk");
        var chunked = toWrite.Select(study => (Study: study, Chunks: chunker.Chunk(study))).ToList();
        var texts = chunked.SelectMany(p => p.Chunks.Select(c => ChunkContext.ForEmbedding(p.Study, c))).ToList();
        chunking?.SetTag("csa.chunks", texts.Count);
        chunking?.Dispose();
        float[][] vectors;
        int embedded;
        double embedSeconds;
        using (Telemetry.Source.StartActivity("csa.ingest.embed"))
            (vectors, embedded, embedSeconds) = await EmbedAsync(texts, progress, ct);

        var upserts = new List<StudyUpsert>(chunked.Count);
        var v = 0;
        foreach (var (study, chunks) in chunked)
        {
            var encoded = chunks.Select(c => new IndexedChunk(c, vectors[v++], SparseEncoder.EncodeDocument(ChunkContext.SparseTerms(study, c)))).ToList();
            upserts.Add(new StudyUpsert(study, encoded, SparseEncoder.EncodeDocument(ChunkContext.StudyTerms(study), SparseEncoder.AverageStudyLength)));
        }

        if (upserts.Count > 0 || removed.Count > 0 || rebuild || state.Model is null)
        {
            progress?.Report(new("Writing index", 0, 1));
            using var _ = Telemetry.Source.StartActivity("csa.ingest.write");
            await index.ApplyAsync(new IndexChanges(upserts, removed), model, pipeline, rebuild ? IndexWriteMode.Rebuild : IndexWriteMode.Incremental, ct);
        }
        progress?.Report(new("Done", 1, 1));

        return new IngestReport(added, updated, unchanged, removed.Count, texts.Count, clock.Elapsed.TotalSeconds,
            read.Rejected, index.Location, rebuild)
        {
            SkippedLinks = read.SkippedLinks,
            Model = model, ChunksEmbedded = embedded, ChunksFromCache = texts.Count - embedded,
            ChunksOverWindow = chunked.Sum(p => p.Chunks.Count(c => c.OverWindow)), EmbedSeconds = embedSeconds,
            EmbeddingTokens = embedder.Window is { } window ? texts.Sum(t => (long)window.CountTokens(t) + 2) : 0,
            Documents = read.Documents,
        };
    }

    /// <summary>Embeds in batches through the vector cache, reporting chunks done, the rate and (from them) the time left.</summary>
    private async Task<(float[][] Vectors, int Embedded, double Seconds)> EmbedAsync(List<string> texts, IProgress<IngestProgress>? progress, CancellationToken ct)
    {
        var vectors = new float[texts.Count][];
        var before = embedder.Counts.Embedded;
        var clock = Stopwatch.StartNew();
        progress?.Report(new("Embedding chunks", 0, texts.Count));
        for (var start = 0; start < texts.Count; start += EmbeddingBatch)
        {
            ct.ThrowIfCancellationRequested();
            var part = texts.GetRange(start, Math.Min(EmbeddingBatch, texts.Count - start));
            var done = await embedder.EmbedPassagesAsync(part, ct);
            done.CopyTo(vectors, start);
            var finished = start + part.Count;
            progress?.Report(new("Embedding chunks", finished, texts.Count, finished / Math.Max(clock.Elapsed.TotalSeconds, 1e-3)));
        }
        return (vectors, (int)(embedder.Counts.Embedded - before), clock.Elapsed.TotalSeconds);
    }

    public Task<EmbeddingModelInfo> ModelInfoAsync(CancellationToken ct) => embedder.ModelAsync(ct);

    /// <summary>Everything that shapes stored chunks and vectors; when it changes, all studies are re-encoded.</summary>
    public string PipelineVersion(EmbeddingModelInfo model) =>
        $"reader={CorpusReader.Version};analyzer={TextAnalyzer.Version};chunks={chunking.MaxTokens}/{chunking.OverlapSentences}/{chunking.Encoding}/window={embedder.Window?.MaxTokens ?? 0};sparse={SparseEncoder.K1}/{SparseEncoder.B}/{SparseEncoder.AverageLength}/{SparseEncoder.AverageStudyLength};model={model.Name}";
}

internal static class IndexCompatibility
{
    public static void Check(EmbeddingModelInfo? indexed, EmbeddingModelInfo configured, string location)
    {
        if (indexed is null || indexed == configured) return;
        throw new IndexMismatchException(
            $"the index at {location} was built with embedding model {indexed}, but the configured model is {configured}; re-ingest with --rebuild to rebuild it with the configured model");
    }
}
