using CaseStudyAssistant.Indexing;
using System.CommandLine;
using System.Text;
using CaseStudyAssistant.Answering;
using CaseStudyAssistant.Chat;
using CaseStudyAssistant.Retrieval;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace CaseStudyAssistant.Cli.Commands;

/// <summary>An interactive session: follow-ups, filters, sources, follow-up suggestions, resumable history.</summary>
internal static class ChatCommand
{
    private const string Help = """
        Ask a question, or a follow-up to the last answer. Commands:
          /company NAME   /industry NAME   /category NAME   /tag NAME   /year FROM-TO   set a filter
          /clear          remove all filters          /filters   show the filters
          /sources        the sources of the last answer
          /reset          start the session over (forgets its history)
          1, 2, 3         ask the numbered follow-up suggestion
          /help           this text                   /exit      leave (the session is kept)
        """;

    public static Command Create()
    {
        var session = new Option<string>("--session") { Description = "Session name; an existing session is resumed", DefaultValueFactory = _ => "default" };
        var store = new CommonOptions.Store();
        var llm = new CommonOptions.Llm();
        var answering = new CommonOptions.Answering();
        var command = new Command("chat", "Chat about the case studies: follow-up questions, filters, resumable sessions") { session };
        store.AddTo(command);
        llm.AddTo(command);
        answering.AddTo(command);
        command.SetAction(async (r, ct) =>
        {
            var ask = answering.Read(r);
            var overrides = store.Overrides(r);
            llm.AddOverrides(r, overrides);
            using var host = CliHost.Build(overrides);
            var s = host.Services;
            if (ask.Mode == AskModes.Research && !s.GetRequiredService<Assistant>().CanResearch) throw new CliError(Assistant.ResearchNeedsModel, Assistant.ResearchHint);
            await IngestRunner.EnsureIndexedAsync(s, ct);
            var name = r.GetValue(session)!.Trim();
            var conversation = new Conversation(s.GetRequiredService<Assistant>(), s.GetRequiredService<IQuestionRewriter>(),
                s.GetRequiredService<IFollowUpSuggester>(), s.GetRequiredService<ChatHistoryStore>(), name) { Options = ask };
            await RunAsync(conversation, Console.In, ct);
            return ExitCodes.Ok;
        });
        return command;
    }

    public static async Task RunAsync(Conversation conversation, TextReader input, CancellationToken ct)
    {
        var turns = conversation.History.Count(m => m.Role == ChatRole.User);
        Console.WriteLine(turns > 0
            ? $"Resumed session '{conversation.Session}' ({turns} question{(turns == 1 ? "" : "s")} so far). /help for commands."
            : $"Session '{conversation.Session}'. Ask about ML and LLM system design; /help for commands.");
        IReadOnlyList<string> suggestions = [];
        while (!ct.IsCancellationRequested)
        {
            Console.Write("\nyou> ");
            var line = await input.ReadLineAsync(ct);
            if (line is null) { Console.WriteLine(); break; }
            line = line.Trim();
            if (line.Length == 0) continue;
            if (line.Length == 1 && line[0] is >= '1' and <= '3' && suggestions.Count >= line[0] - '0')
            {
                line = suggestions[line[0] - '1'];
                Console.WriteLine($"→ {line}");
            }
            else if (line.StartsWith('/'))
            {
                if (!HandleCommand(conversation, line)) break;
                continue;
            }

            Console.WriteLine();
            var streamed = new StringBuilder();
            var stream = Output.TerminalStream(streamed);
            try
            {
                var answer = await conversation.AskAsync(line, stream, ct);
                Output.FinishAnswer(answer, streamed.ToString(), explain: false);
                suggestions = answer.FollowUps;
                if (suggestions.Count > 0)
                {
                    Console.WriteLine();
                    Console.WriteLine("Follow-ups:");
                    for (var i = 0; i < suggestions.Count; i++) Console.WriteLine($"  {i + 1}. {suggestions[i]}");
                }
            }
            catch (LlmException e) when (!e.Transient)
            {
                Terminal.Error(e.Message, e.Hint);
            }
        }
    }

    /// <summary>False when the session should end.</summary>
    private static bool HandleCommand(Conversation c, string line)
    {
        var space = line.IndexOf(' ');
        var verb = (space < 0 ? line : line[..space]).ToLowerInvariant();
        var arg = space < 0 ? "" : line[(space + 1)..].Trim();
        string? Need(string what)
        {
            if (arg.Length > 0) return arg;
            Console.WriteLine($"usage: {verb} {what}");
            return null;
        }
        switch (verb)
        {
            case "/exit" or "/quit": return false;
            case "/help": Console.WriteLine(Help); break;
            case "/company": if (Need("NAME") is { } co) c.Filter = c.Filter with { Company = co }; ShowFilters(c); break;
            case "/industry": if (Need("NAME") is { } ind) c.Filter = c.Filter with { Industry = ind }; ShowFilters(c); break;
            case "/category": if (Need("NAME") is { } cat) c.Filter = c.Filter with { Category = cat }; ShowFilters(c); break;
            case "/tag": if (Need("NAME") is { } tag) c.Filter = c.Filter with { Tag = tag }; ShowFilters(c); break;
            case "/year":
                var parts = arg.Split('-', StringSplitOptions.TrimEntries);
                if (parts.Length is 1 or 2 && int.TryParse(parts[0], out var from) && (parts.Length == 1 || int.TryParse(parts[1], out _)))
                {
                    var to = parts.Length == 2 ? int.Parse(parts[1]) : from;
                    c.Filter = c.Filter with { YearFrom = Math.Min(from, to), YearTo = Math.Max(from, to) };
                    ShowFilters(c);
                }
                else Console.WriteLine("usage: /year 2020-2024 (or /year 2023)");
                break;
            case "/clear": c.Filter = SearchFilter.None; Console.WriteLine("Filters cleared."); break;
            case "/filters": ShowFilters(c); break;
            case "/sources":
                if (c.Last is not { } last) Console.WriteLine("No answer yet.");
                else if (last.Citations.Count == 0) Console.WriteLine(last.Refused ? "The last answer was a refusal; nearest studies:\n" + string.Join("\n", last.Nearest.Select(n => $"- {n.Title} — {n.Company} ({n.DocId})")) : "The last answer cited no sources.");
                else foreach (var s in last.Citations) Console.WriteLine($"{s.SourceLine}\n    {s.DocId} · {s.Heading}");
                break;
            case "/reset": c.Reset(); Console.WriteLine($"Session '{c.Session}' started over."); break;
            default: Console.WriteLine($"unknown command {verb}; /help lists them"); break;
        }
        return true;
    }

    private static void ShowFilters(Conversation c) =>
        Console.WriteLine(c.Filter.IsEmpty ? "No filters." : $"Filters: {c.Filter}");
}
