using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CaseStudyAssistant.Hosting;

public static class StartupCheck
{
    /// <summary>
    /// Validates every setting registered with ValidateOnStart, as running the host would: commands use the host
    /// without running it, and a bad value must stop them before any work, not half-way.
    /// </summary>
    public static void ValidateSettings(this IServiceProvider services) => services.GetService<IStartupValidator>()?.Validate();
}
