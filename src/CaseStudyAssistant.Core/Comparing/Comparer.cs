using CaseStudyAssistant.Answering;
using CaseStudyAssistant.Embedding;
using CaseStudyAssistant.Indexing;
using CaseStudyAssistant.Retrieval;
using Microsoft.Extensions.AI;

namespace CaseStudyAssistant.Comparing;

/// <summary>
/// Design-review mode: picks the studies most relevant to a topic (one per company unless a company filter is set),
/// or exactly the given ones, and builds a matrix of cited cells — problem, approach, key decisions, stack, results —
/// with the patterns the studies share and the decisions on which they differ. Refuses, naming the nearest
/// studies, when the corpus does not cover the topic.
/// </summary>
public sealed class Comparer(IStudyIndex index, Retriever retriever, Embedder embedder, AnsweringOptions options, PromptLibrary prompts, IChatClient? chat = null)
{
    /// <summary>Chunks retrieved to find candidate studies.</summary>
    private const int CandidateChunks = 60;
    /// <summary>How far below the best study's similarity to the topic a further study may be and still count as close in meaning.</summary>
    private const double SimilarityMargin = 0.12;

    private readonly CellExtractor _extractor = new(options.MeaningWeight);
    private readonly DecisionAnalysis _analysis = new(embedder);
    private readonly LlmCompareWriter? _writer = chat is null ? null : new LlmCompareWriter(chat, prompts, options);

    public async Task<Comparison> CompareAsync(CompareRequest request, CancellationToken ct = default)
    {
        var topic = request.Topic?.Trim() ?? "";
        if (topic.Length == 0) throw new CompareException("the topic is empty", "csa compare \"candidate generation for recommendations\"");
        var ids = request.StudyIds.Select(i => i.Trim()).Where(i => i.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        if (ids.Count > CompareRequest.MaxStudies) throw new CompareException($"at most {CompareRequest.MaxStudies} studies can be compared, got {ids.Count}");
        if (ids.Count == 0 && request.Max is < 1 or > CompareRequest.MaxStudies) throw new CompareException($"max must be between 1 and {CompareRequest.MaxStudies}, got {request.Max}");
        if (ids.Count > 0 && !request.Filter.IsEmpty)
            throw new CompareException("studies are either listed or picked by filters, not both", "drop the filters, or drop the list of studies");

        RetrievalResult retrieval;
        using (Telemetry.Source.StartActivity("csa.retrieve"))
            retrieval = await retriever.RetrieveAsync(topic, ids.Count > 0 ? SearchFilter.None : request.Filter, CandidateChunks, ct);

        var notices = new List<string>();
        List<StudyRecord> studies;
        if (ids.Count > 0)
        {
            studies = [];
            foreach (var id in ids)
                studies.Add(await index.GetStudyAsync(id, ct) ?? throw new CompareException($"no study with id '{id}'", "list the study ids with 'csa studies'"));
        }
        else
        {
            if (!Assistant.Covers(retrieval.Evidence, options) || retrieval.Chunks.Count == 0)
            {
                var nearest = Refusals.For(retrieval).Nearest;
                return new Comparison
                {
                    Topic = topic, Refused = true, Nearest = nearest,
                    Notices = [nearest.Count == 0
                        ? "The case studies in the index do not cover this topic, and none came close."
                        : "The case studies in the index do not cover this topic well enough to compare. The nearest studies are:"],
                };
            }
            studies = Pick(retrieval, request.Filter, request.Max);
            if (studies.Count < request.Max)
                notices.Add($"Only {studies.Count} stud{(studies.Count == 1 ? "y covers" : "ies cover")} this topic well enough{(request.Filter.Company is null ? " (one per company)" : "")}; {request.Max} were asked for.");
        }

        var rows = await OfflineRowsAsync(topic, studies, retrieval.TermWeights, ct);
        var (patterns, differences) = await _analysis.AnalyseAsync(rows, ct);
        if (_writer is null) return new Comparison { Topic = topic, Studies = rows.Select(r => r.Row).ToList(), Patterns = patterns, Differences = differences, Notices = notices };

        var (written, cellFailure) = await _writer.WriteCellsAsync(topic, rows, ct);
        var companies = written.ToDictionary(r => r.DocId, r => r.Company);
        var (writtenPatterns, writtenDifferences, pointsFailure) = await _writer.WritePointsAsync(topic, patterns, differences, companies, ct);
        if (cellFailure is not null) notices.Add($"The language model failed ({cellFailure}); offline extracts are shown where it did.");
        if (pointsFailure is not null) notices.Add($"The patterns and differences are the offline ones: {pointsFailure}.");
        return new Comparison
        {
            Topic = topic, Studies = written, Patterns = writtenPatterns, Differences = writtenDifferences, Notices = notices,
            Mode = AnswerModes.Llm, Model = _writer.ModelName, Prompts = _writer.Prompts,
        };
    }

    /// <summary>
    /// Studies in rank order that cover the topic by the rule that decides whether to refuse (applied to each study's
    /// own evidence and similarity), or that come close in meaning to the best-matching study while sharing some of
    /// the topic's words (a question's rarer words, "catch", "teams", weigh heavily in the lexical evidence alone);
    /// one per company unless the filter names one. The best-ranked study always qualifies once the topic as a whole
    /// is covered.
    /// </summary>
    private List<StudyRecord> Pick(RetrievalResult retrieval, SearchFilter filter, int max)
    {
        var evidence = retrieval.Evidence;
        var penalty = evidence.MissingNames.Count > 0 ? EvidenceScorer.MissingNamePenalty : 1;
        bool Relevant(StudyRecord s)
        {
            var lexical = evidence.PerStudy.GetValueOrDefault(s.Id) * penalty;
            // A study outside the dense candidate pool has no similarity: it is judged as dissimilar, not by words alone.
            var similarity = evidence.PerStudySimilarity.GetValueOrDefault(s.Id);
            var own = new Evidence(lexical, evidence.PerStudy, evidence.MissingNames) { Similarity = evidence.Similarity > 0 ? Math.Max(similarity, 1e-6) : 0 };
            return Assistant.Covers(own, options)
                || (evidence.Similarity > 0 && lexical > 0 && similarity >= evidence.Similarity - SimilarityMargin);
        }
        var ranked = retrieval.Chunks.Select(c => c.Study).DistinctBy(s => s.Id).ToList();
        var picked = new List<StudyRecord>();
        var companies = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var study in ranked)
        {
            if (picked.Count == max) break;
            if (picked.Count > 0 && !Relevant(study)) continue;
            if (filter.Company is null && !companies.Add(study.Company.Trim())) continue;
            picked.Add(study);
        }
        return picked;
    }

