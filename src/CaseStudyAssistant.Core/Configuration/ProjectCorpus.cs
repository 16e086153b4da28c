namespace CaseStudyAssistant.Configuration;

/// <summary>Finds the project's own <c>corpus/</c> folder: the configured path, else beside the solution file.</summary>
public static class ProjectCorpus
{
    public static string? Locate(string? configured)
    {
        if (!string.IsNullOrWhiteSpace(configured)) return Path.GetFullPath(configured);
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "corpus");
                if (Directory.Exists(candidate) && File.Exists(Path.Combine(dir.FullName, "CaseStudyAssistant.sln")))
                    return candidate;
            }
        }
        return null;
    }
}
