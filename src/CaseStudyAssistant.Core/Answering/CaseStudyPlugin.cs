using System.ComponentModel;
using System.Diagnostics;
using CaseStudyAssistant.Chunking;
using CaseStudyAssistant.Indexing;
using CaseStudyAssistant.Retrieval;
using Microsoft.Extensions.AI;
using Microsoft.SemanticKernel;

namespace CaseStudyAssistant.Answering;

/// <summary>
/// Everything the functions retrieved during one research answer: one numbered source per study (numbers in order
/// of first retrieval, kept for the whole answer) holding every passage of it any call returned, and the calls made.
/// Citations are checked against this union.
/// </summary>
internal sealed class ResearchLedger(int maxCalls)
{
    private readonly Dictionary<string, (Citation Citation, List<string> Passages, HashSet<string> Seen)> _studies = new(StringComparer.Ordinal);
    private readonly List<RetrievedChunk> _chunks = [];
    private readonly List<ToolCallRecord> _calls = [];
    private readonly Lock _gate = new();
    private int _started;

    public int MaxCalls => maxCalls;
    public bool Exhausted { get { lock (_gate) return _started >= maxCalls; } }
    public IReadOnlyList<ToolCallRecord> CallRecords { get { lock (_gate) return _calls.ToList(); } }
    public IReadOnlyList<RetrievedChunk> Chunks { get { lock (_gate) return _chunks.ToList(); } }
    public double Evidence { get; private set; }
    public double Similarity { get; private set; }

    public IReadOnlyList<ContextSource> Sources
    {
        get { lock (_gate) return _studies.Values.OrderBy(s => s.Citation.N).Select(s => new ContextSource(s.Citation, string.Join("\n\n", s.Passages))).ToList(); }
    }

    /// <summary>Takes a call slot; false when the budget is spent.</summary>
    public bool TryStartCall()
    {
        lock (_gate)
        {
            if (_started >= maxCalls) return false;
            _started++;
            return true;
        }
    }

    public void Record(ToolCallRecord call)
    {
        lock (_gate) _calls.Add(call);
    }

    public void Saw(RetrievalResult retrieval)
    {
        lock (_gate)
        {
            _chunks.AddRange(retrieval.Chunks);
            Evidence = Math.Max(Evidence, retrieval.Evidence.Best);
            Similarity = Math.Max(Similarity, retrieval.Evidence.Similarity);
        }
    }

    /// <summary>Adds a passage of a study; returns the study's source with the passages added by this call.</summary>
    public Citation Add(StudyRecord study, string chunkId, string heading, string passage)
    {
        lock (_gate)
        {
            if (!_studies.TryGetValue(study.Id, out var entry))
            {
                var citation = new Citation(_studies.Count + 1, study.Id, study.Title, study.Company, study.Year, study.SourceUrl, chunkId, heading);
                entry = (citation, [], new HashSet<string>(StringComparer.Ordinal));
                _studies[study.Id] = entry;
            }
            if (entry.Seen.Add(chunkId)) entry.Passages.Add(passage);
            return entry.Citation;
        }
    }
}

