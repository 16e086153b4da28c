namespace CaseStudyAssistant.Web;

/// <summary>Limits and protection of the HTTP API (configuration section <c>Web</c>).</summary>
public sealed class WebOptions
{
    public int MaxQuestionChars { get; set; } = 1000;
    public long MaxBodyBytes { get; set; } = 64 * 1024;
    /// <summary>Requests per minute per client address on /api.</summary>
    public int RequestsPerMinute { get; set; } = 120;
    /// <summary>Read from the environment only (CSA_API_KEY); required when listening beyond loopback.</summary>
    public string? ApiKey { get; set; }

    public const string ApiKeyHeader = "X-Api-Key";

    /// <summary>True when every URL binds to a loopback address (so no API key is required).</summary>
    public static bool LoopbackOnly(IEnumerable<string> urls) => urls.All(u =>
    {
        var host = u.Split("://", 2).Last().Split('/')[0];
        host = host.StartsWith('[') ? host[1..host.IndexOf(']')] : host.Split(':')[0];
        // Kestrel binds a host name other than "localhost" to every interface, so only literal loopback counts.
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (System.Net.IPAddress.TryParse(host, out var address) && System.Net.IPAddress.IsLoopback(address));
    });
}
