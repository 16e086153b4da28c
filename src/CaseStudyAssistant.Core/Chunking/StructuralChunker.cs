using CaseStudyAssistant.Corpus;

namespace CaseStudyAssistant.Chunking;

/// <summary>
/// One chunk per section; a section over the token budget is split at sentence boundaries, each part starting
/// with the last sentence(s) of the one before. A single sentence over the budget is split between words.
/// </summary>
public sealed class StructuralChunker(ITokenCounter tokens, ChunkingOptions options)
{
    public IReadOnlyList<Chunk> Chunk(CaseStudy study)
    {
        var chunks = new List<Chunk>();
        foreach (var section in study.Sections)
        {
            foreach (var text in SplitSection(section.Text))
            {
                chunks.Add(new Chunk
                {
                    Id = Chunking.Chunk.MakeId(study.Id, chunks.Count),
                    StudyId = study.Id,
                    Ordinal = chunks.Count,
                    Heading = section.Heading,
                    Text = text,
                    TokenCount = tokens.CountTokens(text),
                });
            }
        }
        return chunks;
    }

    public IEnumerable<string> SplitSection(string text)
    {
        if (tokens.CountTokens(text) <= options.MaxTokens) { yield return text.Trim(); yield break; }

        var sentences = SentenceSplitter.Split(text).SelectMany(SplitOversized).ToList();
        var costs = sentences.Select(tokens.CountTokens).ToList();
        var start = 0;
        while (start < sentences.Count)
        {
            var end = start + 1; var used = costs[start];
            // Each further sentence also costs the line break that joins it.
            while (end < sentences.Count && used + 1 + costs[end] <= options.MaxTokens) used += 1 + costs[end++];
            yield return string.Join('\n', sentences[start..end]);
            if (end >= sentences.Count) break;
            // Overlap, but always advance by at least one sentence.
            start = Math.Max(start + 1, end - options.OverlapSentences);
        }
    }

    private IEnumerable<string> SplitOversized(string sentence)
    {
        if (tokens.CountTokens(sentence) <= options.MaxTokens) { yield return sentence; yield break; }
        var words = sentence.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var part = new List<string>();
        var used = 0;
        foreach (var word in words)
        {
            var cost = tokens.CountTokens(" " + word);
            if (used + cost > options.MaxTokens && part.Count > 0)
            {
                yield return string.Join(' ', part);
                part.Clear(); used = 0;
            }
            part.Add(word); used += cost;
        }
        if (part.Count > 0) yield return string.Join(' ', part);
    }
}