/// <summary>
/// The case studies as Semantic Kernel functions the model calls in research mode: a filtered hybrid search and a
/// whole-study read, both over the same retriever and index as every other answer. Results are numbered sources
/// (see <see cref="ResearchLedger"/>); a search whose evidence is too weak returns the nearest titles only, so weak
/// evidence never reaches the model as citable text. Mistakes in arguments come back to the model as messages.
/// </summary>
internal sealed class CaseStudyPlugin(
    Retriever retriever, IStudyIndex index, ITokenCounter tokens, AnsweringOptions options, SearchFilter scope,
    ResearchLedger ledger, Action<ToolCallRecord>? onCall)
{
    public const string Name = "corpus";
    private const int StudiesPerSearch = 4;

    [KernelFunction("search_case_studies")]
    [Description("Search the engineering case studies. Returns numbered sources (cite them as [n]) with the passages that match, or the nearest studies when none matches well.")]
    public async Task<string> SearchAsync(
        [Description("What to look for, in plain words, e.g. 'demand forecasting for ride pricing'")] string query,
        [Description("Only studies from this company, e.g. 'Uber'")] string? company = null,
        [Description("Only studies in this category, e.g. rec, search, genai, forecast, fraud")] string? category = null,
        [Description("Only studies published in or after this year")] int? yearFrom = null,
        [Description("Only studies published in or before this year")] int? yearTo = null,
        CancellationToken ct = default)
    {
        var arguments = new Dictionary<string, string?> { ["query"] = query, ["company"] = company, ["category"] = category, ["yearFrom"] = yearFrom?.ToString(), ["yearTo"] = yearTo?.ToString() };
        if (!ledger.TryStartCall()) return Refuse("search_case_studies", arguments);
        if (string.IsNullOrWhiteSpace(query)) return Finish("search_case_studies", arguments, "error: query is empty; say what to look for");
        if (yearFrom is not null && yearTo is not null && yearFrom > yearTo) return Finish("search_case_studies", arguments, $"error: yearFrom {yearFrom} is after yearTo {yearTo}");

        using var activity = Telemetry.Source.StartActivity("csa.tool.search_case_studies");
        // The user's own filters bound every search; the model narrows within them.
        var filter = scope with
        {
            Company = scope.Company ?? Blank(company), Category = scope.Category ?? Blank(category),
            YearFrom = Max(scope.YearFrom, yearFrom), YearTo = Min(scope.YearTo, yearTo),
        };
        var retrieval = await retriever.RetrieveAsync(query.Trim(), filter, options.ResearchTop, ct);
        ledger.Saw(retrieval);
        var scopeText = filter.IsEmpty ? "" : $" ({filter})";
        if (retrieval.Chunks.Count == 0)
            return Finish("search_case_studies", arguments, $"No case study matches '{query}'{scopeText}. Try other words or fewer filters.");
        if (!Assistant.Covers(retrieval.Evidence, options))
        {
            var nearest = retrieval.Chunks.Select(c => c.Study).DistinctBy(s => s.Id).Take(3).Select(s => $"- {s.Title} ({s.Company}, id {s.Id})");
            return Finish("search_case_studies", arguments, $"No case study covers '{query}'{scopeText} well enough to cite. Nearest studies:\n{string.Join("\n", nearest)}");
        }

        var found = new List<ContextSource>();
        foreach (var group in retrieval.Chunks.GroupBy(c => c.Study.Id).Take(StudiesPerSearch))
        {
            Citation? citation = null;
            var passages = new List<string>();
            foreach (var c in group.OrderBy(c => c.Chunk.Ordinal))
            {
                var passage = $"{c.Chunk.Heading}:\n{c.Chunk.Text}";
                citation = ledger.Add(c.Study, c.Chunk.Id, c.Chunk.Heading, passage) with { Page = SectionPages.PageOf(c.Study, c.Chunk) };
                passages.Add(passage);
            }
            found.Add(new ContextSource(citation!, string.Join("\n\n", passages)));
        }
        activity?.SetTag("csa.sources", found.Count);
        return Finish("search_case_studies", arguments, CitationValidator.FormatSources(found, studyIds: true),
            $"{found.Count} source{(found.Count == 1 ? "" : "s")}: {string.Join(", ", found.Select(f => $"[{f.Citation.N}] {f.Citation.Company}"))}");
    }

    [KernelFunction("get_study")]
    [Description("Read one case study in full, by the id given in a source's study attribute or in the nearest-studies list.")]
    public async Task<string> GetStudyAsync(
        [Description("The study's id, e.g. 'uber-demand-forecasting'")] string id,
        CancellationToken ct = default)
    {
        var arguments = new Dictionary<string, string?> { ["id"] = id };
        if (!ledger.TryStartCall()) return Refuse("get_study", arguments);
        if (string.IsNullOrWhiteSpace(id) || await index.GetStudyAsync(id.Trim(), ct) is not { } study)
            return Finish("get_study", arguments, $"error: no study with id '{id}'; use the study attribute of a source, or search first");

        using var activity = Telemetry.Source.StartActivity("csa.tool.get_study");
        var budget = options.ResearchStudyTokens;
        Citation? citation = null;
        var parts = new List<string>();
        foreach (var (section, i) in study.Sections.Select((s, i) => (s, i)))
        {
            var passage = $"{section.Heading}:\n{section.Text}";
            var cost = tokens.CountTokens(passage);
            if (cost > budget) break;
            budget -= cost;
            citation = ledger.Add(study, $"{study.Id}@{i}", section.Heading, passage);
            parts.Add(passage);
        }
        if (citation is null) return Finish("get_study", arguments, $"error: study '{id}' has no section short enough to read; search it instead");
        return Finish("get_study", arguments, CitationValidator.FormatSources([new ContextSource(citation, string.Join("\n\n", parts))], studyIds: true),
            $"[{citation.N}] {study.Title}");
    }

    private string Refuse(string function, Dictionary<string, string?> arguments)
    {
        // With Microsoft.Extensions.AI's function invocation this ends the loop; Semantic Kernel's is ended by ToolBudgetFilter.
        if (FunctionInvokingChatClient.CurrentContext is { } context) context.Terminate = true;
        var record = new ToolCallRecord(function, arguments, "refused: the call limit was reached");
        ledger.Record(record);
        onCall?.Invoke(record);
        return $"No more calls: the limit of {ledger.MaxCalls} was reached. Write the answer now from the sources you have.";
    }

    private string Finish(string function, Dictionary<string, string?> arguments, string result, string? outcome = null)
    {
        var record = new ToolCallRecord(function, arguments, outcome ?? result.Split('\n')[0]);
        ledger.Record(record);
        onCall?.Invoke(record);
        if (ledger.Exhausted && FunctionInvokingChatClient.CurrentContext is { } context) context.Terminate = true;
        return result;
    }

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
    private static int? Max(int? a, int? b) => a is null ? b : b is null ? a : Math.Max(a.Value, b.Value);
    private static int? Min(int? a, int? b) => a is null ? b : b is null ? a : Math.Min(a.Value, b.Value);
}

/// <summary>Ends Semantic Kernel's automatic function calling once the research call budget is spent.</summary>
internal sealed class ToolBudgetFilter(ResearchLedger ledger) : IAutoFunctionInvocationFilter
{
    public async Task OnAutoFunctionInvocationAsync(AutoFunctionInvocationContext context, Func<AutoFunctionInvocationContext, Task> next)
    {
        await next(context);
        if (ledger.Exhausted) context.Terminate = true;
    }
}
