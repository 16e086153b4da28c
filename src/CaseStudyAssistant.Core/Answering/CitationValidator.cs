using System.Text;
using System.Text.RegularExpressions;
using CaseStudyAssistant.Retrieval;

namespace CaseStudyAssistant.Answering;

/// <summary>A numbered source given to the model: one study and the passages of it that were retrieved.</summary>
public sealed record ContextSource(Citation Citation, string Text);

/// <summary>
/// The outcome of checking an answer: the text as shown, the sources it cites, citations removed because no such
/// source was given, and the sentences that stated something without a valid citation that supports it (dropped
/// from <see cref="Text"/>, or kept and marked). <see cref="Checked"/> counts the sentences that stated something.
/// </summary>
public sealed record CitationCheck(string Text, IReadOnlyList<Citation> Cited, IReadOnlyList<string> Removed, IReadOnlyList<string> Unsupported, int Checked)
{
    public int Supported => Checked - Unsupported.Count;
}

/// <summary>
/// Accounts for every sentence of a generated answer. Citations of sources that were not given are removed (and
/// reported). A sentence that states something must keep at least one valid citation, and the cited sources must
/// support it — its numbers all appear there, and enough of its content words — else it is unsupported: dropped,
/// or with <c>keepUnsupported</c> kept with <see cref="Marker"/>. Sentences that state nothing (a lead-in ending in
/// ':', a heading, a bare list marker) pass as written. Text can be fed as it streams: <see cref="Feed"/> returns
/// the checked sentences that are complete, so what is streamed is exactly what the final text holds.
/// </summary>
public sealed partial class CitationValidator(IReadOnlyList<ContextSource> sources, double supportOverlap, bool keepUnsupported = false)
{
    public const string Marker = "[unsupported]";

    [GeneratedRegex(@"\[(\d+(?:\s*[,;]\s*\d+)*)\]")]
    private static partial Regex CitationGroup();

    [GeneratedRegex(@"\d+(?:[.,]\d+)*")]
    private static partial Regex Number();

    [GeneratedRegex(@"[ \t]+([.,;:!?])")]
    private static partial Regex SpaceBeforePunctuation();

    // A sentence ends at end punctuation (or a citation right after it) followed by whitespace and something that
    // starts a sentence; a citation is never a sentence of its own. Abbreviations and decimals are not boundaries.
    [GeneratedRegex(@"(?<!\b(?:e\.g|i\.e|vs|etc|approx|incl|Dr|Mr|Ms|No|Fig|cf|al|U\.S|Inc|Ltd|Corp|Jr|Sr)\.)(?:(?<=[.!?…][""')]?)|(?<=[.!?…][""')]?\s*\[\d+(?:\s*[,;]\s*\d+)*\]))[ \t]+(?=[\p{Lu}\p{N}""'(*•\-]|\[(?!\d))")]
    private static partial Regex Boundary();

    [GeneratedRegex(@"^\s*(?:#{1,6}\s+|[-*•]\s+|\d+[.)]\s+)")]
    private static partial Regex LineMarker();

    private readonly Dictionary<int, ContextSource> _byNumber = sources.ToDictionary(s => s.Citation.N);
    private readonly StringBuilder _pending = new();
    private readonly StringBuilder _text = new();
    private readonly SortedSet<int> _cited = [];
    private readonly List<string> _removed = [];
    private readonly List<string> _unsupported = [];
    private int _checked;
    private int _newlines;
    // Whether the current line had any sentence, and whether any of it was kept: a line break counts (towards a
    // paragraph break) only after kept text or a blank line, so a dropped line leaves no gap.
    private bool _lineHadSentence, _lineHadOutput;

    /// <summary>Checks a whole answer.</summary>
    public static CitationCheck Validate(string answer, IReadOnlyList<ContextSource> sources, double supportOverlap, bool keepUnsupported = false)
    {
        var validator = new CitationValidator(sources, supportOverlap, keepUnsupported);
        validator.Feed(answer);
        validator.Finish();
        return validator.Result;
    }

    public CitationCheck Result => new(_text.ToString(), _cited.Select(n => _byNumber[n].Citation).ToList(), _removed.Distinct().ToList(), _unsupported, _checked);

    /// <summary>Takes more of the answer; returns the text of the sentences completed by it, checked.</summary>
    public string Feed(string delta)
    {
        _pending.Append(delta);
        return Drain(final: false);
    }

    /// <summary>The end of the answer: checks what remains; returns its text.</summary>
    public string Finish() => Drain(final: true);

    // A boundary is taken once a few characters after it are known: whether "[" opens a citation (which belongs to
    // the sentence before it) or a new sentence is decided by what follows it.
    private const int Lookahead = 12;

    private string Drain(bool final)
    {
        var start = _text.Length;
        var pending = _pending.ToString();
        var done = 0;
        int newline;
        while ((newline = pending.IndexOf('\n', done)) >= 0)
        {
            EmitLine(pending[done..newline], all: true);
            if (!_lineHadSentence || _lineHadOutput) _newlines++;
            _lineHadSentence = _lineHadOutput = false;
            done = newline + 1;
        }
        done += EmitLine(pending[done..], all: final);
        _pending.Clear().Append(pending[done..]);
        return _text.ToString(start, _text.Length - start);
    }

