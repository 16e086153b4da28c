using CaseStudyAssistant.Indexing;
using CaseStudyAssistant.Retrieval;
using Qdrant.Client.Grpc;
using static Qdrant.Client.Grpc.Conditions;
using Range = Qdrant.Client.Grpc.Range;

namespace CaseStudyAssistant.Qdrant;

/// <summary>
/// Our <see cref="SearchFilter"/> as a Qdrant filter. Text fields match case-insensitively, like the embedded
/// store, through lower-cased copies kept in the payload (<c>company_key</c>, …).
/// </summary>
internal static class QdrantFilters
{
    public const string Kind = "kind", DocId = "doc_id", Ordinal = "ordinal", Year = "year";
    public const string CompanyKey = "company_key", IndustryKey = "industry_key", CategoryKey = "category_key", TagsKey = "tags_key";

    public static string Key(string? value) => (value ?? "").Trim().ToLowerInvariant();

    public static Filter For(string kind, SearchFilter filter)
    {
        var result = new Filter { Must = { MatchKeyword(Kind, kind) } };
        if (filter.Company is { } c) result.Must.Add(MatchKeyword(CompanyKey, Key(c)));
        if (filter.Industry is { } i) result.Must.Add(MatchKeyword(IndustryKey, Key(i)));
        if (filter.Category is { } k) result.Must.Add(MatchKeyword(CategoryKey, Key(k)));
        if (filter.Tag is { } t) result.Must.Add(MatchKeyword(TagsKey, Key(t)));
        if (filter.YearFrom is not null || filter.YearTo is not null)
        {
            var range = new Range();
            if (filter.YearFrom is { } from) range.Gte = from;
            if (filter.YearTo is { } to) range.Lte = to;
            result.Must.Add(Range(Year, range));
        }
        return result;
    }

    public static Filter DocIds(IEnumerable<string> ids) => new() { Must = { Match(DocId, ids.ToList()) } };

    /// <summary>The chunks of a study from <paramref name="firstStale"/> on: those a shorter new version no longer has.</summary>
    public static Filter ChunksFrom(string docId, int firstStale) => new()
    {
        Must = { MatchKeyword(DocId, docId), MatchKeyword(Kind, QdrantStudyIndex.ChunkKind), Range(Ordinal, new Range { Gte = firstStale }) },
    };
}
