using CaseStudyAssistant.Configuration;
using CaseStudyAssistant.Hosting;
using CaseStudyAssistant.Indexing;
using CaseStudyAssistant.Qdrant;
using CaseStudyAssistant.Retrieval;
using CaseStudyAssistant.Web;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace CaseStudyAssistant.Tests;

/// <summary>Settings are bound and checked once, by the composition root, before any work: a bad value is one line naming it.</summary>
public sealed class SettingsTests : IDisposable
{
    private readonly TempDir _dir = new("settings");

    public void Dispose() => _dir.Dispose();

    private UserError FailureOf(Dictionary<string, string?> settings)
    {
        var e = Record.Exception(() => Pipeline.Build(_dir.File("index.db"), settings: settings)?.Dispose());
        Assert.NotNull(e);
        return UserErrors.For(e);
    }

    [Theory]
    [InlineData("Answering:MaxToolCalls", "0", "Answering:MaxToolCalls is 0, but it must be between 1 and 50")]
    [InlineData("Retrieval:Top", "0", "Retrieval:Top is 0, but it must be between 1 and 50")]
    [InlineData("Retrieval:SparseWeight", "-1", "Retrieval:SparseWeight is -1, but it must be at least 0")]
    [InlineData("Chunking:Encoding", "p50k_base", "Chunking:Encoding is 'p50k_base', but it must be one of cl100k_base, o200k_base")]
    [InlineData("Embedding:Model", "bert-base", "Embedding:Model is 'bert-base', but it must be one of all-minilm-l6-v2, snowflake-arctic-embed-xs")]
    [InlineData("Corpus:MaxDocumentMegabytes", "0", "Corpus:MaxDocumentMegabytes is 0, but it must be more than 0 and at most 4096")]
    [InlineData("Answering:SupportOverlap", "1.5", "Answering:SupportOverlap is 1.5, but it must be between 0 and 1")]
    public void A_value_out_of_range_is_one_line_naming_the_setting_and_where_to_fix_it(string key, string value, string message)
    {
        var error = FailureOf(new() { [key] = value });

        Assert.Equal(ErrorKind.Configuration, error.Kind);
        Assert.Equal(message, error.Message);
        Assert.Contains($"CSA_{key.Replace(":", "__").ToUpperInvariant()}", error.Hint);
    }

    [Fact]
    public void A_value_of_the_wrong_type_is_named_with_what_it_must_be()
    {
        var error = FailureOf(new() { ["Answering:MaxToolCalls"] = "six" });

        Assert.Equal(ErrorKind.Configuration, error.Kind);
        Assert.Equal("Answering:MaxToolCalls is 'six', but it must be a whole number", error.Message);
        Assert.Contains("CSA_ANSWERING__MAXTOOLCALLS", error.Hint);
    }

    [Fact]
    public void Several_bad_values_are_reported_as_the_first_and_a_count()
    {
        var error = FailureOf(new() { ["Retrieval:Top"] = "0", ["Answering:MaxStudies"] = "0" });
        Assert.StartsWith("Retrieval:Top is 0", error.Message);
        Assert.EndsWith("(and 1 more)", error.Message);
    }

    [Fact]
    public void Turning_off_both_rankings_is_refused()
    {
        var error = FailureOf(new() { ["Retrieval:SparseWeight"] = "0", ["Retrieval:DenseWeight"] = "0" });
        Assert.Contains("at least one ranking must take part", error.Message);
    }

    [Fact]
    public void An_unknown_store_names_the_stores_there_are()
    {
        var error = FailureOf(new() { ["Index:Store"] = "pinecone" });
        Assert.Equal("Index:Store is 'pinecone', but it must be one of embedded, qdrant", error.Message);
        Assert.Contains("--store", error.Hint);
    }

    [Fact]
    public void The_store_registry_gives_each_name_its_store()
    {
        using (var embedded = Pipeline.Build(_dir.File("index.db")))
            Assert.IsType<Indexing.Embedded.SqliteStudyIndex>(embedded.GetRequiredService<IStudyIndex>());
        // Creating the Qdrant store does not connect; the first call does.
        using var qdrant = Pipeline.Build(_dir.File("index.db"), settings: new() { ["Index:Store"] = "qdrant", ["Index:Qdrant:Url"] = "http://127.0.0.1:9" });
        Assert.Equal("QdrantStudyIndex", qdrant.GetRequiredService<IStudyIndex>().GetType().Name);
    }

