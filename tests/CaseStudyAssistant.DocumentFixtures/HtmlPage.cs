using System.Net;
using System.Text;

namespace CaseStudyAssistant.DocumentFixtures;

/// <summary>
/// A saved blog page as a browser stores it: head metadata, scripts and styles, a cookie banner, site navigation, the
/// article, a comment thread, related links and a footer. Only the article is the study.
/// </summary>
public sealed record HtmlPage
{
    public required string Title { get; init; }
    /// <summary>The article body as HTML (headings, paragraphs, lists).</summary>
    public required string ArticleHtml { get; init; }
    public string? OgTitle { get; init; }
    public string? SiteName { get; init; }
    public string? PublishedTime { get; init; }
    public string? CanonicalUrl { get; init; }
    public string? Keywords { get; init; }
    public string Byline { get; init; } = "By the engineering team";
    public string[] Comments { get; init; } = ["Thanks for writing this up! How long did the migration take end to end?"];

    public string Render()
    {
        static string A(string s) => WebUtility.HtmlEncode(s);
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        sb.Append($"<title>{A(Title)}</title>\n");
        if (OgTitle is not null) sb.Append($"<meta property=\"og:title\" content=\"{A(OgTitle)}\">\n");
        if (SiteName is not null) sb.Append($"<meta property=\"og:site_name\" content=\"{A(SiteName)}\">\n");
        if (PublishedTime is not null) sb.Append($"<meta property=\"article:published_time\" content=\"{A(PublishedTime)}\">\n");
        if (Keywords is not null) sb.Append($"<meta name=\"keywords\" content=\"{A(Keywords)}\">\n");
        if (CanonicalUrl is not null) sb.Append($"<link rel=\"canonical\" href=\"{A(CanonicalUrl)}\">\n");
        sb.Append("<style>body{font-family:sans-serif} .cookie-banner{position:fixed;bottom:0}</style>\n");
        sb.Append("<script>window.analyticsQueue=[];function track(e){analyticsQueue.push(e)} track('pageview');</script>\n");
        sb.Append("</head>\n<body>\n");
        sb.Append("<div class=\"cookie-banner\" id=\"cookie-consent\"><p>We use cookies to personalise content and measure traffic. By clicking Accept you agree to our use of cookies.</p><button>Accept all</button></div>\n");
        sb.Append("<header class=\"site-header\"><nav class=\"main-nav\"><ul><li><a href=\"/\">Home</a></li><li><a href=\"/blog\">Blog</a></li><li><a href=\"/careers\">Careers</a></li><li><a href=\"/about\">About us</a></li></ul></nav></header>\n");
        sb.Append("<main>\n<article class=\"post\">\n");
        sb.Append($"<h1>{A(OgTitle ?? Title)}</h1>\n<p class=\"byline\">{A(Byline)}</p>\n");
        sb.Append(ArticleHtml).Append('\n');
        sb.Append("<script>track('read-article');</script>\n");
        sb.Append("</article>\n");
        sb.Append("<section class=\"comments\" id=\"comments\"><h2>Comments</h2>\n");
        foreach (var c in Comments) sb.Append($"<div class=\"comment\"><p class=\"comment-author\">reader42</p><p>{A(c)}</p></div>\n");
        sb.Append("</section>\n");
        sb.Append("<aside class=\"related sidebar\"><h3>Related posts</h3><ul><li><a href=\"/blog/1\">Our year in review</a></li><li><a href=\"/blog/2\">We are hiring engineers</a></li></ul></aside>\n");
        sb.Append("</main>\n<footer class=\"site-footer\"><p>© Example Inc. All rights reserved.</p><p><a href=\"/privacy\">Privacy</a> · <a href=\"/terms\">Terms</a></p></footer>\n");
        sb.Append("</body>\n</html>\n");
        return sb.ToString();
    }
}
