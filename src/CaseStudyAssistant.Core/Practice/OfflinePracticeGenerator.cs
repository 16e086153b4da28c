using System.Text.RegularExpressions;
using CaseStudyAssistant.Answering;
using CaseStudyAssistant.Chunking;
using CaseStudyAssistant.Indexing;

namespace CaseStudyAssistant.Practice;

/// <summary>
/// Practice questions from a study's structure, no model needed: the Problem section sets the scene (scale,
/// constraints, goals — never the solution), Key decisions and Results give the probes and the rubric, and the
/// phrasing varies with the seed.
/// </summary>
public sealed partial class OfflinePracticeGenerator(StudySelector selector) : IPracticeGenerator
{
    public const string Name = "offline";

    [GeneratedRegex(@"\b(instead of|rather than|over|versus|vs\.?|compared with|compared to|alternative|considered|weighed|chose)\b", RegexOptions.IgnoreCase)]
    private static partial Regex AlternativeCue();

    [GeneratedRegex(@"\d")]
    private static partial Regex Digit();

    private static readonly string[] Openers =
    [
        "You are the ML tech lead at {company}. {problem} How would you design the system?",
        "Design exercise ({industry}): {problem} Walk through your design end to end.",
        "{company} needs to solve this: {problem} Propose an architecture, the models you would train and how you would evaluate them.",
        "Here is a real situation at {company}. {problem} What would you build, and in what order?",
        "Imagine you join {company}'s ML platform team. {problem} Sketch the system you would propose.",
    ];

    // Distributed-systems studies (category "systems") are asked as system-design questions, not ML ones.
    private static readonly string[] SystemsOpeners =
    [
        "You are the tech lead at {company}. {problem} How would you design the system?",
        "System design ({industry}): {problem} Walk through your design end to end.",
        "Here is a real situation at {company}. {problem} What would you build, and in what order?",
    ];

    private static readonly Dictionary<Difficulty, string> SystemsScope = new()
    {
        [Difficulty.Junior] = "Focus on the data model and the main components.",
        [Difficulty.Senior] = "Cover the data model, partitioning and replication, the read and write paths, and how the design behaves when parts fail.",
        [Difficulty.Staff] = "Cover the architecture, its consistency and availability trade-offs, the migration or rollout plan, and how it grows another order of magnitude.",
    };

    private static bool IsSystems(StudyRecord study) => string.Equals(study.Category, "systems", StringComparison.OrdinalIgnoreCase);

    private static readonly Dictionary<Difficulty, string> Scope = new()
    {
        [Difficulty.Junior] = "Focus on the data you would use and the model you would start with.",
        [Difficulty.Senior] = "Cover data, modelling, serving and how you would evaluate it offline and online.",
        [Difficulty.Staff] = "Cover the architecture, the main trade-offs, the rollout plan, and how the design holds up as the business grows.",
    };

    public async Task<PracticeSet> GenerateAsync(PracticeRequest request, CancellationToken ct = default)
    {
        var studies = await selector.SelectAsync(request, ct);
        var random = new Random(request.Seed);
        var items = studies.Select(s => Build(s, request.Difficulty, random)).ToList();
        return new PracticeSet(items, request.Seed, Name, null, [], ShortfallNotice(studies.Count, request.Count));
    }

    public static string? ShortfallNotice(int found, int asked) =>
        found < asked ? $"only {found} stud{(found == 1 ? "y matches" : "ies match")} the filters; asked for {asked}" : null;

    public static PracticeItem Build(StudyRecord study, Difficulty difficulty, Random random)
    {
        var problem = string.Join(" ", StudySections.Lines(study, StudySections.IsProblem).SelectMany(SentenceSplitter.Split).Take(4));
        var systems = IsSystems(study);
        var openers = systems ? SystemsOpeners : Openers;
        var opener = openers[random.Next(openers.Length)];
        var prompt = opener.Replace("{company}", study.Company).Replace("{industry}", study.Industry ?? study.Category ?? "ML systems")
            .Replace("{problem}", EnsureStop(problem)) + " " + (systems ? SystemsScope : Scope)[difficulty];

        var decisions = StudySections.Lines(study, StudySections.IsDecisions).Select(Clean).ToList();
        var results = StudySections.Lines(study, StudySections.IsResults).Select(Clean).ToList();
        var alternatives = StudySections.Lines(study, h => StudySections.IsDecisions(h) || StudySections.IsApproach(h))
            .SelectMany(SentenceSplitter.Split).Select(Clean).Where(l => AlternativeCue().IsMatch(l)).Distinct().ToList();

        var covers = new List<string>();
        covers.AddRange(decisions.Take(4).Select(d => $"Key decision: {d}"));
        covers.AddRange(alternatives.Where(a => !decisions.Contains(a)).Take(2).Select(a => $"Alternative weighed: {a}"));
        covers.AddRange(results.Where(r => Digit().IsMatch(r)).Take(2).Select(r => $"Result to compare against: {r}"));

        return new PracticeItem(prompt, Probes(study, decisions, results, difficulty, random), covers, difficulty,
            [PracticeCitation.For(study)]);
    }