    [Fact]
    public void Qdrant_settings_are_checked_when_that_store_is_chosen()
    {
        var error = FailureOf(new() { ["Index:Store"] = "qdrant", ["Index:Qdrant:WriteConsistencyFactor"] = "3" });
        Assert.Equal("Index:Qdrant:WriteConsistencyFactor is 3, but it must be between 1 and Index:Qdrant:ReplicationFactor (1)", error.Message);

        var url = FailureOf(new() { ["Index:Store"] = "qdrant", ["Index:Qdrant:Url"] = "localhost:6334" });
        Assert.Equal("Index:Qdrant:Url is 'localhost:6334', but it must be an http:// or https:// URL", url.Message);
    }

    [Fact]
    public void Keys_in_settings_files_are_ignored_and_read_from_the_environment_only()
    {
        var settings = new Dictionary<string, string?> { ["Index:Store"] = "qdrant", ["Index:Qdrant:ApiKey"] = "from-a-settings-file" };
        using (var none = Pipeline.Build(_dir.File("index.db"), settings: settings))
            Assert.Null(none.GetRequiredService<QdrantOptions>().ApiKey);

        var services = new ServiceCollection();
        var configuration = new Microsoft.Extensions.Configuration.ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        services.AddCaseStudyAssistant(configuration, new Secrets(name => name == "QDRANT_API_KEY" ? "from-the-environment" : null));
        using var provider = services.BuildServiceProvider();
        Assert.Equal("from-the-environment", provider.GetRequiredService<QdrantOptions>().ApiKey);
    }

    [Fact]
    public void The_dense_weight_defaults_to_full_weight_only_for_a_named_server_embedding_model()
    {
        using (var local = Pipeline.Build(_dir.File("index.db")))
            Assert.Equal(RetrievalOptions.LocalModelDenseWeight, local.GetRequiredService<RetrievalOptions>().DenseWeight);

        var server = new Dictionary<string, string?> { ["Llm:Provider"] = "compatible", ["Llm:Endpoint"] = "http://127.0.0.1:9/v1", ["Llm:ChatModel"] = "m", ["Llm:EmbeddingModel"] = "emb" };
        using (var named = Pipeline.Build(_dir.File("index.db"), settings: server))
            Assert.Equal(RetrievalOptions.ServerModelDenseWeight, named.GetRequiredService<RetrievalOptions>().DenseWeight);

        server["Retrieval:DenseWeight"] = "0.3";
        using var chosen = Pipeline.Build(_dir.File("index.db"), settings: server);
        Assert.Equal(0.3, chosen.GetRequiredService<RetrievalOptions>().DenseWeight);
    }

    [Fact]
    public void Web_limits_are_checked_before_the_server_starts()
    {
        var e = Record.Exception(() => WebApp.Build([], new Dictionary<string, string?> { ["Index:Path"] = _dir.File("index.db"), ["Web:MaxQuestionChars"] = "0" }));
        var error = UserErrors.For(Assert.IsType<OptionsValidationException>(e));
        Assert.Equal("Web:MaxQuestionChars is 0, but it must be between 10 and 100000", error.Message);
    }

    [Fact]
    public void The_cli_stops_on_a_bad_setting_from_the_environment_with_one_line_and_a_hint()
    {
        var r = Cli.Run(_dir.Path, new Dictionary<string, string> { ["CSA_RETRIEVAL__TOP"] = "500" }, "ask", "How do teams detect fraud?", "--index", _dir.File("index.db"));

        Assert.Equal(2, r.ExitCode);
        var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, l => l.Contains("Retrieval:Top is 500, but it must be between 1 and 50"));
        Assert.Contains(lines, l => l.Contains("CSA_RETRIEVAL__TOP"));
        Assert.DoesNotContain("   at ", r.Stderr);
        Assert.False(File.Exists(_dir.File("index.db")), "nothing is ingested before the settings are checked");
    }
}
