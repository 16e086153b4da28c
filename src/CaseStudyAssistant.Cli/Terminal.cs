using Spectre.Console;

namespace CaseStudyAssistant.Cli;

/// <summary>Where output goes: results to stdout, progress and notices to stderr (so --json stays clean).</summary>
internal static class Terminal
{
    public static readonly IAnsiConsole Err = AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(Console.Error),
        Ansi = Console.IsErrorRedirected ? AnsiSupport.No : AnsiSupport.Detect,
        Interactive = Console.IsErrorRedirected ? InteractionSupport.No : InteractionSupport.Detect,
    });

    /// <summary>Progress bars only for a person at a terminal; CI and pipes get plain lines.</summary>
    public static bool ShowProgressBars =>
        !Console.IsErrorRedirected && Environment.GetEnvironmentVariable("CI") is null or "" or "false";

    public static void Notice(string message) => Console.Error.WriteLine(message);

    public static void Error(string message, string? hint)
    {
        Console.Error.WriteLine($"error: {message}");
        if (hint is not null) Console.Error.WriteLine($"hint: {hint}");
    }
}
