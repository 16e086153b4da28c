using CaseStudyAssistant.Indexing;
using Grpc.Core;

namespace CaseStudyAssistant.Qdrant;

/// <summary>A Qdrant call that failed, in one readable line (with the server's own message when it sent one) and a hint.</summary>
internal sealed class QdrantException(string message, StatusCode? status = null, string? hint = null, Exception? inner = null)
    : StoreException(message, hint, inner)
{
    /// <summary>The gRPC status the server (or the channel) answered with; null for failures of our own.</summary>
    public StatusCode? Status { get; } = status;
}
