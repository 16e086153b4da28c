namespace CaseStudyAssistant.Indexing;

// What IStudyIndex is asked and answers: the store seam's contract, shared by every store.

/// <summary>Metadata filters; every set field must match (text fields case-insensitively).</summary>
public sealed record SearchFilter
{
    public string? Company { get; init; }
    public string? Industry { get; init; }
    public string? Tag { get; init; }
    public string? Category { get; init; }
    public int? YearFrom { get; init; }
    public int? YearTo { get; init; }

    public static readonly SearchFilter None = new();

    public bool IsEmpty => Company is null && Industry is null && Tag is null && Category is null && YearFrom is null && YearTo is null;

    public bool Matches(StudyRecord s) =>
        Same(Company, s.Company) && Same(Industry, s.Industry) && Same(Category, s.Category)
        && (Tag is null || s.Tags.Any(t => Same(Tag, t)))
        && (YearFrom is null || s.Year >= YearFrom) && (YearTo is null || s.Year <= YearTo);

    private static bool Same(string? wanted, string? actual) =>
        wanted is null || string.Equals(wanted.Trim(), actual?.Trim(), StringComparison.OrdinalIgnoreCase);

    public override string ToString()
    {
        var parts = new List<string>();
        if (Company is not null) parts.Add($"company={Company}");
        if (Industry is not null) parts.Add($"industry={Industry}");
        if (Tag is not null) parts.Add($"tag={Tag}");
        if (Category is not null) parts.Add($"category={Category}");
        if (YearFrom is not null) parts.Add($"year>={YearFrom}");
        if (YearTo is not null) parts.Add($"year<={YearTo}");
        return string.Join(", ", parts);
    }
}

/// <summary>A store-level hybrid query: both encodings of the question, fused by reciprocal rank.</summary>
public sealed record HybridQuery
{
    public required float[] Dense { get; init; }
    public required SparseVector Sparse { get; init; }
    public SearchFilter Filter { get; init; } = SearchFilter.None;
    /// <summary>Candidates taken from each of the dense and sparse rankings before fusion.</summary>
    public int CandidatePool { get; init; } = 100;
    public int Limit { get; init; } = 50;
    public int RrfK { get; init; } = 60;
    public double SparseWeight { get; init; } = 1.0;
    public double DenseWeight { get; init; } = 1.0;
    /// <summary>Studies to rank by their whole-study sparse vectors (0 = no study-level ranking).</summary>
    public int StudyPool { get; init; } = 0;
}

/// <summary>Fused chunk hits, and (when asked for) studies ranked by their whole-study sparse vectors, best first.</summary>
public sealed record StoreSearchResult(IReadOnlyList<StoreHit> Chunks, IReadOnlyList<string> Studies);

public sealed record ChunkRecord(string Id, string StudyId, int Ordinal, string Heading, string Text);

/// <summary>One fused result from a store. Leg ranks are 1-based; null where the chunk was not in that leg's pool.</summary>
public sealed record StoreHit(StudyRecord Study, ChunkRecord Chunk, double Score, int? SparseRank, int? DenseRank, double? SparseScore, double? DenseScore);

/// <summary>Chunk counts and document frequencies for IDF-weighted evidence checks.</summary>
public sealed record TermStatistics(long Documents, IReadOnlyDictionary<uint, long> DocumentFrequency)
{
    public double Idf(uint id) => SparseEncoder.Idf(Documents, DocumentFrequency.GetValueOrDefault(id));
}
