using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Qdrant.Client;
using Qdrant.Client.Grpc;

namespace CaseStudyAssistant.Qdrant;

/// <summary>
/// One gRPC channel to Qdrant and the official <see cref="QdrantClient"/> on top of it. Every call passes through
/// <see cref="QdrantCallPolicy"/> (per-attempt deadline, retries, readable errors) and carries the API key as
/// <c>api-key</c> metadata. <paramref name="innermost"/> lets tests sit between the policy and the network.
/// </summary>
internal sealed class QdrantConnection : IDisposable
{
    /// <summary>Replies bigger than gRPC's default 4 MB (a scroll page of study points with their sections).</summary>
    private const int MaxMessageBytes = 64 * 1024 * 1024;
    private readonly GrpcChannel _channel;

    public QdrantConnection(QdrantOptions options, Interceptor? innermost = null)
    {
        if (!Uri.TryCreate(options.Url, UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https") || address.AbsolutePath.Trim('/').Length > 0)
            throw new QdrantException($"the Qdrant URL '{options.Url}' is not an http(s)://host:port URL",
                hint: "set --qdrant-url http://host:6334 (Qdrant's gRPC port; or Index:Qdrant:Url, QDRANT_URL)");
        if (options.TimeoutSeconds <= 0 || double.IsNaN(options.TimeoutSeconds))
            throw new QdrantException($"Index:Qdrant:TimeoutSeconds must be above 0 (got {options.TimeoutSeconds})");
        if (options.MaxRetries < 0)
            throw new QdrantException($"Index:Qdrant:MaxRetries must be 0 or more (got {options.MaxRetries})");
        Url = address.GetLeftPart(UriPartial.Authority);

        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            ConnectTimeout = TimeSpan.FromSeconds(options.TimeoutSeconds),
            KeepAlivePingDelay = TimeSpan.FromSeconds(60),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(30),
        };
        if (options.CertificateThumbprint is { Length: > 0 } thumbprint)
        {
            if (address.Scheme != "https")
                throw new QdrantException("Index:Qdrant:CertificateThumbprint needs an https:// Qdrant URL", hint: $"use https://{address.Authority}, or unset the thumbprint");
            var matches = CertificateValidation.Thumbprint(thumbprint);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
                errors == SslPolicyErrors.None
                || (certificate is not null && matches(null!, certificate as X509Certificate2 ?? new X509Certificate2(certificate), chain, errors));
        }
        _channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = handler,
            MaxReceiveMessageSize = MaxMessageBytes,
            MaxSendMessageSize = MaxMessageBytes,
            DisposeHttpClient = true,
        });

        var apiKey = options.ApiKey;
        var invoker = _channel.CreateCallInvoker();
        if (innermost is not null) invoker = invoker.Intercept(innermost);
        invoker = invoker
            .Intercept(metadata =>
            {
                if (!string.IsNullOrEmpty(apiKey)) metadata.Add("api-key", apiKey);
                return metadata;
            })
            .Intercept(new QdrantCallPolicy(Url, TimeSpan.FromSeconds(options.TimeoutSeconds), options.MaxRetries, apiKey is { Length: > 0 }));
        // No client-side deadline here: the policy sets one per attempt.
        Client = new QdrantClient(new QdrantGrpcClient(invoker));
    }

    /// <summary>scheme://host:port, for messages.</summary>
    public string Url { get; }

    public QdrantClient Client { get; }

    public void Dispose()
    {
        Client.Dispose();
        _channel.Dispose();
    }
}
