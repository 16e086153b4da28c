using System.Text.Json.Nodes;
using CaseStudyAssistant.Retrieval;

namespace CaseStudyAssistant.Qdrant;

/// <summary>
/// Our <see cref="SearchFilter"/> as a Qdrant filter object. Text fields match case-insensitively, like the embedded
/// store, through lower-cased copies kept in the payload (<c>company_key</c>, …).
/// </summary>
public static class QdrantFilters
{
    public const string Kind = "kind", DocId = "doc_id", Ordinal = "ordinal", Year = "year";
    public const string CompanyKey = "company_key", IndustryKey = "industry_key", CategoryKey = "category_key", TagsKey = "tags_key";

    public static string Key(string? value) => (value ?? "").Trim().ToLowerInvariant();

    public static JsonObject Match(string key, JsonNode value) => new() { ["key"] = key, ["match"] = new JsonObject { ["value"] = value } };

    public static JsonObject For(string kind, SearchFilter filter)
    {
        var must = new JsonArray { Match(Kind, kind) };
        if (filter.Company is { } c) must.Add(Match(CompanyKey, Key(c)));
        if (filter.Industry is { } i) must.Add(Match(IndustryKey, Key(i)));
        if (filter.Category is { } k) must.Add(Match(CategoryKey, Key(k)));
        if (filter.Tag is { } t) must.Add(Match(TagsKey, Key(t)));
        if (filter.YearFrom is not null || filter.YearTo is not null)
        {
            var range = new JsonObject();
            if (filter.YearFrom is { } from) range["gte"] = from;
            if (filter.YearTo is { } to) range["lte"] = to;
            must.Add(new JsonObject { ["key"] = Year, ["range"] = range });
        }
        return new JsonObject { ["must"] = must };
    }

    public static JsonObject DocIds(IEnumerable<string> ids) =>
        new() { ["must"] = new JsonArray { new JsonObject { ["key"] = DocId, ["match"] = new JsonObject { ["any"] = new JsonArray(ids.Select(id => (JsonNode)id).ToArray()) } } } };
}