    /// <summary>Emits the sentences of one line (all, or those whose boundary is settled); returns the characters used.</summary>
    private int EmitLine(string line, bool all)
    {
        var used = 0;
        foreach (Match m in Boundary().Matches(line))
        {
            if (!all && m.Index + m.Length + Lookahead > line.Length) break;
            Emit(line[used..m.Index]);
            used = m.Index + m.Length;
        }
        if (!all) return used;
        Emit(line[used..]);
        return line.Length;
    }

    private void Emit(string raw)
    {
        var sentence = raw.Trim();
        if (sentence.Length == 0) return;
        _lineHadSentence = true;
        var shown = Check(sentence);
        if (shown is null) return;
        _lineHadOutput = true;
        if (_text.Length > 0) _text.Append(_newlines switch { 0 => " ", 1 => "\n", _ => "\n\n" });
        _text.Append(shown);
        _newlines = 0;
    }

    /// <summary>The sentence as shown (invalid citations removed, maybe marked), or null when it is dropped.</summary>
    private string? Check(string sentence)
    {
        var valid = new List<int>();
        var text = CitationGroup().Replace(sentence, m =>
        {
            var numbers = m.Groups[1].Value.Split([',', ';'], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToList();
            var kept = numbers.Where(_byNumber.ContainsKey).Distinct().ToList();
            _removed.AddRange(numbers.Where(n => !_byNumber.ContainsKey(n)).Select(n => $"[{n}]"));
            valid.AddRange(kept);
            return kept.Count == 0 ? "" : string.Concat(kept.Select(n => $"[{n}]"));
        });
        text = SpaceBeforePunctuation().Replace(text, "$1").Trim();
        var claim = SpaceBeforePunctuation().Replace(CitationGroup().Replace(text, ""), "$1").Trim();
        if (!StatesSomething(claim)) return text.Length == 0 ? null : text;

        _checked++;
        var numbers = valid.Distinct().ToList();
        var supported = numbers.Count > 0 && IsSupported(claim, string.Join("\n", numbers.Select(n => _byNumber[n].Text)), supportOverlap);
        if (!supported)
        {
            _unsupported.Add(LineMarker().Replace(claim, ""));
            if (!keepUnsupported) return null;
        }
        _cited.UnionWith(numbers);
        return supported ? text : $"{text} {Marker}";
    }

    /// <summary>A sentence states something unless it is a lead-in (ends with ':'), or has no content word at all.</summary>
    private static bool StatesSomething(string claim)
    {
        var body = LineMarker().Replace(claim, "").Trim();
        if (body.Length == 0 || body.EndsWith(':')) return false;
        if (LineMarker().IsMatch(claim) && claim.TrimStart().StartsWith('#')) return false;
        return TextAnalyzer.Instance.Analyze(body).Count > 0 || Number().IsMatch(body);
    }

    /// <summary>Supported when the claim's numbers all appear in the evidence, and enough of its content words do.</summary>
    public static bool IsSupported(string claim, string evidence, double overlap)
    {
        var claimNumbers = Number().Matches(claim).Select(m => m.Value.Replace(",", "")).ToHashSet();
        var evidenceNumbers = Number().Matches(evidence).Select(m => m.Value.Replace(",", "")).ToHashSet();
        if (claimNumbers.Count > 0 && !claimNumbers.All(evidenceNumbers.Contains)) return false;
        var words = TextAnalyzer.Instance.Analyze(Number().Replace(claim, " ")).Distinct().ToList();
        if (words.Count == 0) return claimNumbers.Count > 0;
        var evidenceWords = TextAnalyzer.Instance.Analyze(evidence).ToHashSet(StringComparer.Ordinal);
        var share = words.Count(evidenceWords.Contains) / (double)words.Count;
        return claimNumbers.Count > 0 ? share >= overlap / 2 : share >= overlap;
    }

    /// <summary>
    /// The numbered sources as the prompt shows them, each delimited so its text reads as data; with
    /// <paramref name="studyIds"/>, each also names its study's id (for research mode's get_study).
    /// </summary>
    public static string FormatSources(IEnumerable<ContextSource> sources, bool studyIds = false)
    {
        var sb = new StringBuilder();
        foreach (var s in sources)
        {
            var c = s.Citation;
            // Angle brackets inside a source cannot close its tag early.
            var body = s.Text.Replace("<", "‹").Replace(">", "›");
            var study = studyIds ? $" study=\"{Attr(c.DocId)}\"" : "";
            sb.Append($"<source id=\"{c.N}\"{study} title=\"{Attr(c.Title)}\" company=\"{Attr(c.Company)}\" year=\"{c.Year}\">\n{body}\n</source>\n\n");
        }
        return sb.ToString().TrimEnd();
    }

    private static string Attr(string s) => s.Replace("\"", "'").Replace("<", "‹").Replace(">", "›");
}
