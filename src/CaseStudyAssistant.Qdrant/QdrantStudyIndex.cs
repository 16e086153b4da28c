using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using CaseStudyAssistant.Corpus;
using CaseStudyAssistant.Indexing;
using CaseStudyAssistant.Retrieval;
using static CaseStudyAssistant.Qdrant.QdrantFilters;

namespace CaseStudyAssistant.Qdrant;

/// <summary>
/// The index in Qdrant. One collection per build, reached through an alias, holding three kinds of point: chunks
/// (named vectors <c>dense</c> and sparse <c>bm25</c>), studies (sparse <c>bm25_study</c> and the study's metadata and
/// sections) and one statistics point (chunk document frequencies, for evidence checks). Sparse vectors carry our
/// BM25-saturated weights and the collection applies IDF (<c>modifier: idf</c>), and fusion is Qdrant's RRF with the
/// same k, weights and pools as the embedded store, so the two rank alike.
/// </summary>
public sealed class QdrantStudyIndex : IStudyIndex
{
    public const string DenseVector = "dense", SparseVector = "bm25", StudyVector = "bm25_study";
    public const string ChunkKind = "chunk", StudyKind = "study", StatsKind = "stats";
    public const int SchemaVersion = 1;
    /// <summary>RRF with an explicit k needs 1.16; per-list weights need 1.17.</summary>
    public static readonly Version MinimumVersion = new(1, 16, 0);
    public static readonly Version WeightsVersion = new(1, 17, 0);

    private readonly QdrantHttp _http;
    private readonly QdrantOptions _options;
    private Version? _serverVersion;
    private Dictionary<string, StudyRecord>? _studies;
    private TermStatistics? _statistics;
    private Dictionary<uint, long>? _documentFrequency;

    public QdrantStudyIndex(QdrantOptions options, HttpMessageHandler? handler = null)
    {
        if (string.IsNullOrWhiteSpace(options.Collection) || options.Collection.Contains('/'))
            throw new QdrantException($"'{options.Collection}' is not a usable collection name", hint: "set Index:Qdrant:Collection to a name without '/'");
        _options = options;
        _http = new QdrantHttp(options, handler);
    }

    public string Location => $"{_http.BaseUrl} (collection alias '{_options.Collection}')";
    private string Alias => _options.Collection;

    // ---- server and collection ----

    public async Task<Version> ServerVersionAsync(CancellationToken ct = default)
    {
        if (_serverVersion is not null) return _serverVersion;
        var root = await _http.SendAsync(HttpMethod.Get, "", ct: ct);
        var text = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("version", out var v) ? v.GetString() : null;
        if (text is null || !Version.TryParse(text.Split('-')[0], out var version))
            throw new QdrantException($"{_http.BaseUrl} did not answer GET / like a Qdrant server (no version)", hint: "check --qdrant-url");
        if (version < MinimumVersion)
            throw new QdrantException($"Qdrant at {_http.BaseUrl} is version {version}; this client needs {MinimumVersion} or newer (RRF fusion with an explicit k)",
                hint: "upgrade Qdrant (docker-compose.yml pins qdrant/qdrant:v1.19.0)");
        return _serverVersion = version;
    }

    private async Task<bool> AliasExistsAsync(CancellationToken ct)
    {
        var aliases = await _http.SendAsync(HttpMethod.Get, "aliases", ct: ct);
        return aliases.GetProperty("aliases").EnumerateArray().Any(a => a.GetProperty("alias_name").GetString() == Alias);
    }

    private async Task<string?> AliasTargetAsync(CancellationToken ct)
    {
        var aliases = await _http.SendAsync(HttpMethod.Get, "aliases", ct: ct);
        return aliases.GetProperty("aliases").EnumerateArray()
            .Where(a => a.GetProperty("alias_name").GetString() == Alias)
            .Select(a => a.GetProperty("collection_name").GetString()).FirstOrDefault();
    }

