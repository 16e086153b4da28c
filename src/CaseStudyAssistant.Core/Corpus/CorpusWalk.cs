using System.Runtime.InteropServices;

namespace CaseStudyAssistant.Corpus;

/// <summary>A link the corpus walk did not follow, and why.</summary>
public sealed record SkippedLink(string Path, string Reason)
{
    public override string ToString() => $"{Path}: {Reason}";
}

/// <summary>
/// Lists the files under a corpus folder in a stable order. Folder and file links are followed, but never to a
/// folder or file already read on this walk, so a link loop (<c>up -> ..</c>) ends at once and is reported.
/// </summary>
internal sealed class CorpusWalk
{
    private readonly HashSet<string> _seenFolders = new(StringComparer.Ordinal);
    private readonly HashSet<string> _seenFiles = new(StringComparer.Ordinal);
    private readonly List<SkippedLink> _skipped = [];

    public IReadOnlyList<SkippedLink> Skipped => _skipped;

    /// <summary>Files under <paramref name="folder"/> (hidden entries left out), each once, links after real entries.</summary>
    public IEnumerable<string> Files(string folder)
    {
        var real = RealPath(folder);
        if (real is null || !_seenFolders.Add(real))
        {
            _skipped.Add(new(folder, "this folder was already read"));
            yield break;
        }
        foreach (var file in Walk(folder)) yield return file;
    }

    private IEnumerable<string> Walk(string folder)
    {
        FileSystemInfo[] entries;
        try { entries = new DirectoryInfo(folder).GetFileSystemInfos(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { yield break; }

        var visible = entries
            .Where(e => !e.Name.StartsWith('.') && (e.Attributes & (FileAttributes.Hidden | FileAttributes.System)) == 0)
            .OrderBy(e => e.LinkTarget is not null) // real entries first, so a link never claims a folder before its real path
            .ThenBy(e => e.Name, StringComparer.Ordinal)
            .ToList();
        var subfolders = new List<string>();
        foreach (var entry in visible)
        {
            var isLink = entry.LinkTarget is not null;
            var real = isLink ? RealPath(entry.FullName) : null;
            if (isLink && real is null) { _skipped.Add(new(entry.FullName, $"broken link (to {entry.LinkTarget})")); continue; }
            if (Directory.Exists(entry.FullName))
            {
                real ??= RealPath(entry.FullName);
                if (real is null) continue;
                if (!_seenFolders.Add(real)) { _skipped.Add(new(entry.FullName, $"link to a folder already read ({real})")); continue; }
                subfolders.Add(entry.FullName);
            }
            else if (File.Exists(entry.FullName))
            {
                real ??= RealPath(entry.FullName);
                if (real is null) continue;
                if (!_seenFiles.Add(real)) { _skipped.Add(new(entry.FullName, $"link to a file already read ({real})")); continue; }
                yield return entry.FullName;
            }
        }
        // Files of a folder come before its subfolders' files, each group in name order.
        foreach (var sub in subfolders)
            foreach (var file in Walk(sub)) yield return file;
    }

    /// <summary>The path with every link resolved, or null if it does not resolve.</summary>
    internal static string? RealPath(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            try
            {
                var info = Directory.Exists(path) ? (FileSystemInfo)new DirectoryInfo(path) : new FileInfo(path);
                var target = info.LinkTarget is null ? info : info.ResolveLinkTarget(returnFinalTarget: true);
                return target is { Exists: true } ? Path.GetFullPath(target.FullName) : null;
            }
            catch (IOException) { return null; }
        }
        var resolved = realpath(path, IntPtr.Zero);
        if (resolved == IntPtr.Zero) return null;
        try { return Marshal.PtrToStringUTF8(resolved); }
        finally { free(resolved); }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern IntPtr realpath([MarshalAs(UnmanagedType.LPUTF8Str)] string path, IntPtr resolved);

    [DllImport("libc")]
    private static extern void free(IntPtr pointer);
}
