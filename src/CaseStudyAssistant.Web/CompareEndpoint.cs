using CaseStudyAssistant.Indexing;
using CaseStudyAssistant.Comparing;
using CaseStudyAssistant.Retrieval;
using CaseStudyAssistant.Web.Contracts;

namespace CaseStudyAssistant.Web;

internal sealed record CompareRequestDto(string? Topic, IReadOnlyList<string>? Studies, int? Max, string? Format, FilterDto? Filters);

/// <summary><c>POST /api/compare</c>: the same comparison as <c>csa compare</c>, as JSON or as the Markdown export.</summary>
internal static class CompareEndpoint
{
    public static void Map(RouteGroupBuilder api, WebOptions web)
    {
        api.MapPost("/compare", async (CompareRequestDto request, Comparer comparer, CancellationToken ct) =>
        {
            if (string.IsNullOrWhiteSpace(request.Topic)) return Bad("topic is empty");
            if (request.Topic.Length > web.MaxQuestionChars) return Bad($"topic is {request.Topic.Length} characters long; the limit is {web.MaxQuestionChars}");
            if (request.Max is < 1 or > CompareRequest.MaxStudies) return Bad($"max must be between 1 and {CompareRequest.MaxStudies}");
            if (request.Format is not (null or "json" or "markdown")) return Bad("format must be json or markdown");
            if (Configuration.RequestRules.Years(request.Filters?.YearFrom, request.Filters?.YearTo) is { } years) return Bad(years.Message, years.Hint);
            var ids = (request.Studies ?? []).Where(s => !string.IsNullOrWhiteSpace(s)).Select(s => s.Trim()).ToList();
            var filter = request.Filters?.ToFilter() ?? SearchFilter.None;
            if (ids.Count > 0 && !filter.IsEmpty) return Bad("studies and filters cannot be combined: the studies are either listed or picked by filters");
            // A CompareException (an unknown study id, …) becomes a 400 through the shared error mapping.
            var comparison = await comparer.CompareAsync(new CompareRequest
            {
                Topic = request.Topic, StudyIds = ids, Filter = filter, Max = ids.Count > 0 ? ids.Count : request.Max ?? CompareRequest.DefaultMax,
            }, ct);
            return request.Format == "markdown"
                ? Results.Text(CompareFormatter.ToMarkdown(comparison), "text/markdown; charset=utf-8")
                : Results.Json(CompareFormatter.ToJson(comparison), Json.Options);
        }).WithSummary("Compare how the studies solved one problem (the same object as csa compare --format json; \"format\":\"markdown\" for the table)")
          .Produces(200, contentType: "application/json")
          .Produces<Contracts.ErrorBody>(400).Produces<Contracts.ErrorBody>(401).Produces<Contracts.ErrorBody>(413).Produces<Contracts.ErrorBody>(415)
          .Produces<Contracts.ErrorBody>(429).Produces<Contracts.ErrorBody>(500).Produces<Contracts.ErrorBody>(502).Produces<Contracts.ErrorBody>(503);
    }

    private static IResult Bad(string message, string? hint = null) =>
        Results.Json(new Contracts.ErrorBody(message, hint), Contracts.Json.Options, statusCode: 400);
}
