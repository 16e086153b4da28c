using System.Numerics.Tensors;
using System.Text.RegularExpressions;
using CaseStudyAssistant.Indexing;
using CaseStudyAssistant.Retrieval;

namespace CaseStudyAssistant.Comparing;

/// <summary>
/// The offline cell: the one or two units (bullets or sentences) of the study's matching section that are most
/// relevant to the topic — by its IDF-weighted terms and by meaning — quoted in the study's own order. Results
/// cells prefer units that state numbers, problem cells (which carry the scale) lean that way too.
/// </summary>
internal sealed partial class CellExtractor(double meaningWeight)
{
    public const int CellChars = 300;
    private const double ResultsNumberBonus = 0.3;
    private const double ProblemNumberBonus = 0.1;
    /// <summary>A second unit joins the cell only if it is nearly as relevant as the first.</summary>
    private const double SecondUnitShare = 0.6;

    [GeneratedRegex(@"\d")]
    private static partial Regex Digit();

    public sealed record Scored(SectionUnit Unit, double Score);

    /// <summary>Scores every unit against the topic; <paramref name="similarity"/> is each unit's cosine to the topic (or null).</summary>
    public List<Scored> Score(string column, IReadOnlyList<SectionUnit> units, IReadOnlyDictionary<string, double> termWeights, IReadOnlyList<double>? similarity)
    {
        var total = termWeights.Values.Sum();
        var scored = new List<Scored>();
        for (var i = 0; i < units.Count; i++)
        {
            var terms = TextAnalyzer.Instance.Analyze(units[i].Text).Distinct();
            var coverage = total <= 0 ? 0 : terms.Where(termWeights.ContainsKey).Sum(t => termWeights[t]) / total;
            var score = coverage + (similarity is null ? 0 : meaningWeight * similarity[i]);
            if (Digit().IsMatch(units[i].Text))
                score += column == CompareColumns.Results ? ResultsNumberBonus : column == CompareColumns.Problem ? ProblemNumberBonus : 0;
            scored.Add(new Scored(units[i], score));
        }
        return scored;
    }

    /// <summary>The cell for one column of one study, or "not described" when the study has no such section.</summary>
    public CompareCell Cell(StudyRecord study, int n, string column, List<Scored> scored)
    {
        if (scored.Count == 0) return CompareCell.NotDescribed;
        var ranked = scored.OrderByDescending(s => s.Score).ThenBy(s => s.Unit.Order).ToList();
        var picked = new List<Scored> { ranked[0] };
        // A results cell led by a number is not diluted by a second unit without one.
        var second = column == CompareColumns.Results && Digit().IsMatch(ranked[0].Unit.Text)
            ? ranked.Skip(1).Where(s => Digit().IsMatch(s.Unit.Text)).ToList() : ranked.Skip(1).ToList();
        if (second.Count > 0 && second[0].Score >= SecondUnitShare * ranked[0].Score
            && ranked[0].Unit.Text.Length + second[0].Unit.Text.Length + 1 <= CellChars)
            picked.Add(second[0]);
        var text = string.Join(" ", picked.OrderBy(p => p.Unit.Order).Select(p => EnsureStop(p.Unit.Text)));
        var section = picked.OrderBy(p => p.Unit.Order).First().Unit.Section;
        return new CompareCell(Shorten(text), new CellCitation(n, study.Id, section, study.SourceUrl), CellSources.Extract);
    }

    public static double[] Cosines(float[] topic, IReadOnlyList<float[]> vectors) =>
        vectors.Select(v => v.Length == topic.Length ? (double)TensorPrimitives.Dot(topic, v) : 0).ToArray();

    /// <summary>Cuts an over-long extract at a word boundary, marking the cut.</summary>
    public static string Shorten(string text)
    {
        if (text.Length <= CellChars) return text;
        var cut = text.LastIndexOf(' ', CellChars - 1);
        return text[..(cut > CellChars / 2 ? cut : CellChars - 1)].TrimEnd(',', ';', ' ') + "…";
    }

    private static string EnsureStop(string s) => s.Length == 0 || ".!?…".Contains(s[^1]) ? s : s + ".";
}
