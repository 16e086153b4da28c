namespace CaseStudyAssistant.Indexing;

/// <summary>A store failed in a way the user can act on: the message says what failed, the hint what to do.</summary>
public class StoreException(string message, string? hint = null, Exception? inner = null) : Exception(message, inner)
{
    public string? Hint { get; } = hint;
}
