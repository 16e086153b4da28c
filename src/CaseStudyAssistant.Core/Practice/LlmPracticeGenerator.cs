using System.Text.Json;
using CaseStudyAssistant.Answering;
using CaseStudyAssistant.Indexing;
using Microsoft.Extensions.AI;

namespace CaseStudyAssistant.Practice;

/// <summary>
/// Practice questions written by a chat model from the selected studies. The reply must be JSON of a fixed shape;
/// it is validated (every item based on a study the model was given, 2–4 probes, a rubric), retried once with the
/// problems listed, and otherwise replaced by the offline questions.
/// </summary>
public sealed class LlmPracticeGenerator(IChatClient chat, PromptLibrary prompts, StudySelector selector, OfflinePracticeGenerator offline) : IPracticeGenerator
{
    public const string PromptName = "practice";

    public async Task<PracticeSet> GenerateAsync(PracticeRequest request, CancellationToken ct = default)
    {
        var studies = await selector.SelectAsync(request, ct);
        if (studies.Count == 0) return await offline.GenerateAsync(request, ct);
        var probes = request.Difficulty switch { Difficulty.Junior => "2", Difficulty.Senior => "3", _ => "4" };
        var prompt = await prompts.RenderAsync(PromptName, new Dictionary<string, string>
        {
            ["difficulty"] = request.Difficulty.ToString().ToLowerInvariant(),
            ["probe_count"] = probes,
            ["studies"] = string.Join("\n\n", studies.Select(Describe)),
        });
        var model = chat.GetService<ChatClientMetadata>()?.DefaultModelId;
        var messages = new List<ChatMessage> { new(ChatRole.User, prompt) };
        string? problem = null;
        try
        {
            for (var attempt = 0; attempt < 2; attempt++)
            {
                var response = await chat.GetResponseAsync(messages, new ChatOptions { Temperature = 0.4f, MaxOutputTokens = 2500, Seed = request.Seed }, ct);
                var (items, error) = Parse(response.Text, studies, request.Difficulty);
                if (items is not null)
                    return new PracticeSet(items, request.Seed, "llm", model, [prompts.Info(PromptName)], OfflinePracticeGenerator.ShortfallNotice(studies.Count, request.Count));
                problem = error;
                messages.Add(new ChatMessage(ChatRole.Assistant, response.Text));
                messages.Add(new ChatMessage(ChatRole.User, $"That reply is not valid: {error}. Reply again with JSON only, in the required shape."));
            }
        }
        catch (LlmException e) when (e.Transient) { problem = e.Message; }

        var fallback = await offline.GenerateAsync(request, ct);
        return fallback with { Notice = $"The model's practice questions were unusable ({problem}); these are the offline ones." };
    }

    private static string Describe(StudyRecord s) =>
        $"<study id=\"{s.Id}\" title=\"{s.Title.Replace("\"", "'")}\" company=\"{s.Company}\" year=\"{s.Year}\">\n"
        + string.Join("\n", s.Sections.Select(x => $"{x.Heading}:\n{x.Text}")).Replace("</study>", "‹/study›")
        + "\n</study>";

    /// <summary>The items, or why the reply does not fit the schema.</summary>
    public static (IReadOnlyList<PracticeItem>? Items, string? Error) Parse(string reply, IReadOnlyList<StudyRecord> studies, Difficulty difficulty)
    {
        var text = reply.Trim();
        if (text.StartsWith("```")) text = text.Trim('`').Trim();
        if (text.StartsWith("json", StringComparison.OrdinalIgnoreCase)) text = text[4..].Trim();
        JsonElement root;
        try { root = JsonDocument.Parse(text).RootElement; }
        catch (JsonException e) { return (null, $"not JSON ({e.Message.Split('.')[0]})"); }
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("items", out var array) || array.ValueKind != JsonValueKind.Array)
            return (null, "the reply has no \"items\" list");

        var byId = studies.ToDictionary(s => s.Id);
        var items = new List<PracticeItem>();
        var seen = new HashSet<string>();
        var index = 0;
        foreach (var item in array.EnumerateArray())
        {
            index++;
            if (item.ValueKind != JsonValueKind.Object) return (null, $"item {index} is not an object");
            string? Str(string name) => item.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            List<string>? List(string name) => item.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array && v.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String)
                ? v.EnumerateArray().Select(e => e.GetString()!.Trim()).Where(e => e.Length > 0).ToList() : null;
            var id = Str("studyId");
            if (id is null || !byId.TryGetValue(id, out var study)) return (null, $"item {index} names study '{id}', which was not given");
            if (!seen.Add(id)) return (null, $"study '{id}' is used twice");
            var prompt = Str("prompt")?.Trim();
            if (prompt is null || prompt.Length < 40) return (null, $"item {index} has no usable \"prompt\"");
            var followUps = List("followUps");
            if (followUps is null || followUps.Count is < 2 or > 4) return (null, $"item {index} needs 2 to 4 \"followUps\"");
            var covers = List("strongAnswerCovers");
            if (covers is null || covers.Count < 2) return (null, $"item {index} needs at least 2 \"strongAnswerCovers\"");
            items.Add(new PracticeItem(prompt, followUps, covers, difficulty,
                [PracticeCitation.For(study)]));
        }
        return items.Count == 0 ? (null, "the \"items\" list is empty") : (items, null);
    }
}
