namespace CaseStudyAssistant.Cli;

/// <summary>A failure to show the user as one line and a hint, with a non-zero exit code.</summary>
internal sealed class CliError(string message, string? hint = null, int exitCode = 2) : Exception(message)
{
    public string? Hint { get; } = hint;
    public int ExitCode { get; } = exitCode;

    /// <summary>A broken request rule ends the command (exit 2) with the rule's own words.</summary>
    public static void ThrowIf(Configuration.RuleViolation? violation)
    {
        if (violation is not null) throw new CliError(violation.Message, violation.Hint);
    }
}

internal static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>The command ran, but some input was rejected (ingest) or a gate was breached (eval).</summary>
    public const int Partial = 1;
    public const int Error = 2;
}
