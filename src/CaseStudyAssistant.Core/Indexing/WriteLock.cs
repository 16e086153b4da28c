namespace CaseStudyAssistant.Indexing;

/// <summary>
/// An exclusive lock on a file, held by one ingest at a time from before it reads the index state until its changes
/// are applied, so two ingests never interleave. The operating system releases it when the process dies.
/// </summary>
public static class WriteLock
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(200);

    /// <param name="onWaiting">Called once if the lock is held by someone else and we wait for it.</param>
    public static async Task<IDisposable> AcquireAsync(string lockFile, string location, bool wait, Action? onWaiting, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(lockFile))!);
        var told = false;
        while (true)
        {
            try
            {
                // FileShare.None takes an exclusive advisory lock (flock on Unix) that conflicts even within one process.
                return new FileStream(lockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
            }
            catch (IOException) when (File.Exists(lockFile))
            {
                if (!wait)
                    throw new StoreException($"another ingest is writing to {location}",
                        "wait for it to finish, or leave out --no-wait to queue behind it");
                if (!told) { told = true; onWaiting?.Invoke(); }
                await Task.Delay(Poll, ct);
            }
        }
    }
}