    private async Task<List<(ComparedStudy Row, StudyRecord Study)>> OfflineRowsAsync(
        string topic, List<StudyRecord> studies, IReadOnlyDictionary<string, double> termWeights, CancellationToken ct)
    {
        var units = studies.Select(s => CompareColumns.All.ToDictionary(c => c, c => SectionUnits.Of(s, c))).ToList();
        var flat = units.SelectMany(u => u.Values.SelectMany(x => x)).ToList();
        Dictionary<SectionUnit, double>? similarity = null;
        if (options.MeaningWeight > 0 && flat.Count > 0)
        {
            var query = await embedder.EmbedQueryAsync(topic, ct);
            var cosines = CellExtractor.Cosines(query, await embedder.EmbedPassagesAsync(flat.Select(u => u.Text).ToList(), ct));
            similarity = new Dictionary<SectionUnit, double>(ReferenceEqualityComparer.Instance);
            for (var i = 0; i < flat.Count; i++) similarity[flat[i]] = cosines[i];
        }

        var rows = new List<(ComparedStudy, StudyRecord)>();
        for (var i = 0; i < studies.Count; i++)
        {
            var study = studies[i];
            var cells = CompareColumns.All.ToDictionary(c => c, c =>
            {
                var list = units[i][c];
                var scored = _extractor.Score(c, list, termWeights, similarity is null ? null : list.Select(u => similarity[u]).ToList());
                return _extractor.Cell(study, i + 1, c, scored);
            });
            rows.Add((new ComparedStudy(i + 1, study.Id, study.Title, study.Company, study.Year, study.SourceUrl, cells), study));
        }
        return rows;
    }
}
