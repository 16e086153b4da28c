using System.CommandLine;
using CaseStudyAssistant.Answering;
using CaseStudyAssistant.Cli;
using CaseStudyAssistant.Cli.Commands;
using CaseStudyAssistant.Corpus;
using CaseStudyAssistant.Indexing;
using Microsoft.Data.Sqlite;

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
    switch (e)
    {
        case CliError c: Terminal.Error(c.Message, c.Hint); return c.ExitCode;
        case StoreException s: Terminal.Error(s.Message, s.Hint); return ExitCodes.Error;
        case LlmException l: Terminal.Error(l.Message, l.Hint); return ExitCodes.Error;
        case PromptException p: Terminal.Error(p.Message, p.Hint); return ExitCodes.Error;
        case IndexMismatchException m: Terminal.Error(m.Message, "csa ingest --rebuild"); return ExitCodes.Error;
        case CorpusFormatException f: Terminal.Error(f.Message, null); return ExitCodes.Error;
        case DirectoryNotFoundException d: Terminal.Error(d.Message, "check the folder path"); return ExitCodes.Error;
        case SqliteException s: Terminal.Error($"the index file cannot be used: {s.Message}", "check --index, or rebuild it with 'csa ingest --rebuild'"); return ExitCodes.Error;
        case ArgumentException a: Terminal.Error(a.Message, "csa --help"); return ExitCodes.Error;
        case OperationCanceledException: Terminal.Error("cancelled", null); return 130;
        default:
            Terminal.Error(e.Message, "set CSA_DEBUG=1 to see the full exception");
            if (Environment.GetEnvironmentVariable("CSA_DEBUG") is "1" or "true") Console.Error.WriteLine(e);
            return ExitCodes.Error;
    }
}
