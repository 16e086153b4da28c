using System.Net;
using CaseStudyAssistant.Indexing;

namespace CaseStudyAssistant.Qdrant;

/// <summary>A Qdrant request that failed, with the server's own error message when it sent one.</summary>
public sealed class QdrantException(string message, HttpStatusCode? status = null, string? hint = null, Exception? inner = null)
    : StoreException(message, hint, inner)
{
    public HttpStatusCode? Status { get; } = status;
}
