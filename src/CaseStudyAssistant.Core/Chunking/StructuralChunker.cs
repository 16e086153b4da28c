using CaseStudyAssistant.Corpus;
using CaseStudyAssistant.Embedding;
using CaseStudyAssistant.Indexing;
using Microsoft.Extensions.AI;

namespace CaseStudyAssistant.Chunking;

/// <summary>
/// One chunk per section; a section that does not fit is split at sentence boundaries, each part starting with the
/// last sentence(s) of the one before. A single sentence that does not fit is split between words. A chunk fits when
/// its text is within the token budget (exact LLM tokens) and, when the embedding model has a window, the text the
/// model embeds (the chunk with its context line) is within that window, so nothing is cut off before embedding.
/// </summary>
public sealed class StructuralChunker
{
    private readonly ITokenCounter _tokens;
    private readonly ChunkingOptions _options;
    private readonly IEmbeddingWindow? _window;

    public StructuralChunker(ITokenCounter tokens, ChunkingOptions options, IEmbeddingWindow? window = null)
    {
        _tokens = tokens; _options = options; _window = window;
    }

    public StructuralChunker(ITokenCounter tokens, ChunkingOptions options, IEmbeddingGenerator<string, Embedding<float>> embedder)
        : this(tokens, options, embedder.GetService<IEmbeddingWindow>()) { }

    public IReadOnlyList<Chunk> Chunk(CaseStudy study)
    {
        var chunks = new List<Chunk>();
        foreach (var section in study.Sections)
        {
            foreach (var text in SplitSection(section.Text, t => Fits(study, section.Heading, t)))
            {
                chunks.Add(new Chunk
                {
                    Id = Chunking.Chunk.MakeId(study.Id, chunks.Count),
                    StudyId = study.Id,
                    Ordinal = chunks.Count,
                    Heading = section.Heading,
                    Text = text,
                    TokenCount = _tokens.CountTokens(text),
                    OverWindow = !Fits(study, section.Heading, text),
                });
            }
        }
        return chunks;
    }

    /// <summary>Splits a section with no study context (the token budget alone, and the window for the bare text).</summary>
    public IEnumerable<string> SplitSection(string text) => SplitSection(text, t => _tokens.CountTokens(t) <= _options.MaxTokens && (_window is null || _window.CountTokens(t) <= _window.MaxTokens - 2));

    private bool Fits(CaseStudy study, string heading, string text) =>
        _tokens.CountTokens(text) <= _options.MaxTokens
        // The model adds two special tokens of its own.
        && (_window is null || _window.CountTokens(ChunkContext.ForEmbedding(study, heading, text)) <= _window.MaxTokens - 2);

    private IEnumerable<string> SplitSection(string text, Func<string, bool> fits)
    {
        text = text.Trim();
        if (fits(text)) { yield return text; yield break; }

        var sentences = SentenceSplitter.Split(text).SelectMany(s => SplitOversized(s, fits)).ToList();
        string Join(int from, int to) => string.Join('\n', sentences[from..to]);
        var start = 0;
        while (start < sentences.Count)
        {
            var end = start + 1;
            while (end < sentences.Count && fits(Join(start, end + 1))) end++;
            yield return Join(start, end);
            if (end >= sentences.Count) break;
            // Overlap when the repeated sentences still leave room for the next one; always advance.
            var overlapStart = Math.Max(start + 1, end - _options.OverlapSentences);
            start = overlapStart < end && fits(Join(overlapStart, end + 1)) ? overlapStart : end;
        }
    }

    private static IEnumerable<string> SplitOversized(string sentence, Func<string, bool> fits)
    {
        if (fits(sentence)) { yield return sentence; yield break; }
        var words = sentence.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var part = new List<string>();
        foreach (var word in words)
        {
            part.Add(word);
            if (part.Count > 1 && !fits(string.Join(' ', part)))
            {
                part.RemoveAt(part.Count - 1);
                yield return string.Join(' ', part);
                part.Clear(); part.Add(word);
            }
        }
        if (part.Count > 0) yield return string.Join(' ', part);
    }
}
