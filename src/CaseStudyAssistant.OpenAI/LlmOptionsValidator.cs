using CaseStudyAssistant.Configuration;
using Microsoft.Extensions.Options;

namespace CaseStudyAssistant.OpenAI;

/// <summary>The resilience settings, checked against what the policies accept.</summary>
internal sealed class LlmOptionsValidator : IValidateOptions<LlmOptions>
{
    public ValidateOptionsResult Validate(string? name, LlmOptions o) => new SettingRules("Llm")
        .Range(nameof(o.TimeoutSeconds), o.TimeoutSeconds, 0.01, 86_400)
        .Range(nameof(o.MaxRetries), o.MaxRetries, 0, 100)
        .Check(o.CircuitBreakerFailures is 0 or >= 2, $"Llm:CircuitBreakerFailures is {o.CircuitBreakerFailures}, but it must be 0 (off) or at least 2")
        .Range(nameof(o.CircuitBreakSeconds), o.CircuitBreakSeconds, 0.5, 86_400)
        .AtLeast(nameof(o.MaxToolRounds), o.MaxToolRounds, 1)
        .Check(o.EmbeddingDimensions is null or > 0, $"Llm:EmbeddingDimensions is {o.EmbeddingDimensions}, but it must be a positive number of dimensions")
        .Result();
}
