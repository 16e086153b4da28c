using CaseStudyAssistant.Corpus;
using CaseStudyAssistant.Indexing;
using CaseStudyAssistant.Retrieval;
using Grpc.Core.Interceptors;
using Qdrant.Client;
using Qdrant.Client.Grpc;
using static CaseStudyAssistant.Qdrant.QdrantFilters;
using Rrf = Qdrant.Client.Grpc.Rrf;
using SparseVector = CaseStudyAssistant.Indexing.SparseVector;

namespace CaseStudyAssistant.Qdrant;

/// <summary>
/// The index in Qdrant, through the official client (gRPC). One collection per build, reached through an alias,
/// holding three kinds of point: chunks (named vectors <c>dense</c> and sparse <c>bm25</c>), studies (sparse
/// <c>bm25_study</c> and the study's metadata and sections) and one statistics point (chunk document frequencies, for
/// evidence checks). Sparse vectors carry our BM25-saturated weights and the collection applies IDF
/// (<c>modifier: idf</c>), and fusion is Qdrant's RRF with the same k, weights and pools as the embedded store, so the
/// two rank alike.
/// </summary>
internal sealed class QdrantStudyIndex : IStudyIndex
{
    public const string DenseVector = "dense", SparseVectorName = "bm25", StudyVector = "bm25_study";
    public const string ChunkKind = "chunk", StudyKind = "study", StatsKind = "stats";
    public const int SchemaVersion = 1;
    /// <summary>RRF with an explicit k needs 1.16; per-list weights need 1.17.</summary>
    public static readonly Version MinimumVersion = new(1, 16, 0);
    public static readonly Version WeightsVersion = new(1, 17, 0);
    private const uint ScrollPage = 256;
    private static readonly Guid StatisticsId = DeterministicGuid.Create("csa#statistics");

    private readonly QdrantConnection _connection;
    private readonly QdrantOptions _options;
    private Version? _serverVersion;
    private volatile ReadCache _cache = new("", null, null, DateTime.MinValue);
    private readonly SemaphoreSlim _refresh = new(1, 1);

    /// <summary>What the reads cache for one generation (alias target and write time) of the collection.</summary>
    private sealed record ReadCache(string Generation, Dictionary<string, StudyRecord>? Studies, TermStatistics? Statistics, DateTime CheckedUtc);

    /// <param name="innermost">For tests: sees (and may answer) every call after retries and before the network.</param>
    public QdrantStudyIndex(QdrantOptions options, Interceptor? innermost = null)
    {
        if (string.IsNullOrWhiteSpace(options.Collection) || options.Collection.Contains('/'))
            throw new QdrantException($"'{options.Collection}' is not a usable collection name", hint: "set Index:Qdrant:Collection to a name without '/'");
        _options = options;
        _connection = new QdrantConnection(options, innermost);
    }

    public string Location => $"{_connection.Url} (collection alias '{_options.Collection}')";

