using System.Text;

namespace CaseStudyAssistant.Practice;

/// <summary>A practice set as an interviewer's sheet (Markdown), plain text, or the JSON shape of the API.</summary>
public static class PracticeFormatter
{
    public static object ToJson(PracticeSet set) => new
    {
        items = set.Items.Select(i => new
        {
            prompt = i.Prompt,
            followUps = i.FollowUps,
            strongAnswerCovers = i.StrongAnswerCovers,
            difficulty = i.Difficulty.ToString().ToLowerInvariant(),
            citations = i.Citations.Select(c => new { docId = c.DocId, title = c.Title, company = c.Company, year = c.Year, url = c.Url }),
        }),
        seed = set.Seed,
        generator = set.Generator,
        model = set.Model,
        prompts = set.Prompts.Select(p => new { name = p.Name, hash = p.Hash }),
        notice = set.Notice,
    };

    public static string ToMarkdown(PracticeSet set)
    {
        var sb = new StringBuilder();
        sb.AppendLine("# System-design interview sheet");
        sb.AppendLine();
        sb.AppendLine($"{set.Items.Count} question{(set.Items.Count == 1 ? "" : "s")} · seed {set.Seed} · {(set.Model is null ? "offline generator" : $"written by {set.Model}")}");
        var n = 0;
        foreach (var item in set.Items)
        {
            n++;
            var c = item.Citations.FirstOrDefault();
            sb.AppendLine();
            sb.AppendLine($"## {n}. {(c is null ? "Question" : $"{c.Company}: {c.Title}")} ({item.Difficulty.ToString().ToLowerInvariant()})");
            sb.AppendLine();
            sb.AppendLine($"**Prompt.** {item.Prompt}");
            sb.AppendLine();
            sb.AppendLine("**Follow-up probes**");
            sb.AppendLine();
            foreach (var f in item.FollowUps) sb.AppendLine($"1. {f}");
            sb.AppendLine();
            sb.AppendLine("**A strong answer covers**");
            sb.AppendLine();
            foreach (var point in item.StrongAnswerCovers) sb.AppendLine($"- [ ] {point}");
            sb.AppendLine();
            sb.AppendLine("**Source**");
            sb.AppendLine();
            foreach (var s in item.Citations) sb.AppendLine($"- {s.Title} — {s.Company}{(s.Year is { } y ? $", {y}" : "")}{(s.Url is null ? "" : $" — <{s.Url}>")}");
        }
        return sb.ToString();
    }

    public static string ToText(PracticeSet set)
    {
        var sb = new StringBuilder();
        var n = 0;
        foreach (var item in set.Items)
        {
            if (n++ > 0) sb.AppendLine().AppendLine(new string('─', 60)).AppendLine();
            sb.AppendLine($"Question {n} ({item.Difficulty.ToString().ToLowerInvariant()})");
            sb.AppendLine(item.Prompt);
            sb.AppendLine();
            sb.AppendLine("Follow-ups:");
            for (var i = 0; i < item.FollowUps.Count; i++) sb.AppendLine($"  {i + 1}. {item.FollowUps[i]}");
            sb.AppendLine();
            sb.AppendLine("A strong answer covers:");
            foreach (var point in item.StrongAnswerCovers) sb.AppendLine($"  - {point}");
            sb.AppendLine();
            sb.AppendLine("Source:");
            foreach (var c in item.Citations) sb.AppendLine($"  {c.SourceLine}");
        }
        return sb.ToString().TrimEnd();
    }
}