    private async Task CreateCollectionAsync(string name, EmbeddingModelInfo model, string pipelineVersion, CancellationToken ct)
    {
        var body = new JsonObject
        {
            ["vectors"] = new JsonObject { [DenseVector] = new JsonObject { ["size"] = model.Dimensions, ["distance"] = "Cosine" } },
            ["sparse_vectors"] = new JsonObject
            {
                [SparseVector] = new JsonObject { ["modifier"] = "idf" },
                [StudyVector] = new JsonObject { ["modifier"] = "idf" },
            },
            ["shard_number"] = _options.ShardNumber,
            ["replication_factor"] = _options.ReplicationFactor,
            ["write_consistency_factor"] = _options.WriteConsistencyFactor,
            ["on_disk_payload"] = true,
            ["metadata"] = Metadata(model, pipelineVersion),
        };
        await _http.SendAsync(HttpMethod.Put, $"collections/{Uri.EscapeDataString(name)}?timeout=60", body, ct);
        foreach (var (field, schema) in new (string, JsonNode)[]
        {
            (Kind, "keyword"), (DocId, "keyword"), (CompanyKey, "keyword"), (IndustryKey, "keyword"),
            (CategoryKey, "keyword"), (TagsKey, "keyword"),
            (Year, new JsonObject { ["type"] = "integer", ["lookup"] = true, ["range"] = true }),
            (Ordinal, new JsonObject { ["type"] = "integer", ["lookup"] = false, ["range"] = true }),
        })
        {
            await _http.SendAsync(HttpMethod.Put, $"collections/{Uri.EscapeDataString(name)}/index?wait=true",
                new JsonObject { ["field_name"] = field, ["field_schema"] = schema }, ct);
        }
    }

    private static JsonObject Metadata(EmbeddingModelInfo model, string pipelineVersion) => new()
    {
        ["embedding_model"] = model.Name,
        ["embedding_dimensions"] = model.Dimensions,
        ["pipeline_version"] = pipelineVersion,
        ["schema_version"] = SchemaVersion,
    };

    // ---- state ----

    public async Task<IndexState> GetStateAsync(CancellationToken ct = default)
    {
        await ServerVersionAsync(ct);
        if (!await AliasExistsAsync(ct)) return IndexState.Empty;
        var info = await _http.SendAsync(HttpMethod.Get, $"collections/{Uri.EscapeDataString(Alias)}", ct: ct);
        EmbeddingModelInfo? model = null;
        string? pipeline = null;
        if (info.TryGetProperty("config", out var config) && config.TryGetProperty("metadata", out var meta) && meta.ValueKind == JsonValueKind.Object)
        {
            if (meta.TryGetProperty("schema_version", out var sv) && sv.ValueKind == JsonValueKind.Number && sv.GetInt32() != SchemaVersion)
                throw new IndexMismatchException($"the Qdrant collection behind '{Alias}' has layout {sv.GetInt32()}, this version uses {SchemaVersion}; re-ingest with --rebuild");
            if (meta.TryGetProperty("embedding_model", out var name) && meta.TryGetProperty("embedding_dimensions", out var dims))
                model = new EmbeddingModelInfo(name.GetString() ?? "", dims.GetInt32());
            if (meta.TryGetProperty("pipeline_version", out var pv)) pipeline = pv.GetString();
        }
        var studies = new Dictionary<string, StoredStudy>(StringComparer.Ordinal);
        await foreach (var point in ScrollAsync(For(StudyKind, SearchFilter.None), new JsonArray("doc_id", "content_hash", "source_path"), null, ct))
        {
            var p = point.GetProperty("payload");
            var id = p.GetProperty("doc_id").GetString()!;
            studies[id] = new StoredStudy(id, p.GetProperty("content_hash").GetString()!, p.GetProperty("source_path").GetString()!);
        }
        return new IndexState(model, pipeline, studies);
    }

