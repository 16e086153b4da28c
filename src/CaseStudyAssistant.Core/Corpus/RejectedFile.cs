namespace CaseStudyAssistant.Corpus;

/// <summary>A corpus file (or catalog row) that could not be read, and why.</summary>
public sealed record RejectedFile(string Path, string Problem)
{
    public override string ToString() => $"{Path}: {Problem}";
}

/// <summary>Thrown by a parser for input it cannot accept; the message names the problem.</summary>
internal sealed class CorpusFormatException(string message) : Exception(message);

public sealed record CorpusReadResult(IReadOnlyList<CaseStudy> Studies, IReadOnlyList<RejectedFile> Rejected)
{
    /// <summary>How many PDFs and web pages were read and how long that took.</summary>
    public Documents.DocumentStats Documents { get; init; } = Corpus.Documents.DocumentStats.None;

    /// <summary>Links the walk did not follow (loops, folders or files already read, broken links).</summary>
    public IReadOnlyList<SkippedLink> SkippedLinks { get; init; } = [];
}
