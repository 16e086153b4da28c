using System.Numerics.Tensors;
using System.Text.RegularExpressions;
using CaseStudyAssistant.Embedding;
using CaseStudyAssistant.Retrieval;

namespace CaseStudyAssistant.Comparing;

/// <summary>
/// What the compared studies share and where they part ways, from their key-decision bullets and stack components
/// alone. Patterns: the items are clustered by embedding similarity (average linkage); a cluster holding items of
/// at least two studies is a pattern, shown by its most central item and one quote per study. Differences: a
/// decision that says what it was chosen instead of ("rather than X", "instead of X", "replaced X") is matched
/// against the other studies' items; one that is close to the rejected X, closer to it than to the chosen
/// alternative, and uses most of X's content words (or is very close to X, or is itself a decision that turned down
/// what the first one chose) is a study that took the route the first one turned down.
/// </summary>
internal sealed partial class DecisionAnalysis(Embedder embedder)
{
    /// <summary>Average cosine at which two groups of items are merged into one cluster.</summary>
    public const double ClusterSimilarity = 0.62;
    /// <summary>Cosine between another study's item and a rejected option at which that study is taken to use it.</summary>
    public const double RejectedSimilarity = 0.58;
    /// <summary>Share of the rejected option's content words the other item must use, unless it is very close or the two decisions are opposed.</summary>
    public const double RejectedTermShare = 0.6;
    /// <summary>Above this, no shared word is needed.</summary>
    public const double StrongSimilarity = 0.75;
    /// <summary>How much closer to the rejected option than to the chosen one the item must be.</summary>
    private const double Margin = 0.05;
    public const int MaxPatterns = 6, MaxDifferences = 5;

    private sealed record Item(int N, string DocId, string Company, string Section, string Text, bool IsDecision)
    {
        public float[] Vector { get; set; } = [];
        /// <summary>For a decision that names what it rejected: that option, and the decision without it.</summary>
        public string? Rejected { get; init; }
        public string? Chosen { get; init; }
        public float[]? RejectedVector { get; set; }
        public float[]? ChosenVector { get; set; }
        /// <summary>The item as a plain choice (a decision's chosen part), what another study's rejection is compared with.</summary>
        public float[] ChoiceVector => ChosenVector ?? Vector;
    }

    // "X vs. Y: why" names the option taken first, the way the notes write their trade-offs.
    [GeneratedRegex(@"\b(?<cue>instead of|rather than|in place of|as opposed to|replac(?:e|es|ed|ing)|over|vs\.?|versus)\s+(?<rejected>[^,;:.()—]+)", RegexOptions.IgnoreCase)]
    private static partial Regex ContrastCue();

    [GeneratedRegex(@"\b(?:chose|choose|chosen|choosing|prefer|preferred|preferring|favou?r|favou?red|favou?ring|picked|selected)\b", RegexOptions.IgnoreCase)]
    private static partial Regex ChoiceVerb();

    [GeneratedRegex(@"\s+\b(?:because|since|so|which|while|giving|allowing|making|to keep|to avoid|for|with|and then)\b.*$", RegexOptions.IgnoreCase)]
    private static partial Regex TrailingClause();

    public async Task<(List<ComparePoint> Patterns, List<ComparePoint> Differences)> AnalyseAsync(IReadOnlyList<(ComparedStudy Row, Indexing.StudyRecord Study)> studies, CancellationToken ct)
    {
        var items = new List<Item>();
        foreach (var (row, study) in studies)
        {
            foreach (var unit in SectionUnits.Of(study, CompareColumns.Decisions))
            {
                var (rejected, chosen) = Contrast(unit.Text);
                items.Add(new Item(row.N, row.DocId, row.Company, unit.Section, unit.Text, true) { Rejected = rejected, Chosen = chosen });
            }
            var stackHeading = SectionUnits.Heading(study, CompareColumns.Stack);
            if (stackHeading is not null)
                foreach (var component in SectionUnits.Components(SectionUnits.Text(study, CompareColumns.Stack)))
                    items.Add(new Item(row.N, row.DocId, row.Company, stackHeading, component, false));
        }
        if (items.Select(i => i.N).Distinct().Count() < 2) return ([], []);

        var texts = items.Select(i => i.Text)
            .Concat(items.Where(i => i.Rejected is not null).SelectMany(i => new[] { i.Rejected!, i.Chosen! })).ToList();
        var vectors = await embedder.EmbedPassagesAsync(texts, ct);
        for (var i = 0; i < items.Count; i++) items[i].Vector = vectors[i];
        var next = items.Count;
        foreach (var item in items.Where(i => i.Rejected is not null))
        {
            item.RejectedVector = vectors[next++];
            item.ChosenVector = vectors[next++];
        }
        return (Patterns(items), Differences(items));
    }

