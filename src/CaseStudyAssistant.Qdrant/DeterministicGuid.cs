using System.Security.Cryptography;
using System.Text;

namespace CaseStudyAssistant.Qdrant;

/// <summary>Name-based UUIDs (RFC 4122 version 5): the same chunk gets the same point id on every ingest.</summary>
internal static class DeterministicGuid
{
    // A fixed namespace for this application's point ids.
    private static readonly byte[] Namespace = Guid.Parse("6f1c5d0e-3a4b-5c8d-9e2f-1a2b3c4d5e6f").ToByteArray(bigEndian: true);

    public static Guid Create(string name)
    {
        var input = Namespace.Concat(Encoding.UTF8.GetBytes(name)).ToArray();
        var hash = SHA1.HashData(input);
        var bytes = hash[..16];
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x50);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }
}
