using CaseStudyAssistant.Retrieval;

namespace CaseStudyAssistant.Web;

public sealed record FilterDto(string? Company, string? Industry, string? Tag, string? Category, int? YearFrom, int? YearTo)
{
    public SearchFilter ToFilter() => new()
    {
        Company = Blank(Company), Industry = Blank(Industry), Tag = Blank(Tag), Category = Blank(Category), YearFrom = YearFrom, YearTo = YearTo,
    };

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}

public sealed record AskRequest(string? Question, int? Top, FilterDto? Filters);

public sealed record ChatRequest(string? Message, FilterDto? Filters);

public sealed record PracticeRequestDto(int? Count, string? Difficulty, int? Seed, string? Topic, FilterDto? Filters);
