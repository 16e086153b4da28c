using CaseStudyAssistant.Indexing;
using CaseStudyAssistant.Retrieval;

namespace CaseStudyAssistant.Configuration;

/// <summary>What a request breaks, said once for the CLI and the HTTP API alike.</summary>
public sealed record RuleViolation(string Message, string? Hint = null);

/// <summary>
/// The limits and rules every front end applies to a request, so <c>csa ask --top 80</c> and
/// <c>POST /api/ask {"top": 80}</c> fail the same way, with the same words.
/// </summary>
public static class RequestRules
{
    public const int MinTop = 1, MaxTop = 50;
    public const int MinPracticeCount = 1, MaxPracticeCount = 20;
    public const int MaxTopicChars = 300;
    public const int MinYear = 1900, MaxYear = 2100;

    public static RuleViolation? Question(string? question, int maxChars) =>
        string.IsNullOrWhiteSpace(question) ? new("the question is empty", "ask something, e.g. \"How do teams keep online and offline features consistent?\"")
        : question.Length > maxChars ? new($"the question is {question.Length} characters long; the limit is {maxChars}", "shorten the question")
        : null;

    public static RuleViolation? Top(int? top) =>
        top is < MinTop or > MaxTop ? new($"top must be between {MinTop} and {MaxTop}, got {top}") : null;

    public static RuleViolation? PracticeCount(int? count) =>
        count is < MinPracticeCount or > MaxPracticeCount ? new($"count must be between {MinPracticeCount} and {MaxPracticeCount}, got {count}") : null;

    public static RuleViolation? Topic(string? topic) =>
        topic is { Length: > MaxTopicChars } ? new($"the topic is {topic.Length} characters long; the limit is {MaxTopicChars}", "shorten the topic") : null;

    public static RuleViolation? Years(int? from, int? to)
    {
        foreach (var (name, year) in new[] { ("year-from (yearFrom)", from), ("year-to (yearTo)", to) })
            if (year is < MinYear or > MaxYear) return new($"{name} must be a year between {MinYear} and {MaxYear}, got {year}");
        return from > to ? new($"year-from {from} is after year-to {to}", "swap the two years") : null;
    }

    public static RuleViolation? Filter(SearchFilter filter) => Years(filter.YearFrom, filter.YearTo);

    /// <summary>Practice found no study for the filters and topic given.</summary>
    public static RuleViolation NoPracticeMatch(SearchFilter filter, string? topic) =>
        new("no study matches " + string.Join(" and ", new[]
            {
                filter.IsEmpty ? null : filter.ToString(),
                topic is null ? null : $"the topic '{topic}'",
            }.OfType<string>().DefaultIfEmpty("the request")),
            "loosen the filters, or list what there is with 'csa studies' (GET /api/studies)");
}
