using CaseStudyAssistant.Indexing;
using CaseStudyAssistant.Indexing.Embedded;
using Microsoft.Extensions.DependencyInjection;

namespace CaseStudyAssistant.Tests;

/// <summary>The conformance suite against the embedded SQLite store (always runs).</summary>
public sealed class EmbeddedStoreConformanceTests : StoreConformanceTests
{
    private string IndexPath => Dir.File("idx/index.db");

    protected override void AddStore(IServiceCollection services) =>
        services.AddSingleton<IStudyIndex>(_ => new SqliteStudyIndex(IndexPath));

    protected override Task<string> CurrentTargetAsync() => Task.FromResult(Pipeline.FileHash(IndexPath));

    protected override Task AssertOnlyTargetLeftAsync(string target)
    {
        Assert.Equal(target, Pipeline.FileHash(IndexPath));
        // The rebuild wrote beside the index and renamed over it: no temp file or journal is left.
        Assert.Equal(["index.db"], Directory.EnumerateFiles(Dir.File("idx")).Select(Path.GetFileName).Where(f => !f.EndsWith(".lock")));
        return Task.CompletedTask;
    }
}