    private IAsyncEnumerable<JsonElement> ScrollAsync(JsonObject filter, JsonNode withPayload, JsonNode? withVector, CancellationToken ct) =>
        ScrollAsync(Uri.EscapeDataString(Alias), filter, withPayload, withVector, ct);

    /// <summary>Every point matching the filter, page by page (next_page_offset fed back until it is null).</summary>
    private async IAsyncEnumerable<JsonElement> ScrollAsync(string collection, JsonObject filter, JsonNode withPayload, JsonNode? withVector,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        JsonNode? offset = null;
        do
        {
            var body = new JsonObject
            {
                ["filter"] = filter.DeepClone(),
                ["limit"] = 256,
                ["with_payload"] = withPayload.DeepClone(),
                ["with_vector"] = withVector?.DeepClone() ?? false,
            };
            if (offset is not null) body["offset"] = offset;
            var page = await _http.SendAsync(HttpMethod.Post, $"collections/{collection}/points/scroll", body, ct);
            foreach (var point in page.GetProperty("points").EnumerateArray()) yield return point;
            offset = page.TryGetProperty("next_page_offset", out var next) && next.ValueKind != JsonValueKind.Null ? JsonNode.Parse(next.GetRawText()) : null;
        } while (offset is not null);
    }

    // ---- writes ----

    public async Task ApplyAsync(IndexChanges changes, EmbeddingModelInfo model, string pipelineVersion, IndexWriteMode mode, CancellationToken ct = default)
    {
        await ServerVersionAsync(ct);
        _studies = null; _statistics = null; _documentFrequency = null;
        var current = await AliasTargetAsync(ct);
        if (mode == IndexWriteMode.Rebuild || current is null)
        {
            await RebuildAsync(changes, model, pipelineVersion, current, ct);
            return;
        }

        // In place. Per study: new chunk points first (deterministic ids overwrite), then stale chunks beyond the new
        // count are removed, and the study point, which carries the content hash, comes last — an interrupted ingest
        // leaves old hashes behind, so the next ingest redoes those studies.
        var collection = Uri.EscapeDataString(current);
        await UpsertAsync(collection, changes.Upserts.SelectMany(u => u.Chunks.Select(c => ChunkPoint(u.Study, c))), ct);
        foreach (var batch in changes.Upserts.Chunk(64))
        {
            var should = new JsonArray(batch.Select(u => (JsonNode)new JsonObject
            {
                ["must"] = new JsonArray
                {
                    Match(DocId, u.Study.Id), Match(Kind, ChunkKind),
                    new JsonObject { ["key"] = Ordinal, ["range"] = new JsonObject { ["gte"] = u.Chunks.Count } },
                },
            }).ToArray());
            await _http.SendAsync(HttpMethod.Post, $"collections/{collection}/points/delete?wait=true", new JsonObject { ["filter"] = new JsonObject { ["should"] = should } }, ct);
        }
        await UpsertAsync(collection, changes.Upserts.Select(u => StudyPoint(u)), ct);
        foreach (var batch in changes.Deletions.Chunk(256))
            await _http.SendAsync(HttpMethod.Post, $"collections/{collection}/points/delete?wait=true", new JsonObject { ["filter"] = DocIds(batch) }, ct);
        await WriteStatisticsAsync(collection, ct);
        await _http.SendAsync(HttpMethod.Patch, $"collections/{collection}?timeout=60", new JsonObject { ["metadata"] = Metadata(model, pipelineVersion) }, ct);
    }

