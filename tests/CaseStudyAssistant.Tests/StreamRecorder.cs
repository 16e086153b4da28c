using CaseStudyAssistant.Answering;

namespace CaseStudyAssistant.Tests;

/// <summary>Records what an <see cref="AnswerStream"/> showed, in order: "sources" and "text" events.</summary>
public sealed class StreamRecorder
{
    public List<string> Events { get; } = [];
    public List<string> Texts { get; } = [];
    public List<IReadOnlyList<Citation>> SourceLists { get; } = [];
    public IReadOnlyList<Citation>? Sources => SourceLists.LastOrDefault();
    public string Text => string.Concat(Texts);

    public AnswerStream Stream => new()
    {
        OnSources = s => { lock (Events) { Events.Add("sources"); SourceLists.Add(s); } },
        OnText = t => { lock (Events) { Events.Add("text"); Texts.Add(t); } },
    };

    /// <summary>The sources once, before any text, and then only text; the text is the final answer's.</summary>
    public void ShowedExactly(Answer answer)
    {
        Assert.Equal("sources", Events.FirstOrDefault());
        Assert.Single(SourceLists);
        Assert.All(Events.Skip(1), e => Assert.Equal("text", e));
        Assert.Equal(answer.Text, Text);
        if (answer.Refused) Assert.Empty(Sources!);
    }
}
