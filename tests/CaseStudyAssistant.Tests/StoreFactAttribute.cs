using Xunit.Abstractions;
using Xunit.Sdk;

namespace CaseStudyAssistant.Tests;

/// <summary>
/// A fact of the store conformance suite. The same test methods run once per store (one subclass of
/// <see cref="StoreConformanceTests"/> each); xunit 2 has no dynamic skip, so <see cref="StoreFactDiscoverer"/>
/// looks at the concrete test class and reports the test as skipped when its store is not available here.
/// </summary>
[XunitTestCaseDiscoverer("CaseStudyAssistant.Tests.StoreFactDiscoverer", "CaseStudyAssistant.Tests")]
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class StoreFactAttribute : FactAttribute
{
    /// <summary>
    /// A product bug that makes this test fail against Qdrant: the Qdrant run is reported as skipped with this text
    /// (set CSA_TEST_KNOWN_BUGS=1 to run it anyway). Remove it once the bug is fixed.
    /// </summary>
    public string? QdrantKnownBug { get; set; }
}

/// <summary>Which stores can run here, and why not.</summary>
public static class StoreAvailability
{
    public const string QdrantUrlVariable = "QDRANT_URL";
    public const string QdrantApiKeyVariable = "QDRANT_API_KEY";

    public static string? QdrantUrl => Environment.GetEnvironmentVariable(QdrantUrlVariable) is { Length: > 0 } url ? url.Trim() : null;
    public static string? QdrantApiKey => Environment.GetEnvironmentVariable(QdrantApiKeyVariable) is { Length: > 0 } key ? key : null;

    /// <summary>Null when the tests of <paramref name="testClass"/> can run, else the reason they are skipped.</summary>
    public static string? SkipReason(Type? testClass, string? qdrantKnownBug = null)
    {
        if (testClass is null || !typeof(QdrantStoreConformanceTests).IsAssignableFrom(testClass)) return null;
        if (QdrantUrl is null)
            return $"needs a Qdrant server: {QdrantUrlVariable} is not set (its gRPC endpoint, e.g. export {QdrantUrlVariable}=http://localhost:6334, " +
                   $"plus {QdrantApiKeyVariable} if it needs a key; or run /usr/bin/python3 ../shared/qdrant/emulator/qdrant_emulator.py --port 0 --grpc-port 0)";
        if (qdrantKnownBug is not null && Environment.GetEnvironmentVariable("CSA_TEST_KNOWN_BUGS") is not ("1" or "true"))
            return $"known product bug, fails against Qdrant (CSA_TEST_KNOWN_BUGS=1 runs it): {qdrantKnownBug}";
        return null;
    }
}

/// <summary>Discovers <see cref="StoreFactAttribute"/> methods; a test whose store is unavailable becomes a skipped test case.</summary>
public sealed class StoreFactDiscoverer(IMessageSink diagnosticMessageSink) : FactDiscoverer(diagnosticMessageSink)
{
    protected override IXunitTestCase CreateTestCase(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        var reason = StoreAvailability.SkipReason(testMethod.TestClass.Class.ToRuntimeType(), factAttribute.GetNamedArgument<string?>(nameof(StoreFactAttribute.QdrantKnownBug)));
        return reason is null
            ? base.CreateTestCase(discoveryOptions, testMethod, factAttribute)
            : new SkippedStoreTestCase(DiagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod, reason);
    }
}

/// <summary>A test case that is always skipped, with a reason decided at discovery (and carried through serialization).</summary>
public sealed class SkippedStoreTestCase : XunitTestCase
{
    private string _skipReason = "";

    [Obsolete("Called by the de-serializer; should only be called by deriving classes for de-serialization purposes")]
    public SkippedStoreTestCase() { }

    public SkippedStoreTestCase(IMessageSink diagnosticMessageSink, TestMethodDisplay defaultMethodDisplay, TestMethodDisplayOptions defaultMethodDisplayOptions,
        ITestMethod testMethod, string skipReason)
        : base(diagnosticMessageSink, defaultMethodDisplay, defaultMethodDisplayOptions, testMethod)
    {
        _skipReason = skipReason;
    }

    protected override string GetSkipReason(IAttributeInfo factAttribute) => _skipReason;

    public override void Serialize(IXunitSerializationInfo data)
    {
        base.Serialize(data);
        data.AddValue("StoreSkipReason", _skipReason);
    }

    public override void Deserialize(IXunitSerializationInfo data)
    {
        // Before the base: xunit initializes the test case (and asks GetSkipReason) while deserializing it.
        _skipReason = data.GetValue<string>("StoreSkipReason");
        base.Deserialize(data);
    }
}
