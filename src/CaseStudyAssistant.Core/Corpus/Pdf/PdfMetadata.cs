using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using UglyToad.PdfPig;
using UglyToad.PdfPig.Tokens;

namespace CaseStudyAssistant.Corpus.Pdf;

/// <summary>Title, publisher, date and keywords from a PDF's XMP packet and its document information dictionary.</summary>
internal static partial class PdfMetadata
{
    private static readonly XNamespace Dc = "http://purl.org/dc/elements/1.1/";
    private static readonly XNamespace Xmp = "http://ns.adobe.com/xap/1.0/";
    private static readonly XNamespace PdfNs = "http://ns.adobe.com/pdf/1.3/";

    public static FrontMatter Read(PdfDocument document)
    {
        string? xmpTitle = null, publisher = null, xmpDate = null, xmpCreated = null, xmpKeywords = null;
        var subjects = new List<string>();
        try
        {
            if (document.TryGetXmpMetadata(out var xmp) && xmp.GetXDocument() is { Root: not null } x)
            {
                xmpTitle = Items(x, Dc + "title").FirstOrDefault();
                publisher = Items(x, Dc + "publisher").FirstOrDefault();
                xmpDate = Items(x, Dc + "date").FirstOrDefault();
                xmpCreated = Property(x, Xmp + "CreateDate");
                xmpKeywords = Property(x, PdfNs + "Keywords");
                subjects.AddRange(Items(x, Dc + "subject"));
            }
        }
        catch (Exception e) when (e is System.Xml.XmlException or InvalidOperationException or ArgumentException) { } // a broken XMP packet: use the info dictionary

        var info = document.Information;
        var company = publisher ?? InfoText(info.DocumentInformationDictionary, "Company") ?? InfoText(info.DocumentInformationDictionary, "Publisher");
        var tags = new List<string>();
        foreach (var k in (info.Keywords ?? xmpKeywords ?? "").Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Concat(subjects))
            if (k.Length is > 0 and <= 60 && !tags.Contains(k, StringComparer.OrdinalIgnoreCase) && tags.Count < 20) tags.Add(k);

        return new FrontMatter
        {
            Title = Plausible(xmpTitle) ?? Plausible(info.Title),
            Company = Clean(company),
            // A browser's "print to PDF" stamps the day it was printed, not the day the article appeared.
            Year = YearOf(xmpDate) ?? (PrintedByBrowser(info.Creator, info.Producer) ? null : YearOf(xmpCreated) ?? YearOf(info.CreationDate)),
            Tags = tags,
        };
    }

    /// <summary>The values of an XMP array property (<c>rdf:Alt</c>, <c>rdf:Bag</c>, <c>rdf:Seq</c>) or a simple one.</summary>
    private static IEnumerable<string> Items(XDocument x, XName name)
    {
        foreach (var element in x.Descendants(name))
        {
            var items = element.Descendants().Where(e => e.Name.LocalName == "li").Select(e => e.Value.Trim()).Where(v => v.Length > 0).ToList();
            if (items.Count > 0) foreach (var i in items) yield return i;
            else if (element.Value.Trim() is { Length: > 0 } v) yield return v;
        }
        foreach (var attribute in x.Descendants().Attributes(name))
            if (attribute.Value.Trim() is { Length: > 0 } v) yield return v;
    }

    private static string? Property(XDocument x, XName name) => Items(x, name).FirstOrDefault();

    private static string? InfoText(DictionaryToken? dictionary, string key) =>
        dictionary is not null && dictionary.TryGet(NameToken.Create(key), out var token) && token is StringToken s ? Clean(s.Data) : null;

    [GeneratedRegex(@"^(microsoft (word|powerpoint|excel)\b|untitled\b|document\d*$|title$|slide \d+$|\d+$)|\.(docx?|pptx?|xlsx?|pdf|tex|dvi|indd|odt|rtf|pages|key)$|[\\/]", RegexOptions.IgnoreCase)]
    private static partial Regex Placeholder();

    /// <summary>A title field is often a template's or a file's name ("Microsoft Word - draft3.docx"); those are not titles.</summary>
    internal static string? Plausible(string? title)
    {
        var t = Clean(title);
        if (t is null || t.Length < 4 || t.Count(char.IsLetter) < 3 || Placeholder().IsMatch(t)) return null;
        return t;
    }

    [GeneratedRegex(@"chrome|chromium|firefox|safari|mozilla|skia/pdf|webkit|wkhtmltopdf|electron", RegexOptions.IgnoreCase)]
    private static partial Regex Browser();

    internal static bool PrintedByBrowser(string? creator, string? producer) =>
        Browser().IsMatch(creator ?? "") || Browser().IsMatch(producer ?? "");

    [GeneratedRegex(@"^(D:)?(?<y>\d{4})")]
    private static partial Regex DateYear();

    internal static int? YearOf(string? date) =>
        date is not null && DateYear().Match(date.Trim()) is { Success: true } m && int.Parse(m.Groups["y"].Value, CultureInfo.InvariantCulture) is var y
        && Html.PageMetadata.PlausibleYear(y) ? y : null;

    private static string? Clean(string? s) => string.IsNullOrWhiteSpace(s) ? null : PdfLayout.Clean(s.Replace('\0', ' '));
}
