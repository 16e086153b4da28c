namespace CaseStudyAssistant.Answering;

/// <summary>
/// A language-model call failed. Transient failures (timeouts, 429, 5xx, a broken stream — after retries) fall back
/// to the extractive answer; the others (missing key, unknown model, unreachable endpoint) are reported to the user.
/// </summary>
public sealed class LlmException(string message, bool transient, string? hint = null, Exception? inner = null) : Exception(message, inner)
{
    public bool Transient { get; } = transient;
    public string? Hint { get; } = hint;
}
