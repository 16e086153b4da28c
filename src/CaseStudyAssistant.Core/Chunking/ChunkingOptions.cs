namespace CaseStudyAssistant.Chunking;

public sealed class ChunkingOptions
{
    /// <summary>
    /// Token budget of one chunk's text, in exact tokens of <see cref="Encoding"/>. Chunks are also kept inside the
    /// embedding model's window (256 word pieces for the default model), which is usually the tighter limit.
    /// </summary>
    public int MaxTokens { get; set; } = 350;

    /// <summary>Sentences repeated at the start of the next part when a long section is split.</summary>
    public int OverlapSentences { get; set; } = 1;

    /// <summary>The LLM tokenizer that token budgets are counted in: cl100k_base or o200k_base.</summary>
    public string Encoding { get; set; } = "cl100k_base";
}
