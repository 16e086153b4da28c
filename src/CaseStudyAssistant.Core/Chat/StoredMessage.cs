namespace CaseStudyAssistant.Chat;

/// <summary>One message as a row of the chat store (cited ids as a JSON array, the time as ISO 8601).</summary>
internal sealed record StoredMessage(string Session, long Seq, string Role, string Text, string? Standalone, string Cited, string At);
