using System.Text.Json;
using CaseStudyAssistant.Evaluation;
using Microsoft.Extensions.DependencyInjection;

namespace CaseStudyAssistant.Tests;

/// <summary>Evaluation with answers from the (fake) language model.</summary>
public sealed class LlmEvalTests
{
    [Fact]
    public async Task Eval_with_the_model_reports_model_prompts_and_unsupported_rate()
    {
        await using var rig = await LlmRig.StartAsync();
        rig.Server.When(PromptFiles.IsAnswer, FakeModel.QuoteSourceOne);
        var file = rig.Dir.Write("questions.jsonl", string.Join("\n",
            """{"id":"q1","question":"How much did the word error rate fall when VoiceLab transcribed customer calls?","relevant":["voicelab-call-transcription"],"type":"numeric","answer_facts":["9%"]}""",
            """{"id":"q2","question":"How much did fraud losses fall when PayFast scored fraud rings with a graph neural network?","relevant":["payfast-fraud-rings"],"type":"numeric","answer_facts":["30%"]}""",
            """{"id":"q3","question":"What is the best recipe for sourdough bread with a cast iron pan?","relevant":[],"type":"unanswerable"}"""));
        var items = EvalDataset.Load(file);

        var report = await rig.Services.GetRequiredService<EvalRunner>().RunAsync(items, 5, RetrieverKind.Default);

        Assert.Equal(3, report.N);
        Assert.Equal(LlmRig.ChatModel, report.Model);
        Assert.True(report.LlmAnswers);
        Assert.Equal(["answer.system", "answer.user"], report.Prompts.Select(p => p.Name));
        Assert.NotNull(report.Overall[Metrics.UnsupportedRate]);
        Assert.Equal(0.0, report.Overall[Metrics.UnsupportedRate]);
        // Only the answerable questions reached the model; the unanswerable one was refused before it.
        Assert.Equal(2, rig.Server.ChatRequests.Count);
        Assert.Equal([false, false, true], report.Questions.Select(q => q.Refused));
        Assert.Equal(["llm", "llm", "extractive"], report.Questions.Select(q => q.Mode));
        Assert.Equal(1.0, report.Overall[Metrics.FactRecall]);
        Assert.Equal(1.0, report.Overall[Metrics.CitationPrecision]);

        var json = EvalReportWriter.ToJson(report);
        using var doc = JsonDocument.Parse(json);
        Assert.Equal(LlmRig.ChatModel, doc.RootElement.GetProperty("model").GetString());
        var prompts = doc.RootElement.GetProperty("prompts").EnumerateArray().ToList();
        Assert.Equal(2, prompts.Count);
        Assert.All(prompts, p => Assert.Matches("^[0-9a-f]{12}$", p.GetProperty("hash").GetString()));
        Assert.True(doc.RootElement.TryGetProperty(Metrics.UnsupportedRate, out _));
    }

    [Fact]
    public async Task Unsupported_answers_raise_the_unsupported_sentence_rate_uncited_sentences_included()
    {
        await using var rig = await LlmRig.StartAsync();
        rig.Server.When(PromptFiles.IsAnswer, FakeReply.Text(LlmAnswerTests.GroundedReply + " It also cut GPU spending by 75% [1]. Netflix also uses quantum annealing."));
        var file = rig.Dir.Write("questions.jsonl",
            """{"id":"q1","question":"How much did the word error rate fall when VoiceLab transcribed customer calls?","relevant":["voicelab-call-transcription"],"type":"numeric"}""");

        var report = await rig.Services.GetRequiredService<EvalRunner>().RunAsync(EvalDataset.Load(file), 5, RetrieverKind.Default);

        Assert.Equal(0.6667, report.Overall[Metrics.UnsupportedRate]);
        Assert.Equal((3, 2), (report.Questions[0].CheckedSentences, report.Questions[0].UnsupportedSentences));
    }
}