    /// <summary>Builds a complete new collection, then points the alias at it in one atomic action; the old one is deleted after.</summary>
    private async Task RebuildAsync(IndexChanges changes, EmbeddingModelInfo model, string pipelineVersion, string? previous, CancellationToken ct)
    {
        var name = $"{Alias}-{DateTime.UtcNow:yyyyMMddHHmmssfff}";
        var collection = Uri.EscapeDataString(name);
        try
        {
            await CreateCollectionAsync(name, model, pipelineVersion, ct);
            await UpsertAsync(collection, changes.Upserts.SelectMany(u => u.Chunks.Select(c => ChunkPoint(u.Study, c))), ct);
            await UpsertAsync(collection, changes.Upserts.Select(u => StudyPoint(u)), ct);
            await WriteStatisticsAsync(collection, ct);
            var actions = new JsonArray();
            if (previous is not null) actions.Add(new JsonObject { ["delete_alias"] = new JsonObject { ["alias_name"] = Alias } });
            actions.Add(new JsonObject { ["create_alias"] = new JsonObject { ["collection_name"] = name, ["alias_name"] = Alias } });
            await _http.SendAsync(HttpMethod.Post, "collections/aliases?timeout=30", new JsonObject { ["actions"] = actions }, ct);
        }
        catch
        {
            // Readers still use the previous collection; drop the half-built one (best effort).
            try { await _http.SendAsync(HttpMethod.Delete, $"collections/{collection}", ct: CancellationToken.None); } catch (QdrantException) { }
            throw;
        }
        if (previous is not null)
            await _http.SendAsync(HttpMethod.Delete, $"collections/{Uri.EscapeDataString(previous)}", ct: ct);
    }

    private async Task UpsertAsync(string collection, IEnumerable<JsonObject> points, CancellationToken ct)
    {
        foreach (var batch in points.Chunk(Math.Max(1, _options.BatchSize)))
            await _http.SendAsync(HttpMethod.Put, $"collections/{collection}/points?wait=true",
                new JsonObject { ["points"] = new JsonArray(batch.Select(p => (JsonNode)p).ToArray()) }, ct);
    }

    private static JsonObject Sparse(Indexing.SparseVector v) => new()
    {
        ["indices"] = new JsonArray(v.Indices.Select(i => (JsonNode)i).ToArray()),
        ["values"] = new JsonArray(v.Values.Select(x => (JsonNode)x).ToArray()),
    };

    private static void AddStudyFields(JsonObject payload, CaseStudy s)
    {
        payload[DocId] = s.Id;
        payload["title"] = s.Title;
        payload["company"] = s.Company;
        payload["industry"] = s.Industry;
        payload["category"] = s.Category;
        if (s.Year is { } y) payload[Year] = y;
        payload["tags"] = new JsonArray(s.Tags.Select(t => (JsonNode)t).ToArray());
        payload["source_url"] = s.SourceUrl;
        payload[CompanyKey] = Key(s.Company);
        payload[IndustryKey] = Key(s.Industry);
        payload[CategoryKey] = Key(s.Category);
        payload[TagsKey] = new JsonArray(s.Tags.Select(t => (JsonNode)Key(t)).ToArray());
    }

    private static JsonObject ChunkPoint(CaseStudy study, IndexedChunk c)
    {
        var payload = new JsonObject { [Kind] = ChunkKind, ["chunk_id"] = c.Chunk.Id, [Ordinal] = c.Chunk.Ordinal, ["heading"] = c.Chunk.Heading, ["text"] = c.Chunk.Text };
        AddStudyFields(payload, study);
        var vector = new JsonObject { [DenseVector] = new JsonArray(c.Dense.Select(x => (JsonNode)x).ToArray()) };
        if (c.Sparse.Count > 0) vector[SparseVector] = Sparse(c.Sparse);
        return new JsonObject { ["id"] = DeterministicGuid.Create(c.Chunk.Id).ToString(), ["vector"] = vector, ["payload"] = payload };
    }