    /// <summary>The option a decision says it turned down, and the decision without that clause (null when it names none).</summary>
    public static (string? Rejected, string? Chosen) Contrast(string decision)
    {
        foreach (Match m in ContrastCue().Matches(decision))
        {
            var cue = m.Groups["cue"].Value.ToLowerInvariant();
            // "over" is a choice only after a verb of choosing ("chose X over Y"), not "over time" or "over 50 ms".
            if (cue == "over" && !ChoiceVerb().IsMatch(decision[..m.Index])) continue;
            var rejected = m.Groups["rejected"].Value;
            var chosen = (decision[..m.Index] + " " + decision[(m.Index + m.Length)..]).Trim(' ', ',', ';', '.');
            if (cue.StartsWith("replac"))
            {
                // "replaced X with Y": X was turned down, Y chosen.
                var parts = Regex.Split(rejected, @"\s+with\s+", RegexOptions.IgnoreCase);
                rejected = parts[0];
                if (parts.Length > 1) chosen = (string.Join(" with ", parts[1..]) + " " + decision[(m.Index + m.Length)..]).Trim(' ', ',', ';', '.');
            }
            rejected = TrailingClause().Replace(rejected, "").Trim();
            if (TextAnalyzer.Instance.Analyze(rejected).Distinct().Count() < 2) continue;
            if (TextAnalyzer.Instance.Analyze(chosen).Count < 2) continue;
            return (rejected, chosen);
        }
        return (null, null);
    }

    private static double Cos(float[] a, float[] b) => a.Length == b.Length && a.Length > 0 ? TensorPrimitives.Dot(a, b) : 0;

    private static List<ComparePoint> Patterns(List<Item> items)
    {
        var clusters = items.Select(i => new List<Item> { i }).ToList();
        while (true)
        {
            var (best, a, b) = (ClusterSimilarity, -1, -1);
            for (var i = 0; i < clusters.Count; i++)
                for (var j = i + 1; j < clusters.Count; j++)
                {
                    // Only pairs from different studies count: a pattern is what studies share, so items of one
                    // study never join each other on their own likeness.
                    var pairs = clusters[i].SelectMany(x => clusters[j].Where(y => y.N != x.N).Select(y => Cos(x.Vector, y.Vector))).ToList();
                    if (pairs.Count == 0) continue;
                    var s = pairs.Average();
                    if (s >= best) (best, a, b) = (s, i, j);
                }
            if (a < 0) break;
            clusters[a].AddRange(clusters[b]);
            clusters.RemoveAt(b);
        }

        var patterns = new List<(ComparePoint Point, int Studies, double Cohesion)>();
        foreach (var cluster in clusters.Where(c => c.Select(i => i.N).Distinct().Count() >= 2))
        {
            // The most central item, judged against the other studies' items, speaks for the cluster.
            double Centrality(Item x) => cluster.Where(y => y.N != x.N).Average(y => Cos(x.Vector, y.Vector));
            var centre = cluster.OrderByDescending(Centrality).ThenBy(x => x.N).First();
            var quotes = cluster.GroupBy(x => x.N).OrderBy(g => g.Key)
                .Select(g => g.OrderByDescending(x => x == centre ? 2 : Cos(x.Vector, centre.Vector)).First())
                .Select(x => new StudyQuote(x.N, x.DocId, x.Section, x.Text)).ToList();
            var point = new ComparePoint(centre.Text, quotes.Select(q => q.DocId).ToList(), quotes);
            patterns.Add((point, quotes.Count, Centrality(centre)));
        }
        return patterns.OrderByDescending(p => p.Studies).ThenByDescending(p => p.Cohesion).Take(MaxPatterns).Select(p => p.Point).ToList();
    }

    /// <summary>Share of the rejected option's content words that the other study's item uses.</summary>
    private static double SharedShare(HashSet<string> rejectedTerms, string text)
    {
        var terms = TextAnalyzer.Instance.Analyze(text).ToHashSet();
        return rejectedTerms.Count == 0 ? 0 : rejectedTerms.Count(terms.Contains) / (double)rejectedTerms.Count;
    }

    /// <summary>Both decisions weigh the same two options the other way round: each chose what the other turned down.</summary>
    private static bool Opposed(Item a, Item b) =>
        b.RejectedVector is not null && Cos(a.ChosenVector!, b.RejectedVector) > Cos(a.ChosenVector!, b.ChosenVector!) + Margin;

    private static List<ComparePoint> Differences(List<Item> items)
    {
        var found = new List<(ComparePoint Point, double Similarity)>();
        foreach (var decision in items.Where(i => i.RejectedVector is not null))
        {
            var rejectedTerms = TextAnalyzer.Instance.Analyze(decision.Rejected!).ToHashSet();
            var match = items
                .Where(other => other.N != decision.N)
                .Select(other => (Item: other, ToRejected: Cos(other.ChoiceVector, decision.RejectedVector!), ToChosen: Cos(other.ChoiceVector, decision.ChosenVector!)))
                .Where(x => x.ToRejected >= RejectedSimilarity && x.ToRejected > x.ToChosen + Margin)
                .Where(x => x.ToRejected >= StrongSimilarity || SharedShare(rejectedTerms, x.Item.Chosen ?? x.Item.Text) >= RejectedTermShare || Opposed(decision, x.Item))
                .OrderByDescending(x => x.ToRejected).FirstOrDefault();
            if (match.Item is null) continue;
            var other = match.Item;
            var text = $"{decision.Company} decided against “{decision.Rejected!.Trim()}”, the route {other.Company} took.";
            var quotes = new List<StudyQuote> { new(decision.N, decision.DocId, decision.Section, decision.Text), new(other.N, other.DocId, other.Section, other.Text) };
            found.Add((new ComparePoint(text, [decision.DocId, other.DocId], quotes), match.ToRejected));
        }
        // The same pair of decisions found from both sides is one difference.
        return found.OrderByDescending(f => f.Similarity)
            .DistinctBy(f => string.Join("\n", f.Point.Quotes.Select(q => q.Text).Order(StringComparer.Ordinal)))
            .Take(MaxDifferences).Select(f => f.Point).ToList();
    }
}