    /// <summary>2 probes for junior, 3 for senior, 4 for staff: trade-offs, metrics, failure modes, then scaling.</summary>
    private static List<string> Probes(StudyRecord study, List<string> decisions, List<string> results, Difficulty difficulty, Random random)
    {
        var text = string.Join(" ", study.Sections.Select(s => s.Text)).ToLowerInvariant();
        var probes = new List<string>();
        if (decisions.Count > 0)
        {
            var decision = decisions[random.Next(Math.Min(decisions.Count, 3))];
            probes.Add(difficulty == Difficulty.Junior
                ? $"The team's design included this choice: \"{Shorten(decision)}\". Why might they have made it?"
                : $"One choice the team made: \"{Shorten(decision)}\". What does it buy, what does it cost, and when would you decide differently?");
        }
        var systems = IsSystems(study);
        probes.Add(systems
            ? "Which service-level objectives would you set — latency, availability, durability — and how would you load-test and measure them?"
            : MetricsProbe(text, difficulty));
        if (difficulty != Difficulty.Junior)
            probes.Add(systems
                ? "A node, a zone or the network between them fails mid-write. What does a user see, and how does your design recover without losing or duplicating data?"
                : FailureProbe(text));
        if (difficulty == Difficulty.Staff)
            probes.Add(text.Contains("cost") || text.Contains("gpu")
                ? "Traffic grows tenfold and the budget does not. What breaks first, and how would you re-architect for cost?"
                : "Traffic and data grow tenfold, and three more teams want to reuse the system. What breaks first, and how would you evolve the design and its ownership?");
        return probes;
    }

    private static string MetricsProbe(string text, Difficulty difficulty)
    {
        if (text.Contains("latency") || text.Contains(" ms"))
            return "What latency budget would you set, where would the time go across the request path, and how would you measure it?";
        if (text.Contains("precision") || text.Contains("recall") || text.Contains("false positive"))
            return "How would you choose the operating point between precision and recall, and which offline and online metrics would tell you it is right?";
        if (text.Contains("a/b") || text.Contains("experiment") || text.Contains("online"))
            return "Which offline metrics would you use to choose between models, and how would you confirm the gain in an online experiment?";
        return difficulty == Difficulty.Junior
            ? "How would you know the system works? Name one offline and one online metric."
            : "Which metrics would show the design works — offline, online and for the business — and how would you guard against them disagreeing?";
    }

    private static string FailureProbe(string text)
    {
        if (text.Contains("drift") || text.Contains("retrain"))
            return "The data shifts under the model. How would you detect drift, and what triggers retraining or rollback?";
        if (text.Contains("cold start") || text.Contains("cold-start") || text.Contains("new user") || text.Contains("new item"))
            return "How does your design treat cold start — new users, new items or new markets — and what fails if you ignore it?";
        if (text.Contains("llm") || text.Contains("language model") || text.Contains("hallucinat"))
            return "The model is confidently wrong on some inputs. How would you detect that, contain the damage and keep a human in the loop where it matters?";
        if (text.Contains("real-time") || text.Contains("real time") || text.Contains("streaming"))
            return "A streaming input lags or drops events. What does the user see, and how does your design degrade gracefully?";
        return "What fails first in production — data, model or infrastructure — and how would you detect and recover from it?";
    }

    private static string Clean(string line) => line.TrimStart('-', '*', '•', ' ').Trim();

    private static string Shorten(string s) => s.Length <= 200 ? s.TrimEnd('.') : s[..200].TrimEnd() + "…";

    private static string EnsureStop(string s) => s.Length == 0 || ".!?".Contains(s[^1]) ? s : s + ".";
}
