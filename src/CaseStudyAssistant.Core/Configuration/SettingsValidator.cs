using CaseStudyAssistant.Chunking;
using CaseStudyAssistant.Embedding;
using Microsoft.Extensions.Options;

namespace CaseStudyAssistant.Configuration;

/// <summary>The pipeline's settings, checked when the host starts, before any work is done.</summary>
internal sealed class SettingsValidator : IValidateOptions<CsaSettings>
{
    public ValidateOptionsResult Validate(string? name, CsaSettings s)
    {
        var failures = new List<string>();
        void Add(ValidateOptionsResult r) { if (r.Failed) failures.AddRange(r.Failures); }

        Add(new SettingRules("Index")
            .Check(!string.IsNullOrWhiteSpace(s.Index.Path), "Index:Path is empty, but it must name the embedded index file (e.g. .csa/index.db)")
            .Result());
        Add(new SettingRules("Corpus")
            .Check(s.Corpus.MaxDocumentMegabytes is > 0 and <= 4096, $"Corpus:MaxDocumentMegabytes is {s.Corpus.MaxDocumentMegabytes}, but it must be more than 0 and at most 4096")
            .Result());
        Add(new SettingRules("Embedding")
            .OneOf(nameof(s.Embedding.Model), s.Embedding.Model, LocalEmbeddingModels.Names.ToList())
            .Range(nameof(s.Embedding.Threads), s.Embedding.Threads, 0, 256)
            .Range(nameof(s.Embedding.BatchSize), s.Embedding.BatchSize, 1, 256)
            .Result());
        var c = s.Chunking;
        Add(new SettingRules("Chunking")
            .Range(nameof(c.MaxTokens), c.MaxTokens, 16, 8192)
            .Range(nameof(c.OverlapSentences), c.OverlapSentences, 0, 10)
            .OneOf(nameof(c.Encoding), c.Encoding, TiktokenCounter.Encodings)
            .Result());
        var r = s.Retrieval;
        Add(new SettingRules("Retrieval")
            .Range(nameof(r.Top), r.Top, 1, 50)
            .Range(nameof(r.CandidatePool), r.CandidatePool, 1, 10_000)
            .AtLeast(nameof(r.RrfK), r.RrfK, 1)
            .Range(nameof(r.MaxChunksPerStudy), r.MaxChunksPerStudy, 1, 50)
            .AtLeast(nameof(r.StudyWeight), r.StudyWeight, 0)
            .AtLeast(nameof(r.SparseWeight), r.SparseWeight, 0)
            .AtLeast(nameof(r.DenseWeight), r.DenseWeight, 0)
            .Check(r.SparseWeight > 0 || r.DenseWeight > 0, "Retrieval:SparseWeight and Retrieval:DenseWeight are both 0, but at least one ranking must take part")
            .Result());
        var a = s.Answering;
        Add(new SettingRules("Answering")
            .Range(nameof(a.MinEvidence), a.MinEvidence, 0, 1)
            .AtLeast(nameof(a.MinCoverage), a.MinCoverage, 0)
            .AtLeast(nameof(a.SimilarityWeight), a.SimilarityWeight, 0)
            .Range(nameof(a.StrongEvidence), a.StrongEvidence, 0, 1)
            .Range(nameof(a.MaxStudies), a.MaxStudies, 1, 20)
            .Range(nameof(a.RelativeEvidence), a.RelativeEvidence, 0, 1)
            .Range(nameof(a.MeaningWeight), a.MeaningWeight, 0, 1)
            .Range(nameof(a.SentencesPerStudy), a.SentencesPerStudy, 1, 20)
            .Range(nameof(a.AnswerTokens), a.AnswerTokens, 50, 100_000)
            .Check(a.ContextTokens >= a.AnswerTokens + 500, $"Answering:ContextTokens is {a.ContextTokens}, but it must be at least Answering:AnswerTokens + 500 ({a.AnswerTokens + 500}) to leave room for sources")
            .Range(nameof(a.MaxSentences), a.MaxSentences, 1, 50)
            .Range(nameof(a.SupportOverlap), a.SupportOverlap, 0, 1)
            .Range(nameof(a.MaxToolCalls), a.MaxToolCalls, 1, 50)
            .Range(nameof(a.ResearchTop), a.ResearchTop, 1, 50)
            .Range(nameof(a.ResearchStudyTokens), a.ResearchStudyTokens, 100, 100_000)
            .Result());
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
