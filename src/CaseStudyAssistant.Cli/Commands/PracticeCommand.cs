using CaseStudyAssistant.Configuration;
using System.CommandLine;
using System.Text;
using CaseStudyAssistant.Practice;
using Microsoft.Extensions.DependencyInjection;

namespace CaseStudyAssistant.Cli.Commands;

/// <summary>Practice questions for interviewers and candidates, and an interactive mock interview.</summary>
internal static class PracticeCommand
{
    public static Command Create()
    {
        var topic = new Option<string?>("--topic") { Description = "What the questions should be about, e.g. \"real-time fraud scoring\"" };
        var difficulty = new Option<string>("--difficulty") { Description = "junior, senior or staff", DefaultValueFactory = _ => "senior" };
        difficulty.AcceptOnlyFromAmong("junior", "senior", "staff");
        var count = new Option<int>("--count") { Description = "How many questions (1–20)", DefaultValueFactory = _ => 3 };
        var seed = new Option<int?>("--seed") { Description = "Same seed, same questions (offline); printed when not given" };
        var format = new Option<string>("--format") { Description = "text, markdown (an interviewer's sheet) or json", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "markdown", "json");
        var interactive = new Option<bool>("--interactive") { Description = "Mock interview: answer each question and get feedback" };
        var filters = new CommonOptions.Filters();
        var store = new CommonOptions.Store();
        var llm = new CommonOptions.Llm();
        var command = new Command("practice", "Generate cited system-design practice questions, or run a mock interview") { topic, difficulty, count, seed, format, interactive };
        filters.AddTo(command);
        store.AddTo(command);
        llm.AddTo(command);
        command.SetAction(async (r, ct) =>
        {
            var n = r.GetValue(count);
            CliError.ThrowIf(RequestRules.PracticeCount(n));
            CliError.ThrowIf(RequestRules.Topic(r.GetValue(topic)));
            var chosenSeed = r.GetValue(seed) ?? Random.Shared.Next(1, 100_000);
            var request = new PracticeRequest
            {
                Filter = filters.Read(r), Topic = r.GetValue(topic), Count = n, Seed = chosenSeed,
                Difficulty = Enum.Parse<Difficulty>(r.GetValue(difficulty)!, ignoreCase: true),
            };
            var overrides = store.Overrides(r);
            llm.AddOverrides(r, overrides);
            using var host = CliHost.Build(overrides);
            await IngestRunner.EnsureIndexedAsync(host.Services, ct);
            var set = await host.Services.GetRequiredService<IPracticeGenerator>().GenerateAsync(request, ct);
            if (set.Items.Count == 0) CliError.ThrowIf(RequestRules.NoPracticeMatch(request.Filter, request.Topic));
            if (set.Notice is not null) Terminal.Notice($"note: {set.Notice}");
            if (r.GetValue(seed) is null && r.GetValue(format) != "json") Terminal.Notice($"seed {set.Seed} (pass --seed {set.Seed} to get the same questions again)");

            if (r.GetValue(interactive))
            {
                await InterviewAsync(set, host.Services.GetRequiredService<InterviewCoach>(), Console.In, ct);
                return ExitCodes.Ok;
            }
            switch (r.GetValue(format))
            {
                case "json": Output.WriteJson(PracticeFormatter.ToJson(set)); break;
                case "markdown": Console.Write(PracticeFormatter.ToMarkdown(set)); break;
                default: Console.WriteLine(PracticeFormatter.ToText(set)); break;
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Asks each question, reads a multi-line answer (ended by an empty line or /done), gives feedback, then probes.</summary>
    public static async Task InterviewAsync(PracticeSet set, InterviewCoach coach, TextReader input, CancellationToken ct)
    {
        Console.WriteLine("Mock interview. Answer in as many lines as you like; finish an answer with an empty line or /done.");
        Console.WriteLine("/skip moves to the next question, /quit ends the interview.");
        var total = 0; var covered = 0;
        for (var i = 0; i < set.Items.Count; i++)
        {
            var item = set.Items[i];
            var source = item.Citations.FirstOrDefault();
            Console.WriteLine();
            Console.WriteLine($"Question {i + 1} of {set.Items.Count} ({item.Difficulty.ToString().ToLowerInvariant()}):");
            Console.WriteLine(item.Prompt);
            var (answer, command) = await ReadAnswerAsync(input, ct);
            if (command == "/quit") break;
            if (command == "/skip") continue;
            var transcript = new StringBuilder(answer);
            var seen = new HashSet<string>();
            await ReviewAsync(item.Prompt, answer);

            foreach (var probe in item.FollowUps)
            {
                Console.WriteLine();
                Console.WriteLine($"Follow-up: {probe}");
                (answer, command) = await ReadAnswerAsync(input, ct);
                if (command is "/quit" or "/skip") break;
                transcript.AppendLine().Append(answer);
                await ReviewAsync(probe, transcript.ToString());
            }
            var final = await coach.CoverageAsync(item, transcript.ToString(), ct);
            total += item.StrongAnswerCovers.Count; covered += final.Covered.Count;
            Console.WriteLine();
            Console.WriteLine($"You covered {final.Covered.Count} of {item.StrongAnswerCovers.Count} points of the study's design [1].");
            if (source is not null) Console.WriteLine($"[1] {source.SourceLine[4..]}");
            if (command == "/quit") break;

            async Task ReviewAsync(string question, string text)
            {
                var (coverage, commentary) = await coach.ReviewAsync(item, question, text, ct);
                var newly = coverage.Covered.Where(seen.Add).ToList();
                Console.WriteLine();
                if (newly.Count > 0)
                {
                    Console.WriteLine("Covered:");
                    foreach (var c in newly) Console.WriteLine($"  ✓ {c} [1]");
                }
                if (coverage.Missed.Count > 0)
                {
                    Console.WriteLine("Not yet covered:");
                    foreach (var m in coverage.Missed) Console.WriteLine($"  ✗ {m} [1]");
                }
                if (commentary is not null) Console.WriteLine($"Feedback: {commentary}");
            }
        }
        if (total > 0) Console.WriteLine($"\nInterview over: {covered} of {total} rubric points covered.");
    }

    private static async Task<(string Answer, string? Command)> ReadAnswerAsync(TextReader input, CancellationToken ct)
    {
        var lines = new List<string>();
        Console.Write("> ");
        while (await input.ReadLineAsync(ct) is { } line)
        {
            var trimmed = line.Trim();
            if (trimmed is "/quit" or "/skip") return (string.Join("\n", lines), trimmed);
            if (trimmed is "/done" || (trimmed.Length == 0 && lines.Count > 0)) return (string.Join("\n", lines), null);
            if (trimmed.Length > 0) lines.Add(line);
            Console.Write("> ");
        }
        return (string.Join("\n", lines), lines.Count == 0 ? "/quit" : null);
    }
}
