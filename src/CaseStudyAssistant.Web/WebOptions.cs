using CaseStudyAssistant.Configuration;
using Microsoft.Extensions.Options;

namespace CaseStudyAssistant.Web;

/// <summary>Limits and protection of the HTTP API (configuration section <c>Web</c>).</summary>
public sealed class WebOptions
{
    public int MaxQuestionChars { get; set; } = 1000;
    public long MaxBodyBytes { get; set; } = 64 * 1024;
    /// <summary>Longest path and query string answered; longer ones get a JSON 414.</summary>
    public int MaxUrlChars { get; set; } = 4096;
    /// <summary>Requests per minute per client address on /api.</summary>
    public int RequestsPerMinute { get; set; } = 120;
    /// <summary>Wrong API keys a client may send in a minute before it is refused (429) until the minute is over.</summary>
    public int KeyFailuresPerMinute { get; set; } = 10;
    /// <summary>
    /// Host header values answered (port ignored). Empty: only localhost, 127.0.0.1 and [::1] when listening on
    /// loopback (so a web page cannot reach the server by DNS rebinding), any host otherwise (a key is required there).
    /// </summary>
    public List<string> AllowedHosts { get; set; } = [];
    /// <summary>Read from the environment only (CSA_API_KEY); required when listening beyond loopback.</summary>
    public string? ApiKey { get; set; }

    public const string ApiKeyHeader = "X-Api-Key";
    public const int MinApiKeyChars = 16;
    public static readonly string[] LoopbackHosts = ["localhost", "127.0.0.1", "[::1]"];

    /// <summary>True when every URL binds to a loopback address (so no API key is required).</summary>
    public static bool LoopbackOnly(IEnumerable<string> urls) => urls.All(u =>
    {
        var host = u.Split("://", 2).Last().Split('/')[0];
        host = host.StartsWith('[') ? host[1..host.IndexOf(']')] : host.Split(':')[0];
        // Kestrel binds a host name other than "localhost" to every interface, so only literal loopback counts.
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (System.Net.IPAddress.TryParse(host, out var address) && System.Net.IPAddress.IsLoopback(address));
    });

    /// <summary>
    /// The listen addresses, checked before anything binds: each an http(s) URL with a port from 1 to 65535,
    /// separated by ';'. Returns the problem in words, or null.
    /// </summary>
    public static string? CheckUrls(string urls, out List<string> list)
    {
        list = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        if (list.Count == 0) return "no address to listen on";
        foreach (var url in list)
        {
            if (url.Contains(',')) return $"'{urls}' is not a list of URLs: separate them with ';', not ','";
            var rest = url.Split("://", 2);
            if (rest.Length != 2 || rest[0] is not ("http" or "https")) return $"'{url}' is not an http:// or https:// URL";
            var authority = rest[1].Split('/')[0];
            var portText = authority.StartsWith('[') ? authority[(authority.IndexOf(']') + 1)..].TrimStart(':') : authority.Contains(':') ? authority[(authority.LastIndexOf(':') + 1)..] : "";
            if (portText.Length == 0) continue; // the scheme's default port
            if (!int.TryParse(portText, out var port) || port is < 1 or > 65535) return $"'{url}' has port '{portText}'; a port is a number from 1 to 65535";
        }
        return null;
    }
}

internal sealed class WebOptionsValidator : IValidateOptions<WebOptions>
{
    public ValidateOptionsResult Validate(string? name, WebOptions o) => new SettingRules("Web")
        .Range(nameof(o.MaxQuestionChars), o.MaxQuestionChars, 10, 100_000)
        .Range(nameof(o.MaxBodyBytes), o.MaxBodyBytes, 1024, 64L * 1024 * 1024)
        .Range(nameof(o.MaxUrlChars), o.MaxUrlChars, 256, 65_536)
        .Range(nameof(o.RequestsPerMinute), o.RequestsPerMinute, 1, 1_000_000)
        .Range(nameof(o.KeyFailuresPerMinute), o.KeyFailuresPerMinute, 1, 10_000)
        .Check(o.AllowedHosts.All(h => !string.IsNullOrWhiteSpace(h)), "Web:AllowedHosts has an empty entry, but each must be a host name, an address or *")
        .Result();
}
