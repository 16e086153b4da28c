namespace CaseStudyAssistant.Chunking;

public sealed class ChunkingOptions
{
    /// <summary>Token budget of one chunk's text (estimated cl100k tokens).</summary>
    public int MaxTokens { get; set; } = 350;

    /// <summary>Sentences repeated at the start of the next part when a long section is split.</summary>
    public int OverlapSentences { get; set; } = 1;
}
