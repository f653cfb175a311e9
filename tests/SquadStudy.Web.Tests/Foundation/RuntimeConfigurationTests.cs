using System.Text.Json;

namespace SquadStudy.Web.Tests.Foundation;

/// <summary>
/// The runtime settings the site ships with (SquadStudy.Web.csproj), read from the
/// <c>SquadStudy.Web.runtimeconfig.json</c> the build writes beside the site's assembly: the test host
/// runs under its own runtime configuration, so these are checked in the file that <c>dotnet
/// SquadStudy.Web.dll</c>, scripts/run.sh and the Dockerfile start the site with.
/// </summary>
public sealed class RuntimeConfigurationTests
{
    private static JsonElement ConfigProperties()
    {
        var site = typeof(Program).Assembly.Location;
        var path = Path.Combine(Path.GetDirectoryName(site)!, Path.GetFileNameWithoutExtension(site) + ".runtimeconfig.json");
        File.Exists(path).ShouldBeTrue($"the site's runtime configuration is missing at {path}");
        using var json = JsonDocument.Parse(File.ReadAllText(path));
        return json.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties").Clone();
    }

    [Fact]
    public void TheSitesThreadPool_DoesNotSpinBeforeSleeping()
    {
        // docs/participants.md, "Thread-pool spinning": a quarter of the site's CPU at 1000 answers/s.
        ConfigProperties().GetProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit").GetInt32().ShouldBe(0);
    }

    [Fact]
    public void TheSite_RunsWithoutDynamicPgo()
    {
        ConfigProperties().GetProperty("System.Runtime.TieredPGO").GetBoolean().ShouldBeFalse();
    }
}
