using CaseStudyAssistant.Qdrant;
using Microsoft.Extensions.DependencyInjection;

namespace CaseStudyAssistant.Tests;

/// <summary>
/// The conformance suite against Qdrant at QDRANT_URL (with QDRANT_API_KEY when set); every test is skipped when
/// QDRANT_URL is unset. Each test uses its own alias <c>conf_&lt;guid&gt;</c> and deletes its collections at the end.
/// </summary>
public sealed class QdrantStoreConformanceTests : StoreConformanceTests
{
    private readonly string _alias = "conf_" + Guid.NewGuid().ToString("N");
    private QdrantAdmin? _admin;

    private QdrantAdmin Admin => _admin ??= new QdrantAdmin(StoreAvailability.QdrantUrl!, StoreAvailability.QdrantApiKey);

    protected override void AddStore(IServiceCollection services) =>
        services.AddQdrantStudyIndex(new QdrantOptions { Url = StoreAvailability.QdrantUrl!, Collection = _alias, ApiKey = StoreAvailability.QdrantApiKey });

    protected override async Task<string> CurrentTargetAsync() =>
        await Admin.AliasTargetAsync(_alias) ?? throw new InvalidOperationException($"alias {_alias} does not exist");

    protected override async Task AssertOnlyTargetLeftAsync(string target)
    {
        Assert.Equal(target, await Admin.AliasTargetAsync(_alias));
        // The alias moved to a new collection and the previous one was deleted.
        Assert.Equal([target], await Admin.CollectionsOfAsync(_alias));
    }

    public override async Task DisposeAsync()
    {
        try
        {
            if (_admin is not null || StoreAvailability.QdrantUrl is not null)
            {
                await Admin.DropAllAsync(_alias);
                Assert.Empty(await Admin.CollectionsOfAsync(_alias));
            }
        }
        finally
        {
            _admin?.Dispose();
            await base.DisposeAsync();
        }
    }
}