    /// <summary>
    /// Qdrant has no locks of its own, so ingests are serialised by a lock file for this URL and collection in the
    /// user's data folder: it serialises the ingests of one machine (documented: run cluster ingests from one host).
    /// </summary>
    public Task<IDisposable> LockForWriteAsync(bool wait, Action? onWaiting, CancellationToken ct = default)
    {
        var key = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{_connection.Url}|{Alias}")))[..16];
        var root = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify);
        if (string.IsNullOrEmpty(root)) root = Path.GetTempPath();
        return WriteLock.AcquireAsync(Path.Combine(root, "csa", "locks", $"qdrant-{key}.lock"), Location, wait, onWaiting, ct);
    }
    private string Alias => _options.Collection;
    private QdrantClient Client => _connection.Client;

    // ---- server and collection ----

    public async Task<Version> ServerVersionAsync(CancellationToken ct = default)
    {
        if (_serverVersion is not null) return _serverVersion;
        HealthCheckReply reply;
        try { reply = await Client.HealthAsync(ct); }
        catch (QdrantException e) when (e.Status == Grpc.Core.StatusCode.Unimplemented)
        {
            throw new QdrantException($"{_connection.Url} did not answer Qdrant's health check (no version): it is not Qdrant's gRPC API", e.Status,
                "Index:Qdrant:Url (--qdrant-url, QDRANT_URL) must be Qdrant's gRPC endpoint, e.g. http://localhost:6334", e);
        }
        if (!Version.TryParse((reply.Version ?? "").Split('-')[0], out var version))
            throw new QdrantException($"{_connection.Url} answered the health check without a usable version ('{reply.Version}')",
                hint: "Index:Qdrant:Url (--qdrant-url, QDRANT_URL) must be Qdrant's gRPC endpoint, e.g. http://localhost:6334");
        if (version < MinimumVersion)
            throw new QdrantException($"Qdrant at {_connection.Url} is version {version}; this client needs {MinimumVersion} or newer (RRF fusion with an explicit k)",
                hint: "upgrade Qdrant (docker-compose.yml pins qdrant/qdrant:v1.19.0)");
        return _serverVersion = version;
    }

    private async Task<string?> AliasTargetAsync(CancellationToken ct) =>
        (await Call(() => Client.ListAliasesAsync(ct))).FirstOrDefault(a => a.AliasName == Alias)?.CollectionName;

    private async Task CreateCollectionAsync(string name, EmbeddingModelInfo model, string pipelineVersion, CancellationToken ct)
    {
        var request = new CreateCollection
        {
            CollectionName = name,
            VectorsConfig = new VectorsConfig
            {
                ParamsMap = new VectorParamsMap { Map = { [DenseVector] = new VectorParams { Size = (ulong)model.Dimensions, Distance = Distance.Cosine } } },
            },
            SparseVectorsConfig = new SparseVectorConfig
            {
                Map =
                {
                    [SparseVectorName] = new SparseVectorParams { Modifier = Modifier.Idf },
                    [StudyVector] = new SparseVectorParams { Modifier = Modifier.Idf },
                },
            },
            ShardNumber = (uint)_options.ShardNumber,
            ReplicationFactor = (uint)_options.ReplicationFactor,
            WriteConsistencyFactor = (uint)_options.WriteConsistencyFactor,
            Timeout = 60,
        };
        // Deprecated since 1.19 in favour of payload "memory", which servers before 1.19 do not know; we support 1.16+.
#pragma warning disable CS0612, CS0618
        request.OnDiskPayload = true;
#pragma warning restore CS0612, CS0618
        request.Metadata.Add(Metadata(model, pipelineVersion));
        await Call(() => Client.CreateCollectionAsync(request, ct));
        foreach (var (field, type, parameters) in new (string, PayloadSchemaType, PayloadIndexParams?)[]
        {
            (Kind, PayloadSchemaType.Keyword, null), (DocId, PayloadSchemaType.Keyword, null), (CompanyKey, PayloadSchemaType.Keyword, null),
            (IndustryKey, PayloadSchemaType.Keyword, null), (CategoryKey, PayloadSchemaType.Keyword, null), (TagsKey, PayloadSchemaType.Keyword, null),
            (Year, PayloadSchemaType.Integer, new PayloadIndexParams { IntegerIndexParams = new IntegerIndexParams { Lookup = true, Range = true } }),
            (Ordinal, PayloadSchemaType.Integer, new PayloadIndexParams { IntegerIndexParams = new IntegerIndexParams { Lookup = false, Range = true } }),
        })
        {
            await Call(() => Client.CreatePayloadIndexAsync(name, field, type, parameters, wait: true, cancellationToken: ct));
        }
    }

    private static Dictionary<string, Value> Metadata(EmbeddingModelInfo model, string pipelineVersion) => new()
    {
        ["embedding_model"] = model.Name,
        ["embedding_dimensions"] = (long)model.Dimensions,
        ["pipeline_version"] = pipelineVersion,
        ["schema_version"] = (long)SchemaVersion,
        ["updated_utc"] = DateTime.UtcNow.ToString("O"),
    };

    // ---- state ----

    public async Task<IndexState> GetStateAsync(CancellationToken ct = default)
    {
        await ServerVersionAsync(ct);
        if (await AliasTargetAsync(ct) is null) return IndexState.Empty;
        var info = await Call(() => Client.GetCollectionInfoAsync(Alias, ct));
        EmbeddingModelInfo? model = null;
        string? pipeline = null;
        var meta = info.Config?.Metadata;
        if (meta is not null)
        {
            if (meta.TryGetValue("schema_version", out var sv) && Int(sv) is { } layout && layout != SchemaVersion)
                throw new IndexMismatchException($"the Qdrant collection behind '{Alias}' has layout {layout}, this version uses {SchemaVersion}; re-ingest with --rebuild");
            if (meta.TryGetValue("embedding_model", out var name) && meta.TryGetValue("embedding_dimensions", out var dims) && Int(dims) is { } d)
                model = new EmbeddingModelInfo(Text(name) ?? "", (int)d);
            if (meta.TryGetValue("pipeline_version", out var pv)) pipeline = Text(pv);
        }
        var studies = new Dictionary<string, StoredStudy>(StringComparer.Ordinal);
        await foreach (var point in ScrollAsync(Alias, For(StudyKind, SearchFilter.None), new[] { DocId, "content_hash", "source_path" }, false, ct))
        {
            var id = Text(point.Payload, DocId)!;
            studies[id] = new StoredStudy(id, Text(point.Payload, "content_hash")!, Text(point.Payload, "source_path")!);
        }
        return new IndexState(model, pipeline, studies);
    }

    /// <summary>Every point matching the filter, page by page (next_page_offset fed back until there is none).</summary>
    private async IAsyncEnumerable<RetrievedPoint> ScrollAsync(string collection, Filter filter, WithPayloadSelector payload, WithVectorsSelector vectors,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        PointId? offset = null;
        do
        {
            var page = await Call(() => Client.ScrollAsync(collection, filter, ScrollPage, offset, payload, vectors, cancellationToken: ct));
            foreach (var point in page.Result) yield return point;
            offset = page.NextPageOffset;
        } while (offset is not null);
    }

    // ---- writes ----

    public async Task ApplyAsync(IndexChanges changes, EmbeddingModelInfo model, string pipelineVersion, IndexWriteMode mode, CancellationToken ct = default)
    {
        await ServerVersionAsync(ct);
        _cache = new("", null, null, DateTime.MinValue);
        var current = await AliasTargetAsync(ct);
        if (mode == IndexWriteMode.Rebuild || current is null)
        {
            await RebuildAsync(changes, model, pipelineVersion, current, ct);
            return;
        }

        // In place. Per study: new chunk points first (deterministic ids overwrite), then stale chunks beyond the new
        // count are removed, and the study point, which carries the content hash, comes last — an interrupted ingest
        // leaves old hashes behind, so the next ingest redoes those studies.
        await UpsertAsync(current, changes.Upserts.SelectMany(u => u.Chunks.Select(c => ChunkPoint(u.Study, c))), ct);
        foreach (var batch in changes.Upserts.Chunk(64))
        {
            var stale = new Filter();
            stale.Should.AddRange(batch.Select(u => Conditions.Filter(ChunksFrom(u.Study.Id, u.Chunks.Count))));
            await Call(() => Client.DeleteAsync(current, stale, wait: true, cancellationToken: ct));
        }
        await UpsertAsync(current, changes.Upserts.Select(StudyPoint), ct);
        foreach (var batch in changes.Deletions.Chunk(256))
            await Call(() => Client.DeleteAsync(current, DocIds(batch), wait: true, cancellationToken: ct));
        await WriteStatisticsAsync(current, ct);
        await Call(() => Client.UpdateCollectionAsync(current, Metadata(model, pipelineVersion), timeout: TimeSpan.FromSeconds(60), cancellationToken: ct));
    }

    /// <summary>
    /// Builds a complete new collection, checks its exact point count, then points the alias at it in one atomic action;
    /// the old one is deleted after.
    /// </summary>
    private async Task RebuildAsync(IndexChanges changes, EmbeddingModelInfo model, string pipelineVersion, string? previous, CancellationToken ct)
    {
        var name = $"{Alias}-{DateTime.UtcNow:yyyyMMddHHmmssfff}";
        try
        {
            await CreateCollectionAsync(name, model, pipelineVersion, ct);
            await UpsertAsync(name, changes.Upserts.SelectMany(u => u.Chunks.Select(c => ChunkPoint(u.Study, c))), ct);
            await UpsertAsync(name, changes.Upserts.Select(StudyPoint), ct);
            await WriteStatisticsAsync(name, ct);
            // Before readers move: the new collection exists and holds every point (chunks, studies, statistics).
            var expected = (ulong)(changes.Upserts.Sum(u => u.Chunks.Count) + changes.Upserts.Count + 1);
            var stored = await Call(() => Client.CountAsync(name, exact: true, cancellationToken: ct));
            if (stored != expected)
                throw new QdrantException($"the new Qdrant collection '{name}' holds {stored} points, {expected} were written; the alias '{Alias}' was not switched",
                    hint: "run the rebuild again; if it repeats, check the server's log");
            var actions = new List<AliasOperations>();
            if (previous is not null) actions.Add(new AliasOperations { DeleteAlias = new DeleteAlias { AliasName = Alias } });
            actions.Add(new AliasOperations { CreateAlias = new CreateAlias { CollectionName = name, AliasName = Alias } });
            await Call(() => Client.UpdateAliasesAsync(actions, TimeSpan.FromSeconds(30), ct));
        }
        catch
        {
            // Readers still use the previous collection; drop the half-built one (best effort).
            try { await Call(() => Client.DeleteCollectionAsync(name, cancellationToken: CancellationToken.None)); } catch (QdrantException) { }
            throw;
        }
        if (previous is not null)
            await Call(() => Client.DeleteCollectionAsync(previous, cancellationToken: ct));
    }

    private async Task UpsertAsync(string collection, IEnumerable<PointStruct> points, CancellationToken ct)
    {
        foreach (var batch in points.Chunk(Math.Max(1, _options.BatchSize)))
            await Call(() => Client.UpsertAsync(collection, batch, wait: true, cancellationToken: ct));
    }

    private static Vector Sparse(SparseVector v) => (v.Values, v.Indices);

    private static Value Strings(IEnumerable<string> values) => values.Select(v => (Value)v).ToArray();

    private static void AddStudyFields(PointStruct point, CaseStudy s)
    {
        var p = point.Payload;
        p[DocId] = s.Id;
        p["title"] = s.Title;
        p["company"] = s.Company;
        p["industry"] = Nullable(s.Industry);
        p["category"] = Nullable(s.Category);
        if (s.Year is { } y) p[Year] = y;
        p["tags"] = Strings(s.Tags);
        p["source_url"] = Nullable(s.SourceUrl);
        p[CompanyKey] = Key(s.Company);
        p[IndustryKey] = Key(s.Industry);
        p[CategoryKey] = Key(s.Category);
        p[TagsKey] = Strings(s.Tags.Select(Key));
    }

    private static Value Nullable(string? text) => text is null ? new Value { NullValue = NullValue.NullValue } : text;

    private static PointStruct ChunkPoint(CaseStudy study, IndexedChunk c)
    {
        var vectors = new Dictionary<string, Vector> { [DenseVector] = c.Dense };
        if (c.Sparse.Count > 0) vectors[SparseVectorName] = Sparse(c.Sparse);
        var point = new PointStruct { Id = DeterministicGuid.Create(c.Chunk.Id), Vectors = vectors };
        point.Payload[Kind] = ChunkKind;
        point.Payload["chunk_id"] = c.Chunk.Id;
        point.Payload[Ordinal] = c.Chunk.Ordinal;
        point.Payload["heading"] = c.Chunk.Heading;
        point.Payload["text"] = c.Chunk.Text;
        AddStudyFields(point, study);
        return point;
    }

    private static PointStruct StudyPoint(StudyUpsert u)
    {
        var vectors = new Dictionary<string, Vector>();
        if (u.StudySparse.Count > 0) vectors[StudyVector] = Sparse(u.StudySparse);
        var point = new PointStruct { Id = DeterministicGuid.Create(u.Study.Id + "#study"), Vectors = vectors };
        point.Payload[Kind] = StudyKind;
        point.Payload["source_path"] = u.Study.SourcePath;
        point.Payload["content_hash"] = u.Study.ContentHash;
        point.Payload["chunk_count"] = u.Chunks.Count;
        point.Payload["sections"] = u.Study.Sections
            .Select(s => (Value)(s.Page is { } page
                ? new Dictionary<string, Value> { ["heading"] = s.Heading, ["text"] = s.Text, ["page"] = page }
                : new Dictionary<string, Value> { ["heading"] = s.Heading, ["text"] = s.Text })).ToArray();
        AddStudyFields(point, u.Study);
        return point;
    }

    /// <summary>Recounts chunk document frequencies from the stored sparse vectors and saves them in the statistics point.</summary>
    private async Task WriteStatisticsAsync(string collection, CancellationToken ct)
    {
        var df = new Dictionary<uint, long>();
        long documents = 0;
        await foreach (var chunk in ScrollAsync(collection, For(ChunkKind, SearchFilter.None), false, new[] { SparseVectorName }, ct))
        {
            documents++;
            if (ToSparse(chunk.Vectors, SparseVectorName) is { } sparse)
                foreach (var i in sparse.Indices) df[i] = df.GetValueOrDefault(i) + 1;
        }

        var pairs = new byte[df.Count * 8];
        var k = 0;
        foreach (var (id, count) in df.OrderBy(kv => kv.Key))
        {
            BitConverter.TryWriteBytes(pairs.AsSpan(k, 4), id);
            BitConverter.TryWriteBytes(pairs.AsSpan(k + 4, 4), (uint)count);
            k += 8;
        }
        var point = new PointStruct { Id = StatisticsId, Vectors = new Dictionary<string, Vector>() };
        point.Payload[Kind] = StatsKind;
        point.Payload["documents"] = documents;
        point.Payload["document_frequency"] = Convert.ToBase64String(pairs);
        await UpsertAsync(collection, [point], ct);
    }

    // ---- reads ----

    /// <summary>
    /// Notices a new generation (a rebuild switched the alias, or an ingest rewrote the collection's metadata) at most
    /// once a second, and then drops what was cached for the old one. Qdrant reads go to the alias, so a request
    /// that straddles a switch may see both generations; the embedded store pins one per request.
    /// </summary>
    public async Task<IndexReadScope> BeginReadAsync(CancellationToken ct = default)
    {
        var cache = _cache;
        if (DateTime.UtcNow - cache.CheckedUtc < TimeSpan.FromSeconds(1)) return new IndexReadScope(cache.Generation);
        await _refresh.WaitAsync(ct);
        try
        {
            cache = _cache;
            if (DateTime.UtcNow - cache.CheckedUtc < TimeSpan.FromSeconds(1)) return new IndexReadScope(cache.Generation);
            var generation = await GenerationAsync(ct);
            _cache = cache = generation == cache.Generation ? cache with { CheckedUtc = DateTime.UtcNow } : new(generation, null, null, DateTime.UtcNow);
            return new IndexReadScope(cache.Generation);
        }
        finally { _refresh.Release(); }
    }

    private async Task<string> GenerationAsync(CancellationToken ct)
    {
        if (await AliasTargetAsync(ct) is not { } target) return "";
        var info = await Call(() => Client.GetCollectionInfoAsync(target, ct));
        var written = info.Config?.Metadata is { } meta && meta.TryGetValue("updated_utc", out var u) ? Text(u) : null;
        return $"{target}@{written}";
    }

    private async Task<Dictionary<string, StudyRecord>> StudiesAsync(CancellationToken ct)
    {
        var cache = _cache;
        if (cache.Studies is not null) return cache.Studies;
        var studies = new Dictionary<string, StudyRecord>(StringComparer.Ordinal);
        if (await AliasTargetAsync(ct) is not null)
        {
            await foreach (var point in ScrollAsync(Alias, For(StudyKind, SearchFilter.None), true, new[] { StudyVector }, ct))
            {
                var record = ToStudy(point.Payload);
                if (ToSparse(point.Vectors, StudyVector) is { } sparse) record = record with { Terms = sparse };
                studies[record.Id] = record;
            }
        }
        if (ReferenceEquals(_cache, cache)) _cache = cache with { Studies = studies };
        return studies;
    }

    /// <summary>A named sparse vector of a reply (the oneof Qdrant fills, or the deprecated data/indices pair).</summary>
    private static SparseVector? ToSparse(VectorsOutput? vectors, string name)
    {
        if (vectors?.Vectors is null || !vectors.Vectors.Vectors.TryGetValue(name, out var v)) return null;
        uint[] ids; float[] values;
        if (v.VectorCase == VectorOutput.VectorOneofCase.Sparse) { ids = v.Sparse.Indices.ToArray(); values = v.Sparse.Values.ToArray(); }
#pragma warning disable CS0612, CS0618 // the deprecated fields, for servers that fill only those
        else if (v.Indices is not null) { ids = v.Indices.Data.ToArray(); values = v.Data.ToArray(); }
#pragma warning restore CS0612, CS0618
        else return null;
        Array.Sort(ids, values);
        return new SparseVector(ids, values);
    }

    private static string? Text(Value? v) => v?.KindCase == Value.KindOneofCase.StringValue ? v.StringValue : null;

    private static string? Text(IDictionary<string, Value> p, string name) => p.TryGetValue(name, out var v) ? Text(v) : null;

    private static long? Int(Value? v) => v?.KindCase switch
    {
        Value.KindOneofCase.IntegerValue => v.IntegerValue,
        Value.KindOneofCase.DoubleValue when v.DoubleValue == Math.Floor(v.DoubleValue) => (long)v.DoubleValue,
        _ => null,
    };

    private static IEnumerable<Value> List(IDictionary<string, Value> p, string name) =>
        p.TryGetValue(name, out var v) && v.KindCase == Value.KindOneofCase.ListValue ? v.ListValue.Values : [];

    private static StudyRecord ToStudy(IDictionary<string, Value> p) => new()
    {
        Id = Text(p, DocId)!,
        Title = Text(p, "title") ?? "",
        Company = Text(p, "company") ?? "",
        Industry = Text(p, "industry"),
        Category = Text(p, "category"),
        Year = p.TryGetValue(Year, out var y) && Int(y) is { } year ? (int)year : null,
        Tags = List(p, "tags").Select(t => Text(t) ?? "").ToList(),
        SourceUrl = Text(p, "source_url"),
        SourcePath = Text(p, "source_path") ?? "",
        ContentHash = Text(p, "content_hash") ?? "",
        ChunkCount = p.TryGetValue("chunk_count", out var cc) && Int(cc) is { } count ? (int)count : 0,
        Sections = List(p, "sections").Where(s => s.KindCase == Value.KindOneofCase.StructValue)
            .Select(s => new StudySection(Text(s.StructValue.Fields, "heading") ?? "", Text(s.StructValue.Fields, "text") ?? "")
            {
                Page = s.StructValue.Fields.TryGetValue("page", out var page) && page.KindCase == Value.KindOneofCase.IntegerValue ? (int)page.IntegerValue : null,
            }).ToList(),
    };

    private static string PointKey(PointId id) => id.HasUuid ? id.Uuid : id.Num.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public async Task<StoreSearchResult> SearchAsync(HybridQuery query, CancellationToken ct = default)
    {
        var version = await ServerVersionAsync(ct);
        var studies = await StudiesAsync(ct);
        var useDense = query.DenseWeight > 0 && query.Dense.Length > 0;
        var useSparse = query.Sparse.Count > 0;
        if (studies.Count == 0 || (!useDense && !useSparse)) return new StoreSearchResult([], []);

        var chunkFilter = For(ChunkKind, query.Filter);
        PrefetchQuery SparseLeg(string vector, int limit) => new() { Query = (query.Sparse.Values, query.Sparse.Indices), Using = vector, Limit = (ulong)limit };
        PrefetchQuery DenseLeg(int limit) => new() { Query = query.Dense, Using = DenseVector, Limit = (ulong)limit };
        // A leg on its own: the same query, filter and pool as inside the fusion, with just the doc id.
        static QueryPoints Alone(PrefetchQuery leg, Filter filter) =>
            new() { Query = leg.Query, Using = leg.Using, Limit = leg.Limit, Filter = filter, WithPayload = new[] { DocId } };

        var rrf = new Rrf { K = (uint)query.RrfK };
        var fused = new QueryPoints { Query = rrf, Filter = chunkFilter, Limit = (ulong)query.Limit, WithPayload = true };
        var weights = new List<double>();
        if (useSparse) { fused.Prefetch.Add(SparseLeg(SparseVectorName, query.CandidatePool)); weights.Add(query.SparseWeight); }
        if (useDense) { fused.Prefetch.Add(DenseLeg(query.CandidatePool)); weights.Add(query.DenseWeight); }
        if (weights.Any(w => Math.Abs(w - 1) > 1e-9))
        {
            if (version < WeightsVersion)
                throw new QdrantException($"Qdrant {version} cannot weight RRF lists (needs {WeightsVersion}); set Retrieval:SparseWeight and DenseWeight to 1 or upgrade Qdrant");
            rrf.Weights.AddRange(weights.Select(w => (float)w));
        }

        var searches = new List<QueryPoints> { fused };
        // The legs on their own, for the ranks --explain shows (same round trip).
        var sparseLeg = useSparse ? searches.Count : -1;
        if (useSparse) searches.Add(Alone(fused.Prefetch[0], chunkFilter));
        var denseLeg = useDense ? searches.Count : -1;
        if (useDense) searches.Add(Alone(fused.Prefetch[useSparse ? 1 : 0], chunkFilter));
        var studyLeg = useSparse && query.StudyPool > 0 ? searches.Count : -1;
        if (studyLeg >= 0) searches.Add(Alone(SparseLeg(StudyVector, query.StudyPool), For(StudyKind, query.Filter)));

        var results = await Call(() => Client.QueryBatchAsync(Alias, searches, cancellationToken: ct));
        var lists = results.Select(r => r.Result.ToList()).ToList();

        Dictionary<string, (int Rank, double Score)> Ranks(int leg) => leg < 0 ? [] :
            lists[leg].Select((p, i) => (Id: PointKey(p.Id), Rank: i + 1, Score: (double)p.Score)).ToDictionary(x => x.Id, x => (x.Rank, x.Score));
        var sparseRanks = Ranks(sparseLeg);
        var denseRanks = Ranks(denseLeg);

        var hits = new List<StoreHit>();
        foreach (var point in lists[0])
        {
            var p = point.Payload;
            var docId = Text(p, DocId)!;
            if (!studies.TryGetValue(docId, out var study)) continue; // written after our snapshot of the studies
            var chunk = new ChunkRecord(Text(p, "chunk_id")!, docId, (int)(p.TryGetValue(Ordinal, out var o) ? Int(o) ?? 0 : 0), Text(p, "heading") ?? "", Text(p, "text") ?? "");
            var id = PointKey(point.Id);
            var inSparse = sparseRanks.TryGetValue(id, out var s);
            var inDense = denseRanks.TryGetValue(id, out var d);
            hits.Add(new StoreHit(study, chunk, point.Score, inSparse ? s.Rank : null, inDense ? d.Rank : null, inSparse ? s.Score : null, inDense ? d.Score : null));
        }
        var studyRanking = studyLeg < 0 ? [] : lists[studyLeg].Select(p => Text(p.Payload, DocId)!).ToList();
        return new StoreSearchResult(hits, studyRanking);
    }

    public async Task<TermStatistics> GetTermStatisticsAsync(IReadOnlyCollection<uint> termIds, CancellationToken ct = default)
    {
        var cache = _cache;
        var statistics = cache.Statistics;
        if (statistics is null)
        {
            var frequency = new Dictionary<uint, long>();
            long documents = 0;
            if (await AliasTargetAsync(ct) is not null)
            {
                var got = await Call(() => Client.RetrieveAsync(Alias, new PointId[] { StatisticsId }, withPayload: true, withVectors: false, cancellationToken: ct));
                foreach (var point in got)
                {
                    documents = Int(point.Payload.GetValueOrDefault("documents")) ?? 0;
                    var bytes = Convert.FromBase64String(Text(point.Payload, "document_frequency") ?? "");
                    for (var k = 0; k + 8 <= bytes.Length; k += 8)
                        frequency[BitConverter.ToUInt32(bytes, k)] = BitConverter.ToUInt32(bytes, k + 4);
                }
            }
            // Built whole before it is shared: concurrent readers never see a half-filled table.
            statistics = new TermStatistics(documents, frequency);
            if (ReferenceEquals(_cache, cache)) _cache = cache with { Statistics = statistics };
        }
        return new TermStatistics(statistics.Documents, termIds.Distinct().ToDictionary(id => id, id => statistics.DocumentFrequency.GetValueOrDefault(id)));
    }

    public async Task<IReadOnlyList<StudyRecord>> ListStudiesAsync(SearchFilter filter, CancellationToken ct = default) =>
        (await StudiesAsync(ct)).Values.Where(filter.Matches)
            .OrderBy(s => s.Company, StringComparer.OrdinalIgnoreCase).ThenByDescending(s => s.Year).ThenBy(s => s.Id, StringComparer.Ordinal).ToList();

    public async Task<StudyRecord?> GetStudyAsync(string id, CancellationToken ct = default) =>
        (await StudiesAsync(ct)).GetValueOrDefault(id);

    /// <summary>
    /// A client call. Transport and server failures arrive as <see cref="QdrantException"/> from the call policy; the
    /// client's own checks (a server answering <c>result: false</c>) are turned into one too.
    /// </summary>
    private async Task<T> Call<T>(Func<Task<T>> call)
    {
        try { return await call(); }
        catch (global::Qdrant.Client.QdrantException e)
        {
            throw new QdrantException($"Qdrant at {_connection.Url}: {e.Message}", hint: "check the server's log", inner: e);
        }
    }

    private async Task Call(Func<Task> call) => await Call(async () => { await call(); return 0; });

    public void Dispose() => _connection.Dispose();
}
