using CaseStudyAssistant.Indexing;
using CaseStudyAssistant.Retrieval;

namespace CaseStudyAssistant.Practice;

/// <summary>
/// Picks distinct studies for a practice set: those matching the filters (ranked by the topic when one is given),
/// shuffled by the seed, one per study and — unless a company filter asks otherwise — one per company first.
/// Only studies with a problem statement and key decisions qualify, since the questions are built from them.
/// </summary>
public sealed class StudySelector(IStudyIndex index, Retriever retriever)
{
    private const double MinTopicEvidence = 0.3;
    private const double RelativeTopicEvidence = 0.7;

    public async Task<IReadOnlyList<StudyRecord>> SelectAsync(PracticeRequest request, CancellationToken ct = default)
    {
        List<StudyRecord> candidates;
        if (!string.IsNullOrWhiteSpace(request.Topic))
        {
            var retrieval = await retriever.RetrieveAsync(request.Topic, request.Filter, top: 60, ct);
            var evidence = retrieval.StudyEvidence;
            var best = evidence.Count == 0 ? 0 : evidence.Values.Max();
            // Keep the studies that match the topic nearly as well as the best one (a shared stray word is not a
            // match), in rank order; the seed then chooses among them.
            candidates = retrieval.Chunks.Select(c => c.Study).DistinctBy(s => s.Id)
                .Where(s => evidence.Count == 0 || evidence.GetValueOrDefault(s.Id) >= Math.Max(MinTopicEvidence, RelativeTopicEvidence * best))
                .Take(Math.Max(request.Count * 2, 6)).ToList();
        }
        else candidates = (await index.ListStudiesAsync(request.Filter, ct)).OrderBy(s => s.Id, StringComparer.Ordinal).ToList();

        candidates = candidates.Where(Usable).ToList();
        var random = new Random(request.Seed);
        var shuffled = candidates.OrderBy(_ => random.Next()).ToList();
        var picked = new List<StudyRecord>();
        var companies = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var s in shuffled)
        {
            if (picked.Count == request.Count) break;
            if (request.Filter.Company is null && !companies.Add(s.Company)) continue;
            picked.Add(s);
        }
        foreach (var s in shuffled.Where(s => !picked.Contains(s)))
        {
            if (picked.Count == request.Count) break;
            picked.Add(s);
        }
        return picked;
    }

    public static bool Usable(StudyRecord s) =>
        s.Sections.Any(x => StudySections.IsProblem(x.Heading)) && s.Sections.Any(x => StudySections.IsDecisions(x.Heading));
}

/// <summary>Recognises the standard section headings, allowing for variants ("Approach / System design").</summary>
internal static class StudySections
{
    public static bool IsProblem(string h) => Has(h, "problem", "context", "challenge", "background");
    public static bool IsApproach(string h) => Has(h, "approach", "system design", "solution", "architecture");
    public static bool IsDecisions(string h) => Has(h, "key decision", "decision", "trade-off", "tradeoff");
    public static bool IsStack(string h) => Has(h, "stack", "technolog");
    public static bool IsResults(string h) => Has(h, "result", "impact", "outcome");

    private static bool Has(string heading, params string[] words) => words.Any(w => heading.Contains(w, StringComparison.OrdinalIgnoreCase));

    public static IEnumerable<string> Lines(StudyRecord s, Func<string, bool> which) =>
        s.Sections.Where(x => which(x.Heading)).SelectMany(x => x.Text.Split('\n')).Select(l => l.Trim()).Where(l => l.Length > 0);
}
