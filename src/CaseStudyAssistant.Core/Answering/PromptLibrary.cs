using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.SemanticKernel;

namespace CaseStudyAssistant.Answering;

/// <summary>A prompt file's name and the hash of its content, reported with answers and eval runs.</summary>
public sealed record PromptInfo(string Name, string Hash);

/// <summary>
/// The prompts in <c>prompts/</c>: one Semantic Kernel prompt template per file (variables written <c>{{$name}}</c>),
/// loaded at run time, each with a content hash so a prompt change is visible in answers and CI reports.
/// </summary>
public sealed partial class PromptLibrary
{
    private sealed record Prompt(string Text, string Hash, IPromptTemplate Template, IReadOnlySet<string> Variables);

    // Values are inserted as written (not HTML-encoded): a rendered prompt is sent as one message's content, never
    // parsed for <message> tags, and source text is delimited and escaped by CitationValidator.FormatSources.
    private static readonly KernelPromptTemplateFactory Factory = new() { AllowDangerouslySetContent = true };
    // Templates here only read variables; rendering needs a kernel, not its services.
    private static readonly Kernel RenderKernel = new();

    private readonly Dictionary<string, Prompt> _prompts = new(StringComparer.Ordinal);

    // {{name}} without the $ is a function call in Semantic Kernel's syntax, and a common slip for a variable.
    [GeneratedRegex(@"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")]
    private static partial Regex BareName();

    public string Folder { get; }

    public PromptLibrary(string folder)
    {
        Folder = folder;
        if (!Directory.Exists(folder)) throw new PromptException($"prompts folder not found: {folder}", "set Prompts:Path (env CSA_PROMPTS__PATH) to the folder holding the .md prompt files");
        foreach (var file in Directory.EnumerateFiles(folder, "*.md").Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileNameWithoutExtension(file);
            var text = File.ReadAllText(file).Replace("\r\n", "\n").TrimEnd() + "\n";
            var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..12];
            if (BareName().Match(text) is { Success: true } bare)
                throw new PromptException($"prompt '{name}' ({file}) uses {bare.Value}; template variables are written {{{{${bare.Groups[1].Value}}}}}", $"edit {name}.md");
            var config = new PromptTemplateConfig(text) { Name = name };
            IPromptTemplate template;
            try { template = Factory.Create(config); }
            catch (KernelException e) { throw new PromptException($"prompt '{name}' ({file}) is not a valid template: {e.Message}", $"edit {name}.md"); }
            _prompts[name] = new Prompt(text, hash, template, config.InputVariables.Select(v => v.Name).ToHashSet(StringComparer.Ordinal));
        }
    }

    public IReadOnlyList<PromptInfo> All => _prompts.Select(p => new PromptInfo(p.Key, p.Value.Hash)).ToList();

    public PromptInfo Info(string name) => new(name, Get(name).Hash);

    private Prompt Get(string name) =>
        _prompts.TryGetValue(name, out var p) ? p : throw new PromptException($"prompt '{name}' not found in {Folder}", $"restore {name}.md in the prompts folder");

    /// <summary>Fills every variable; a variable without a value, or a value without a variable, is an error.</summary>
    public async Task<string> RenderAsync(string name, IReadOnlyDictionary<string, string> values, CancellationToken ct = default)
    {
        var prompt = Get(name);
        var missing = prompt.Variables.Where(v => !values.ContainsKey(v)).ToList();
        if (missing.Count > 0) throw new PromptException($"prompt '{name}' needs a value for {string.Join(", ", missing.Select(m => "{{$" + m + "}}"))}");
        var unused = values.Keys.Where(k => !prompt.Variables.Contains(k)).ToList();
        if (unused.Count > 0) throw new PromptException($"prompt '{name}' has no variable {string.Join(", ", unused.Select(m => "{{$" + m + "}}"))}", $"edit {name}.md in {Folder}");
        var arguments = new KernelArguments();
        foreach (var (key, value) in values) arguments[key] = value;
        // The template engine renders each block once, so a value containing "{{$x}}" (e.g. from a source document) is never expanded.
        return await prompt.Template.RenderAsync(RenderKernel, arguments, ct);
    }

    /// <summary>The configured folder, else <c>prompts/</c> beside the executable, else beside the solution.</summary>
    public static string Locate(string? configured)
    {
        if (!string.IsNullOrWhiteSpace(configured)) return Path.GetFullPath(configured);
        var besideApp = Path.Combine(AppContext.BaseDirectory, "prompts");
        if (Directory.Exists(besideApp)) return besideApp;
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "CaseStudyAssistant.sln")) && Directory.Exists(Path.Combine(dir.FullName, "prompts")))
                return Path.Combine(dir.FullName, "prompts");
        return besideApp;
    }
}

internal sealed class PromptException(string message, string? hint = null) : Exception(message)
{
    public string? Hint { get; } = hint;
}
