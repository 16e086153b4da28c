using System.CommandLine;
using CaseStudyAssistant.Cli;
using CaseStudyAssistant.Cli.Commands;
using CaseStudyAssistant.Configuration;

var root = new RootCommand("csa — answers ML/LLM system-design questions from engineering case studies, with citations")
{
    IngestCommand.Create(),
    AskCommand.Create(),
    StudiesCommand.Create(),
    ShowCommand.Create(),
    BenchCommand.Create(),
    EvalCommand.Create(),
    ChatCommand.Create(),
    PracticeCommand.Create(),
    CompareCommand.Create(),
    ServeCommand.Create(),
    LoadTestCommand.Create(),
};

try
{
    var parse = root.Parse(args);
    if (parse.Errors.Count > 0 && !args.Any(a => a is "--help" or "-h" or "-?"))
    {
        // Argument errors are errors like any other: one line, a hint, exit code 2 (the default would be 1).
        var command = string.Join(' ', parse.CommandResult.Command.Name is "csa" or "" ? [] : new[] { parse.CommandResult.Command.Name });
        Terminal.Error(parse.Errors[0].Message, $"csa {(command.Length > 0 ? command + " " : "")}--help");
        return ExitCodes.Error;
    }
    return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception e)
{
    return Report(e);
}

static int Report(Exception e)
{
    if (e is CliError c) { Terminal.Error(c.Message, c.Hint); return c.ExitCode; }
    var error = UserErrors.For(e);
    switch (error.Kind)
    {
        case ErrorKind.Cancelled: Terminal.Error(error.Message, null); return 130;
        case ErrorKind.Internal:
            Terminal.Error(error.Message, "set CSA_DEBUG=1 to see the full exception");
            if (Environment.GetEnvironmentVariable("CSA_DEBUG") is "1" or "true") Console.Error.WriteLine(e);
            return ExitCodes.Error;
        case ErrorKind.BadInput when error.Hint is null: Terminal.Error(error.Message, "csa --help"); return ExitCodes.Error;
        default: Terminal.Error(error.Message, error.Hint); return ExitCodes.Error;
    }
}
