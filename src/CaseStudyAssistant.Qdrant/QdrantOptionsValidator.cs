using CaseStudyAssistant.Configuration;
using Microsoft.Extensions.Options;

namespace CaseStudyAssistant.Qdrant;

internal sealed class QdrantOptionsValidator : IValidateOptions<QdrantOptions>
{
    public ValidateOptionsResult Validate(string? name, QdrantOptions o) => new SettingRules("Index:Qdrant")
        .HttpUrl(nameof(o.Url), o.Url)
        .Check(!string.IsNullOrWhiteSpace(o.Collection), "Index:Qdrant:Collection is empty, but it must name the alias the index is read through")
        .Range(nameof(o.TimeoutSeconds), o.TimeoutSeconds, 0.1, 86_400)
        .Range(nameof(o.MaxRetries), o.MaxRetries, 0, 100)
        .Range(nameof(o.BatchSize), o.BatchSize, 1, 10_000)
        .Range(nameof(o.ShardNumber), o.ShardNumber, 1, 1_000)
        .Range(nameof(o.ReplicationFactor), o.ReplicationFactor, 1, 100)
        .Check(o.WriteConsistencyFactor >= 1 && o.WriteConsistencyFactor <= o.ReplicationFactor,
            $"Index:Qdrant:WriteConsistencyFactor is {o.WriteConsistencyFactor}, but it must be between 1 and Index:Qdrant:ReplicationFactor ({o.ReplicationFactor})")
        .Result();
}
