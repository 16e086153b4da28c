using CaseStudyAssistant.Indexing;
using CaseStudyAssistant.Answering;
using CaseStudyAssistant.Retrieval;

namespace CaseStudyAssistant.Web;

internal sealed record FilterDto(string? Company, string? Industry, string? Tag, string? Category, int? YearFrom, int? YearTo)
{
    public SearchFilter ToFilter() => new()
    {
        Company = Blank(Company), Industry = Blank(Industry), Tag = Blank(Tag), Category = Blank(Category), YearFrom = YearFrom, YearTo = YearTo,
    };

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}

/// <summary><see cref="Mode"/>: "answer" (default) or "research"; <see cref="KeepUnsupported"/>: keep unsupported sentences, marked.</summary>
internal sealed record AskRequest(string? Question, int? Top, FilterDto? Filters, string? Mode = null, bool? KeepUnsupported = null);

internal sealed record ChatRequest(string? Message, FilterDto? Filters, string? Mode = null, bool? KeepUnsupported = null);

internal static class AskRequests
{
    /// <summary>The answering options of a request, or the problem with them (a user-facing message).</summary>
    public static (AskOptions? Options, string? Problem) Read(string? mode, bool? keepUnsupported, Assistant assistant)
    {
        string parsed;
        try { parsed = AskModes.Parse(mode, "mode"); }
        catch (ArgumentException e) { return (null, e.Message); }
        if (parsed == AskModes.Research && !assistant.CanResearch) return (null, $"{Assistant.ResearchNeedsModel} (set Llm:Provider on the server)");
        return (new AskOptions { Mode = parsed, KeepUnsupported = keepUnsupported ?? false }, null);
    }
}

internal sealed record PracticeRequestDto(int? Count, string? Difficulty, int? Seed, string? Topic, FilterDto? Filters);
