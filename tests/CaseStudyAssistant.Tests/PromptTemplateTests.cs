using CaseStudyAssistant.Answering;

namespace CaseStudyAssistant.Tests;

/// <summary>The prompt files as Semantic Kernel templates: rendering, hashes, and mistakes reported with the file named.</summary>
public sealed class PromptTemplateTests : IDisposable
{
    private readonly TempDir _dir = new("prompts");

    public void Dispose() => _dir.Dispose();

    private PromptLibrary Library(string name, string text)
    {
        _dir.Write($"prompts/{name}.md", text);
        return new PromptLibrary(_dir.File("prompts"));
    }

    [Fact]
    public async Task Values_are_inserted_as_written_and_never_expanded()
    {
        var prompts = Library("p", "Studies:\n{{$studies}}\nQuestion: {{$question}}\n");

        var text = await prompts.RenderAsync("p", new Dictionary<string, string>
        {
            ["studies"] = "<study id=\"x\" title=\"A & B\">\nUses {{$question}} and {{ time.now }}\n</study>", ["question"] = "Why?",
        });

        Assert.Equal("Studies:\n<study id=\"x\" title=\"A & B\">\nUses {{$question}} and {{ time.now }}\n</study>\nQuestion: Why?\n", text);
    }

    [Fact]
    public async Task Every_repository_prompt_renders_with_its_own_variables_and_a_stable_hash()
    {
        var prompts = new PromptLibrary(Path.Combine(Repo.Root, "prompts"));
        var system = await prompts.RenderAsync(LlmAnswerGenerator.SystemPrompt, new Dictionary<string, string> { ["max_sentences"] = "5" });

        Assert.Contains("at most 5 sentences", system);
        Assert.DoesNotContain("{{", system);
        Assert.Equal(prompts.Info("research.system"), new PromptLibrary(Path.Combine(Repo.Root, "prompts")).Info("research.system"));
        Assert.Contains(prompts.All, p => p.Name == ResearchAnswerer.UserPrompt);
    }

    [Fact]
    public async Task A_missing_or_unknown_variable_is_an_error_naming_it()
    {
        var prompts = Library("p", "Question: {{$question}}\n");

        var missing = await Assert.ThrowsAsync<PromptException>(() => prompts.RenderAsync("p", new Dictionary<string, string>()));
        var unknown = await Assert.ThrowsAsync<PromptException>(() => prompts.RenderAsync("p", new Dictionary<string, string> { ["question"] = "q", ["extra"] = "x" }));

        Assert.Contains("{{$question}}", missing.Message);
        Assert.Contains("{{$extra}}", unknown.Message);
    }

    [Fact]
    public void A_variable_written_without_its_dollar_is_reported_with_the_file()
    {
        var e = Assert.Throws<PromptException>(() => Library("old", "Question: {{question}}\n"));

        Assert.Contains("old.md", e.Message);
        Assert.Contains("{{$question}}", e.Message);
    }
}
