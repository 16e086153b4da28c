namespace CaseStudyAssistant.Configuration;

/// <summary>
/// The one reader of secrets. Keys come from the environment only, never from a settings file or a flag, so they
/// are not written to disk by accident or shown in a process list.
/// </summary>
public sealed class Secrets(Func<string, string?>? environment = null)
{
    public const string LlmKeyVariable = "CSA_LLM_API_KEY";
    public const string ServerKeyVariable = "CSA_API_KEY";
    public static readonly string[] QdrantKeyVariables = ["QDRANT_API_KEY", "CSA_INDEX__QDRANT__APIKEY"];

    private readonly Func<string, string?> _environment = environment ?? Environment.GetEnvironmentVariable;

    public static Secrets FromEnvironment { get; } = new();

    /// <summary>The first of the variables that is set and not blank.</summary>
    public string? First(params string[] variables) =>
        variables.Select(_environment).FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));

    /// <summary>The model provider's key: ours, then the provider's usual variable (OPENAI_API_KEY, …) when it has one.</summary>
    public string? LlmKey(string? providerVariable = null) =>
        providerVariable is null ? First(LlmKeyVariable) : First(LlmKeyVariable, providerVariable);

    public string? QdrantKey() => First(QdrantKeyVariables);

    /// <summary>The API key the server asks clients for, as set (untrimmed, so a blank value can be reported as blank).</summary>
    public string? ServerKey() => _environment(ServerKeyVariable);
}