    private static JsonObject StudyPoint(StudyUpsert u)
    {
        var payload = new JsonObject
        {
            [Kind] = StudyKind, ["source_path"] = u.Study.SourcePath, ["content_hash"] = u.Study.ContentHash, ["chunk_count"] = u.Chunks.Count,
            ["sections"] = new JsonArray(u.Study.Sections.Select(s => (JsonNode)(s.Page is { } page
                ? new JsonObject { ["heading"] = s.Heading, ["text"] = s.Text, ["page"] = page }
                : new JsonObject { ["heading"] = s.Heading, ["text"] = s.Text })).ToArray()),
        };
        AddStudyFields(payload, u.Study);
        var vector = new JsonObject();
        if (u.StudySparse.Count > 0) vector[StudyVector] = Sparse(u.StudySparse);
        return new JsonObject { ["id"] = DeterministicGuid.Create(u.Study.Id + "#study").ToString(), ["vector"] = vector, ["payload"] = payload };
    }

    /// <summary>Recounts chunk document frequencies from the stored sparse vectors and saves them in the statistics point.</summary>
    private async Task WriteStatisticsAsync(string collection, CancellationToken ct)
    {
        var df = new Dictionary<uint, long>();
        long documents = 0;
        await foreach (var chunk in ScrollAsync(collection, For(ChunkKind, SearchFilter.None), false, new JsonArray(SparseVector), ct))
        {
            documents++;
            if (chunk.TryGetProperty("vector", out var v) && v.ValueKind == JsonValueKind.Object && v.TryGetProperty(SparseVector, out var sparse))
                foreach (var i in sparse.GetProperty("indices").EnumerateArray()) df[i.GetUInt32()] = df.GetValueOrDefault(i.GetUInt32()) + 1;
        }

        var pairs = new byte[df.Count * 8];
        var k = 0;
        foreach (var (id, count) in df.OrderBy(kv => kv.Key))
        {
            BitConverter.TryWriteBytes(pairs.AsSpan(k, 4), id);
            BitConverter.TryWriteBytes(pairs.AsSpan(k + 4, 4), (uint)count);
            k += 8;
        }
        var point = new JsonObject
        {
            ["id"] = DeterministicGuid.Create("csa#statistics").ToString(),
            ["vector"] = new JsonObject(),
            ["payload"] = new JsonObject { [Kind] = StatsKind, ["documents"] = documents, ["document_frequency"] = Convert.ToBase64String(pairs) },
        };
        await UpsertAsync(collection, [point], ct);
    }

    // ---- reads ----

    private async Task<Dictionary<string, StudyRecord>> StudiesAsync(CancellationToken ct)
    {
        if (_studies is not null) return _studies;
        var studies = new Dictionary<string, StudyRecord>(StringComparer.Ordinal);
        if (await AliasExistsAsync(ct))
        {
            await foreach (var point in ScrollAsync(For(StudyKind, SearchFilter.None), true, new JsonArray(StudyVector), ct))
            {
                var record = ToStudy(point.GetProperty("payload"));
                if (point.TryGetProperty("vector", out var v) && v.ValueKind == JsonValueKind.Object && v.TryGetProperty(StudyVector, out var sparse))
                    record = record with { Terms = ToSparse(sparse) };
                studies[record.Id] = record;
            }
        }
        return _studies = studies;
    }

    private static Indexing.SparseVector ToSparse(JsonElement e)
    {
        var ids = e.GetProperty("indices").EnumerateArray().Select(x => x.GetUInt32()).ToArray();
        var values = e.GetProperty("values").EnumerateArray().Select(x => x.GetSingle()).ToArray();
        Array.Sort(ids, values);
        return new Indexing.SparseVector(ids, values);
    }

