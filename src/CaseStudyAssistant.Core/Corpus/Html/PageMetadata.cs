using System.Globalization;
using System.Text.RegularExpressions;
using AngleSharp.Html.Dom;

namespace CaseStudyAssistant.Corpus.Html;

/// <summary>
/// What a page says about itself: <c>og:title</c>, <c>og:site_name</c>, <c>article:published_time</c>, the canonical
/// URL (or <c>og:url</c>, or the URL a browser noted when saving the page), keywords, and a date in the URL path.
/// </summary>
internal sealed partial record PageMetadata(string? Title, string? SiteName, string? Url, string? Domain, int? Year, int? UrlYear, IReadOnlyList<string> Keywords)
{
    private const int MaxKeywords = 20;

    public static PageMetadata Read(IHtmlDocument page, string head)
    {
        string? Meta(params string[] names)
        {
            foreach (var name in names)
            {
                var value = page.QuerySelectorAll("meta")
                    .Where(m => string.Equals(m.GetAttribute("property") ?? m.GetAttribute("name") ?? m.GetAttribute("itemprop"), name, StringComparison.OrdinalIgnoreCase))
                    .Select(m => m.GetAttribute("content")).FirstOrDefault(c => !string.IsNullOrWhiteSpace(c));
                if (value is not null) return HtmlStudyReader.Clean(value);
            }
            return null;
        }

        var canonical = page.QuerySelectorAll("link[rel]")
            .FirstOrDefault(l => (l.GetAttribute("rel") ?? "").Split(' ').Contains("canonical", StringComparer.OrdinalIgnoreCase))?.GetAttribute("href");
        var url = WebUrl(canonical) ?? WebUrl(Meta("og:url", "twitter:url")) ?? SavedFrom(head);

        var keywords = new List<string>();
        foreach (var source in page.QuerySelectorAll("meta")
                     .Where(m => (m.GetAttribute("name") ?? m.GetAttribute("property") ?? "") is var n
                         && (n.Equals("keywords", StringComparison.OrdinalIgnoreCase) || n.Equals("article:tag", StringComparison.OrdinalIgnoreCase) || n.Equals("news_keywords", StringComparison.OrdinalIgnoreCase)))
                     .Select(m => m.GetAttribute("content") ?? ""))
            foreach (var k in source.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                if (k.Length is > 0 and <= 60 && !keywords.Contains(k, StringComparer.OrdinalIgnoreCase) && keywords.Count < MaxKeywords) keywords.Add(k);

        var published = Meta("article:published_time", "og:published_time", "datePublished", "citation_publication_date", "dc.date", "date");
        return new PageMetadata(
            Title: Meta("og:title", "twitter:title"),
            SiteName: Meta("og:site_name", "application-name"),
            Url: url,
            Domain: RegistrableDomain(url),
            Year: YearOf(published),
            UrlYear: url is null ? null : UrlYearOf(url),
            Keywords: keywords);
    }

    private static string? WebUrl(string? s) => MarkdownBody.IsWebUrl(s?.Trim()) ? s!.Trim() : null;

    [GeneratedRegex(@"<!--\s*saved from url=\(\d+\)(?<url>https?://[^\s>]+)", RegexOptions.IgnoreCase)]
    private static partial Regex SavedFromComment();

    [GeneratedRegex(@"<!--\s*Page saved with SingleFile\s*\r?\n\s*url:\s*(?<url>https?://\S+)", RegexOptions.IgnoreCase)]
    private static partial Regex SingleFileComment();

    /// <summary>Browsers and SingleFile note where a saved page came from in a comment at its top.</summary>
    private static string? SavedFrom(string head) =>
        (SavedFromComment().Match(head) is { Success: true } m ? m : SingleFileComment().Match(head)) is { Success: true } hit ? WebUrl(hit.Groups["url"].Value) : null;

    [GeneratedRegex(@"^(?<y>\d{4})(-\d{2}(-\d{2})?)?([T ].*)?$")]
    private static partial Regex IsoDate();

    internal static int? YearOf(string? date)
    {
        if (date is null) return null;
        if (IsoDate().Match(date.Trim()) is { Success: true } m && PlausibleYear(int.Parse(m.Groups["y"].Value, CultureInfo.InvariantCulture)))
            return int.Parse(m.Groups["y"].Value, CultureInfo.InvariantCulture);
        return DateTimeOffset.TryParse(date, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var d) && PlausibleYear(d.Year) ? d.Year : null;
    }

    [GeneratedRegex(@"/(?<y>(19|20)\d{2})/(0?[1-9]|1[0-2])(/|$)|/(?<y>(19|20)\d{2})-(0[1-9]|1[0-2])-\d{2}")]
    private static partial Regex DatedPath();

    /// <summary>"…/2023/06/fraud-rings" → 2023: many blogs put the publication month in the path.</summary>
    internal static int? UrlYearOf(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var u) && DatedPath().Match(u.AbsolutePath) is { Success: true } m
        && int.Parse(m.Groups["y"].Value, CultureInfo.InvariantCulture) is var y && PlausibleYear(y) ? y : null;

    internal static bool PlausibleYear(int y) => y >= FrontMatter.MinYear && y <= Math.Min(FrontMatter.MaxYear, DateTime.UtcNow.Year + 1);

    private static readonly HashSet<string> SecondLevel = new(StringComparer.Ordinal) { "co", "com", "ac", "org", "net", "gov", "edu", "ne", "or" };

    /// <summary>"eng.uber.com" → "uber.com", "www.bbc.co.uk" → "bbc.co.uk": the site's own domain, used as the company.</summary>
    internal static string? RegistrableDomain(string? url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var u) || u.HostNameType != UriHostNameType.Dns) return null;
        var labels = u.Host.ToLowerInvariant().Split('.');
        if (labels.Length < 2) return null;
        var take = labels.Length >= 3 && labels[^1].Length == 2 && SecondLevel.Contains(labels[^2]) ? 3 : 2;
        return string.Join('.', labels[^Math.Min(take, labels.Length)..]);
    }
}
