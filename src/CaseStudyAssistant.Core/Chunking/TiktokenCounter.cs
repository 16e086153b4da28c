using Microsoft.ML.Tokenizers;

namespace CaseStudyAssistant.Chunking;

/// <summary>Exact token counts with OpenAI's BPE encodings (cl100k_base for GPT-4/3.5, o200k_base for GPT-4o and later).</summary>
internal sealed class TiktokenCounter : ITokenCounter
{
    public static readonly string[] Encodings = ["cl100k_base", "o200k_base"];
    private static readonly Lazy<TiktokenCounter> Cl100k = new(() => new TiktokenCounter("cl100k_base"));
    private static readonly Lazy<TiktokenCounter> O200k = new(() => new TiktokenCounter("o200k_base"));

    private readonly Tokenizer _tokenizer;

    public string Encoding { get; }

    private TiktokenCounter(string encoding)
    {
        Encoding = encoding;
        _tokenizer = TiktokenTokenizer.CreateForEncoding(encoding);
    }

    /// <summary>The shared counter for an encoding (loading one takes a moment, so each is loaded once per process).</summary>
    public static TiktokenCounter For(string encoding) => encoding.ToLowerInvariant() switch
    {
        "cl100k_base" or "cl100k" => Cl100k.Value,
        "o200k_base" or "o200k" => O200k.Value,
        _ => throw new ArgumentException($"unknown token encoding '{encoding}'; use one of {string.Join(", ", Encodings)}"),
    };

    public int CountTokens(string text) => text.Length == 0 ? 0 : _tokenizer.CountTokens(text);
}
