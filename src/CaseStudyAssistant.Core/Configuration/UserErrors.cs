using System.Text.RegularExpressions;
using CaseStudyAssistant.Answering;
using CaseStudyAssistant.Comparing;
using CaseStudyAssistant.Corpus;
using CaseStudyAssistant.Evaluation;
using CaseStudyAssistant.Indexing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace CaseStudyAssistant.Configuration;

/// <summary>What kind of failure a user is looking at; each host turns it into an exit code or an HTTP status.</summary>
public enum ErrorKind
{
    /// <summary>The request or its input is wrong (400, exit 2).</summary>
    BadInput,
    /// <summary>Something named does not exist (404, exit 2).</summary>
    NotFound,
    /// <summary>A setting is wrong; nothing can run until it is fixed (500, exit 2).</summary>
    Configuration,
    /// <summary>The language model failed or cannot be reached (502, exit 2).</summary>
    Model,
    /// <summary>The store cannot be used right now, or the index needs a rebuild (503, exit 2).</summary>
    Store,
    Cancelled,
    /// <summary>A defect: the message is for the log, not for a client.</summary>
    Internal,
}

/// <summary>A failure as a user reads it: one line and, where there is one, what to do about it.</summary>
public sealed record UserError(ErrorKind Kind, string Message, string? Hint);

/// <summary>A setting or the environment is wrong in a way the message explains.</summary>
public sealed class ConfigurationException(string message, string? hint = null) : Exception(message)
{
    public string? Hint { get; } = hint;
}

/// <summary>The one mapping from exceptions to what users are told, shared by the CLI, the HTTP API and its event stream.</summary>
public static partial class UserErrors
{
    public static UserError For(Exception error) => error switch
    {
        ConfigurationException c => new(ErrorKind.Configuration, c.Message, c.Hint),
        OptionsValidationException o => FromValidation(o),
        InvalidOperationException i when ConversionFailure().Match(i.Message) is { Success: true } m => FromConversion(m),
        LlmException l => new(ErrorKind.Model, l.Message, l.Hint),
        PromptException p => new(ErrorKind.Configuration, p.Message, p.Hint),
        StoreException s => new(ErrorKind.Store, s.Message, s.Hint),
        IndexMismatchException m => new(ErrorKind.Store, m.Message, "re-ingest with csa ingest --rebuild"),
        SqliteException s => new(ErrorKind.Store, $"the index file cannot be used: {s.Message}", "check --index (Index:Path), or rebuild it with csa ingest --rebuild"),
        CompareException c => new(ErrorKind.BadInput, c.Message, c.Hint),
        CorpusFormatException f => new(ErrorKind.BadInput, f.Message, null),
        EvalFormatException f => new(ErrorKind.BadInput, f.Message, "each line: {\"id\",\"question\",\"relevant\":[ids],\"type\",\"answer_facts\":[...]}"),
        DirectoryNotFoundException d => new(ErrorKind.NotFound, d.Message, "check the folder path"),
        FileNotFoundException f => new(ErrorKind.NotFound, f.Message, "check the file path"),
        ArgumentException a => new(ErrorKind.BadInput, a.Message, null),
        OperationCanceledException => new(ErrorKind.Cancelled, "cancelled", null),
        _ => new(ErrorKind.Internal, error.Message, null),
    };

    /// <summary>The hint for a broken setting: where it can be set.</summary>
    public static string WhereToSet(string key) =>
        $"fix {key} in appsettings.json, or set CSA_{key.Replace(":", "__").ToUpperInvariant()} in the environment";

    private static UserError FromValidation(OptionsValidationException o)
    {
        var first = o.Failures.FirstOrDefault() ?? o.Message;
        var more = o.Failures.Count() - 1;
        var key = SettingKey().Match(first);
        return new(ErrorKind.Configuration, more > 0 ? $"{first} (and {more} more)" : first, key.Success ? WhereToSet(key.Value) : null);
    }

    private static UserError FromConversion(Match m)
    {
        var type = m.Groups["type"].Value;
        var kind = type switch
        {
            "System.Int32" or "System.Int64" => "a whole number",
            "System.Double" or "System.Single" or "System.Decimal" => "a number",
            "System.Boolean" => "true or false",
            _ => $"a value of type {type.Replace("System.", "")}",
        };
        var key = m.Groups["key"].Value;
        return new(ErrorKind.Configuration, $"{key} is '{m.Groups["value"].Value}', but it must be {kind}", WhereToSet(key));
    }

    [GeneratedRegex(@"Failed to convert configuration value '(?<value>[^']*)' at '(?<key>[^']+)' to type '(?<type>[^']+)'")]
    private static partial Regex ConversionFailure();

    [GeneratedRegex(@"^[A-Za-z]+(:[A-Za-z]+)+")]
    private static partial Regex SettingKey();
}
