using System.Diagnostics;
using CaseStudyAssistant.Chunking;
using CaseStudyAssistant.Corpus;
using CaseStudyAssistant.Retrieval;
using Microsoft.Extensions.AI;

namespace CaseStudyAssistant.Indexing;

/// <summary>
/// Reads the corpus folders, works out what changed since the last ingest (by content hash), chunks and encodes
/// the new and changed studies, and hands the store one all-or-nothing set of changes.
/// </summary>
public sealed class Ingestor(
    IStudyIndex index,
    IEmbeddingGenerator<string, Embedding<float>> embedder,
    StructuralChunker chunker,
    ChunkingOptions chunking,
    CorpusReader reader)
{
    private const int EmbeddingBatch = 64;

    public async Task<IngestReport> IngestAsync(IReadOnlyList<string> folders, bool rebuild, IProgress<IngestProgress>? progress = null, CancellationToken ct = default)
    {
        var clock = Stopwatch.StartNew();
        progress?.Report(new("Reading corpus", 0, 1));
        var state = rebuild ? IndexState.Empty : await index.GetStateAsync(ct);
        var model = await ModelInfoAsync(ct);
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

        var upserts = new List<StudyUpsert>(toWrite.Count);
        var chunkCount = 0;
        var pending = new List<(CaseStudy Study, IReadOnlyList<Chunk> Chunks)>();
        var done = 0;
        foreach (var batch in toWrite.Chunk(16))
        {
            ct.ThrowIfCancellationRequested();
            foreach (var study in batch) pending.Add((study, chunker.Chunk(study)));
            var texts = pending.SelectMany(p => p.Chunks.Select(c => ChunkContext.ForEmbedding(p.Study, c))).ToList();
            var vectors = new List<float[]>(texts.Count);
            foreach (var part in texts.Chunk(EmbeddingBatch))
                vectors.AddRange((await embedder.GenerateAsync(part, cancellationToken: ct)).Select(e => e.Vector.ToArray()));
            var v = 0;
            foreach (var (study, chunks) in pending)
            {
                var encoded = chunks.Select(c => new IndexedChunk(c, vectors[v++], SparseEncoder.EncodeDocument(ChunkContext.SparseTerms(study, c)))).ToList();
                upserts.Add(new StudyUpsert(study, encoded, SparseEncoder.EncodeDocument(ChunkContext.StudyTerms(study), SparseEncoder.AverageStudyLength)));
                chunkCount += encoded.Count;
            }
            done += pending.Count;
            pending.Clear();
            progress?.Report(new("Chunking and embedding", done, toWrite.Count));
        }

        if (upserts.Count > 0 || removed.Count > 0 || rebuild || state.Model is null)
        {
            progress?.Report(new("Writing index", 0, 1));
            await index.ApplyAsync(new IndexChanges(upserts, removed), model, pipeline, rebuild ? IndexWriteMode.Rebuild : IndexWriteMode.Incremental, ct);
        }
        progress?.Report(new("Done", 1, 1));

        return new IngestReport(added, updated, unchanged, removed.Count, chunkCount, clock.Elapsed.TotalSeconds,
            read.Rejected, index.Location, rebuild) { Documents = read.Documents };
    }

    public async Task<EmbeddingModelInfo> ModelInfoAsync(CancellationToken ct)
    {
        var meta = embedder.GetService<EmbeddingGeneratorMetadata>();
        if (meta?.DefaultModelId is { } name && meta.DefaultModelDimensions is { } dims) return new EmbeddingModelInfo(name, dims);
        var probe = await embedder.GenerateAsync(["dimension probe"], cancellationToken: ct);
        return new EmbeddingModelInfo(meta?.DefaultModelId ?? probe[0].ModelId ?? "unknown", probe[0].Vector.Length);
    }

    /// <summary>Everything that shapes stored chunks and vectors; when it changes, all studies are re-encoded.</summary>
    public string PipelineVersion(EmbeddingModelInfo model) =>
        $"analyzer={TextAnalyzer.Version};chunks={chunking.MaxTokens}/{chunking.OverlapSentences};sparse={SparseEncoder.K1}/{SparseEncoder.B}/{SparseEncoder.AverageLength}/{SparseEncoder.AverageStudyLength};model={model.Name}";
}

public static class IndexCompatibility
{
    public static void Check(EmbeddingModelInfo? indexed, EmbeddingModelInfo configured, string location)
    {
        if (indexed is null || indexed == configured) return;
        throw new IndexMismatchException(
            $"the index at {location} was built with embedding model {indexed}, but the configured model is {configured}; re-ingest with --rebuild to rebuild it with the configured model");
    }
}