    private static string? Text(JsonElement p, string name) =>
        p.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static StudyRecord ToStudy(JsonElement p) => new()
    {
        Id = Text(p, DocId)!,
        Title = Text(p, "title") ?? "",
        Company = Text(p, "company") ?? "",
        Industry = Text(p, "industry"),
        Category = Text(p, "category"),
        Year = p.TryGetProperty(Year, out var y) && y.ValueKind == JsonValueKind.Number ? y.GetInt32() : null,
        Tags = p.TryGetProperty("tags", out var t) && t.ValueKind == JsonValueKind.Array ? t.EnumerateArray().Select(x => x.GetString() ?? "").ToList() : [],
        SourceUrl = Text(p, "source_url"),
        SourcePath = Text(p, "source_path") ?? "",
        ContentHash = Text(p, "content_hash") ?? "",
        ChunkCount = p.TryGetProperty("chunk_count", out var cc) && cc.ValueKind == JsonValueKind.Number ? cc.GetInt32() : 0,
        Sections = p.TryGetProperty("sections", out var s) && s.ValueKind == JsonValueKind.Array
            ? s.EnumerateArray().Select(x => new StudySection(Text(x, "heading") ?? "", Text(x, "text") ?? "")
            {
                Page = x.TryGetProperty("page", out var page) && page.ValueKind == JsonValueKind.Number ? page.GetInt32() : null,
            }).ToList() : [],
    };

    public async Task<StoreSearchResult> SearchAsync(HybridQuery query, CancellationToken ct = default)
    {
        var version = await ServerVersionAsync(ct);
        var studies = await StudiesAsync(ct);
        var useDense = query.DenseWeight > 0 && query.Dense.Length > 0;
        var useSparse = query.Sparse.Count > 0;
        if (studies.Count == 0 || (!useDense && !useSparse)) return new StoreSearchResult([], []);

        var chunkFilter = For(ChunkKind, query.Filter);
        JsonObject SparseQuery(string vector, int limit) => new() { ["query"] = Sparse(query.Sparse), ["using"] = vector, ["limit"] = limit };
        JsonObject DenseQuery(int limit) => new() { ["query"] = new JsonArray(query.Dense.Select(x => (JsonNode)x).ToArray()), ["using"] = DenseVector, ["limit"] = limit };

        var prefetch = new JsonArray();
        var weights = new JsonArray();
        if (useSparse) { prefetch.Add(SparseQuery(SparseVector, query.CandidatePool)); weights.Add(query.SparseWeight); }
        if (useDense) { prefetch.Add(DenseQuery(query.CandidatePool)); weights.Add(query.DenseWeight); }
        var rrf = new JsonObject { ["k"] = query.RrfK };
        if (weights.Any(w => Math.Abs(w!.GetValue<double>() - 1) > 1e-9))
        {
            if (version < WeightsVersion)
                throw new QdrantException($"Qdrant {version} cannot weight RRF lists (needs {WeightsVersion}); set Retrieval:SparseWeight and DenseWeight to 1 or upgrade Qdrant");
            rrf["weights"] = weights;
        }

        var searches = new JsonArray
        {
            new JsonObject { ["prefetch"] = prefetch, ["query"] = new JsonObject { ["rrf"] = rrf }, ["filter"] = chunkFilter.DeepClone(), ["limit"] = query.Limit, ["with_payload"] = true },
        };
        // The legs on their own, for the ranks --explain shows (same round trip).
        var sparseLeg = useSparse ? searches.Count : -1;
        if (useSparse) searches.Add(SparseQuery(SparseVector, query.CandidatePool).Also(q => { q["filter"] = chunkFilter.DeepClone(); q["with_payload"] = new JsonArray(DocId); }));
        var denseLeg = useDense ? searches.Count : -1;
        if (useDense) searches.Add(DenseQuery(query.CandidatePool).Also(q => { q["filter"] = chunkFilter.DeepClone(); q["with_payload"] = new JsonArray(DocId); }));
        var studyLeg = useSparse && query.StudyPool > 0 ? searches.Count : -1;
        if (studyLeg >= 0) searches.Add(SparseQuery(StudyVector, query.StudyPool).Also(q => { q["filter"] = For(StudyKind, query.Filter); q["with_payload"] = new JsonArray(DocId); }));

        var results = await _http.SendAsync(HttpMethod.Post, $"collections/{Uri.EscapeDataString(Alias)}/points/query/batch", new JsonObject { ["searches"] = searches }, ct);
        var lists = results.EnumerateArray().Select(r => r.GetProperty("points").EnumerateArray().ToList()).ToList();

        Dictionary<string, (int Rank, double Score)> Ranks(int leg) => leg < 0 ? [] :
            lists[leg].Select((p, i) => (Id: p.GetProperty("id").ToString(), Rank: i + 1, Score: p.GetProperty("score").GetDouble()))
                .ToDictionary(x => x.Id, x => (x.Rank, x.Score));
        var sparseRanks = Ranks(sparseLeg);
        var denseRanks = Ranks(denseLeg);

        var hits = new List<StoreHit>();
        foreach (var point in lists[0])
        {
            var p = point.GetProperty("payload");
            var docId = Text(p, DocId)!;
            if (!studies.TryGetValue(docId, out var study)) continue; // written after our snapshot of the studies
            var chunk = new ChunkRecord(Text(p, "chunk_id")!, docId, p.GetProperty(Ordinal).GetInt32(), Text(p, "heading") ?? "", Text(p, "text") ?? "");
            var id = point.GetProperty("id").ToString();
            hits.Add(new StoreHit(study, chunk, point.GetProperty("score").GetDouble(),
                sparseRanks.TryGetValue(id, out var s) ? s.Rank : null, denseRanks.TryGetValue(id, out var d) ? d.Rank : null,
                sparseRanks.TryGetValue(id, out s) ? s.Score : null, denseRanks.TryGetValue(id, out d) ? d.Score : null));
        }
        var studyRanking = studyLeg < 0 ? [] : lists[studyLeg].Select(p => Text(p.GetProperty("payload"), DocId)!).ToList();
        return new StoreSearchResult(hits, studyRanking);
    }

