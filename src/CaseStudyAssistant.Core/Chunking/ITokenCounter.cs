namespace CaseStudyAssistant.Chunking;

/// <summary>Counts tokens of text the way an LLM tokenizer would (exactly, or as an estimate).</summary>
public interface ITokenCounter
{
    int CountTokens(string text);
}
