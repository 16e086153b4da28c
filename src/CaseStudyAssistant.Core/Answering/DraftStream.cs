using System.Text;

namespace CaseStudyAssistant.Answering;

/// <summary>
/// The one place an answer's <see cref="AnswerStream"/> callbacks fire. A generator that writes while the model
/// streams reports its numbered sources and each checked piece of text here. Pieces are held back until the answer
/// keeps something citable, so the stream never shows text that a refusal (or the answer that replaces one kept
/// nothing) does not contain; then the sources go out once, before any text. Whatever was not shown while writing is
/// shown when the answer is final: its citations (none for a refusal), then its whole text.
/// </summary>
public sealed class DraftStream
{
    private readonly AnswerStream? _stream;
    private readonly bool _keepUnsupported;
    private readonly StringBuilder _held = new();
    private IReadOnlyList<Citation> _sources = [];
    private bool _shown;

    internal DraftStream(AnswerStream? stream, bool keepUnsupported)
    {
        _stream = stream;
        _keepUnsupported = keepUnsupported;
    }

    /// <summary>Whether anyone reads the text as it is written; if not, a generator has no reason to stream.</summary>
    public bool IsLive => _stream?.OnText is not null;

    /// <summary>The numbered sources the text will cite as [n].</summary>
    public void Sources(IReadOnlyList<Citation> sources)
    {
        if (!_shown) _sources = sources;
    }

    /// <summary>A piece of text as checked, with the check of everything written so far.</summary>
    public void Text(string piece, CitationCheck soFar)
    {
        if (piece.Length == 0) return;
        if (_shown) { _stream?.OnText?.Invoke(piece); return; }
        _held.Append(piece);
        if (!RefusalPolicy.KeepsSomething(soFar.Cited.Count, soFar.Checked, _keepUnsupported)) return;
        _shown = true;
        _stream?.OnSources?.Invoke(_sources);
        _stream?.OnText?.Invoke(_held.ToString());
        _held.Clear();
    }

    /// <summary>The final answer: shown whole unless its text was shown while it was written.</summary>
    internal void Finish(Answer answer)
    {
        if (_shown) return;
        _shown = true;
        _stream?.OnSources?.Invoke(answer.Refused ? [] : answer.Citations);
        if (answer.Text.Length > 0) _stream?.OnText?.Invoke(answer.Text);
    }
}
