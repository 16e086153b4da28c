using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace CaseStudyAssistant.Answering;

/// <summary>A prompt file's name and the hash of its content, reported with answers and eval runs.</summary>
public sealed record PromptInfo(string Name, string Hash);

/// <summary>
/// The prompts in <c>prompts/</c>: one file per prompt, <c>{{name}}</c> placeholders, loaded at run time, each with a
/// content hash so a prompt change is visible in answers and CI reports.
/// </summary>
public sealed partial class PromptLibrary
{
    private readonly Dictionary<string, (string Text, string Hash)> _prompts = new(StringComparer.Ordinal);

    [GeneratedRegex(@"\{\{([a-z_]+)\}\}")]
    private static partial Regex Placeholder();

    public string Folder { get; }

    public PromptLibrary(string folder)
    {
        Folder = folder;
        if (!Directory.Exists(folder)) throw new PromptException($"prompts folder not found: {folder}", "set Prompts:Path (env CSA_PROMPTS__PATH) to the folder holding the .md prompt files");
        foreach (var file in Directory.EnumerateFiles(folder, "*.md").Order(StringComparer.Ordinal))
        {
            var text = File.ReadAllText(file).Replace("\r\n", "\n").TrimEnd() + "\n";
            var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..12];
            _prompts[Path.GetFileNameWithoutExtension(file)] = (text, hash);
        }
    }

    public IReadOnlyList<PromptInfo> All => _prompts.Select(p => new PromptInfo(p.Key, p.Value.Hash)).ToList();

    public PromptInfo Info(string name) => new(name, Get(name).Hash);

    private (string Text, string Hash) Get(string name) =>
        _prompts.TryGetValue(name, out var p) ? p : throw new PromptException($"prompt '{name}' not found in {Folder}", $"restore {name}.md in the prompts folder");

    /// <summary>Fills every placeholder; a placeholder without a value, or a value without a placeholder, is an error.</summary>
    public string Render(string name, IReadOnlyDictionary<string, string> values)
    {
        var text = Get(name).Text;
        var used = Placeholder().Matches(text).Select(m => m.Groups[1].Value).ToHashSet();
        var missing = used.Where(u => !values.ContainsKey(u)).ToList();
        if (missing.Count > 0) throw new PromptException($"prompt '{name}' needs a value for {string.Join(", ", missing.Select(m => "{{" + m + "}}"))}");
        var unused = values.Keys.Where(k => !used.Contains(k)).ToList();
        if (unused.Count > 0) throw new PromptException($"prompt '{name}' has no placeholder {string.Join(", ", unused.Select(m => "{{" + m + "}}"))}", $"edit {name}.md in {Folder}");
        // One pass, so a value containing "{{x}}" (e.g. from a source document) is never expanded.
        return Placeholder().Replace(text, m => values[m.Groups[1].Value]);
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

public sealed class PromptException(string message, string? hint = null) : Exception(message)
{
    public string? Hint { get; } = hint;
}
