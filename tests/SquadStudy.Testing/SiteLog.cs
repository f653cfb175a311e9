using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace SquadStudy.Testing;

/// <summary>
/// What a site under test logged, through the framework's <see cref="FakeLogger"/>: every factory
/// adds it, and a failing test can say what the site reported instead of only "500".
/// </summary>
public static class SiteLog
{
    /// <summary>Collects every message that passes the site's log filters.</summary>
    public static ILoggingBuilder AddSiteLog(this ILoggingBuilder logging) => logging.AddFakeLogging();

    /// <summary>The messages logged at <paramref name="least"/> or above, as "Level Category: message[: exception]".</summary>
    public static IReadOnlyList<string> Messages(this IServiceProvider services, LogLevel least = LogLevel.Warning) =>
        [.. services.GetFakeLogCollector().GetSnapshot()
            .Where(r => r.Level >= least)
            .Select(r => $"{r.Level} {r.Category}: {r.Message}{(r.Exception is null ? "" : $": {r.Exception.GetType().Name}: {r.Exception.Message}")}")];
}