    public async Task<TermStatistics> GetTermStatisticsAsync(IReadOnlyCollection<uint> termIds, CancellationToken ct = default)
    {
        if (_statistics is null || _documentFrequency is null)
        {
            _documentFrequency = [];
            long documents = 0;
            if (await AliasExistsAsync(ct))
            {
                var got = await _http.SendAsync(HttpMethod.Post, $"collections/{Uri.EscapeDataString(Alias)}/points",
                    new JsonObject { ["ids"] = new JsonArray(DeterministicGuid.Create("csa#statistics").ToString()), ["with_payload"] = true }, ct);
                foreach (var point in got.EnumerateArray())
                {
                    var p = point.GetProperty("payload");
                    documents = p.GetProperty("documents").GetInt64();
                    var bytes = Convert.FromBase64String(p.GetProperty("document_frequency").GetString() ?? "");
                    for (var k = 0; k + 8 <= bytes.Length; k += 8)
                        _documentFrequency[BitConverter.ToUInt32(bytes, k)] = BitConverter.ToUInt32(bytes, k + 4);
                }
            }
            _statistics = new TermStatistics(documents, _documentFrequency);
        }
        return new TermStatistics(_statistics.Documents, termIds.Distinct().ToDictionary(id => id, id => _documentFrequency.GetValueOrDefault(id)));
    }

    public async Task<IReadOnlyList<StudyRecord>> ListStudiesAsync(SearchFilter filter, CancellationToken ct = default) =>
        (await StudiesAsync(ct)).Values.Where(filter.Matches)
            .OrderBy(s => s.Company, StringComparer.OrdinalIgnoreCase).ThenByDescending(s => s.Year).ThenBy(s => s.Id, StringComparer.Ordinal).ToList();

    public async Task<StudyRecord?> GetStudyAsync(string id, CancellationToken ct = default) =>
        (await StudiesAsync(ct)).GetValueOrDefault(id);

    public void Dispose() => _http.Dispose();
}

internal static class JsonObjectExtensions
{
    public static JsonObject Also(this JsonObject o, Action<JsonObject> change) { change(o); return o; }
}
