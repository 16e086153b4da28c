using System.Globalization;
using Microsoft.Extensions.Options;

namespace CaseStudyAssistant.Configuration;

/// <summary>
/// Collects broken setting rules as one line each, naming the setting as it is written in appsettings.json
/// ("Answering:MaxToolCalls is 0, but it must be between 1 and 50").
/// </summary>
public sealed class SettingRules(string section)
{
    private readonly List<string> _failures = [];

    public SettingRules Range(string key, double value, double min, double max)
    {
        if (double.IsNaN(value) || value < min || value > max) Fail(key, value, $"between {Show(min)} and {Show(max)}");
        return this;
    }

    public SettingRules AtLeast(string key, double value, double min)
    {
        if (double.IsNaN(value) || value < min) Fail(key, value, $"at least {Show(min)}");
        return this;
    }

    public SettingRules OneOf(string key, string? value, IReadOnlyCollection<string> allowed)
    {
        if (value is null || !allowed.Contains(value.Trim(), StringComparer.OrdinalIgnoreCase))
            _failures.Add($"{section}:{key} is '{value}', but it must be one of {string.Join(", ", allowed)}");
        return this;
    }

    public SettingRules Check(bool holds, string failure)
    {
        if (!holds) _failures.Add(failure);
        return this;
    }

    public SettingRules HttpUrl(string key, string? value, bool required = true)
    {
        if (string.IsNullOrWhiteSpace(value)) { if (required) _failures.Add($"{section}:{key} is empty, but it must be an http:// or https:// URL"); return this; }
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            _failures.Add($"{section}:{key} is '{value}', but it must be an http:// or https:// URL");
        return this;
    }

    public ValidateOptionsResult Result() => _failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(_failures);

    private void Fail(string key, double value, string rule) => _failures.Add($"{section}:{key} is {Show(value)}, but it must be {rule}");

    private static string Show(double value) => value.ToString(CultureInfo.InvariantCulture);
}
