using System.Text.Json;

namespace SquadStudy.Cli.Tests;

public class BenchCommandTests : CliTestBase
{
    [Fact]
    public void Bench_Json_ReportsMediansForForwardBundleAndEachMethod()
    {
        var result = Run("bench", "--model", ResnetModel, "--image", Image("a.png"), "--repeat", "1", "--json");
        result.ExitCode.ShouldBe(0, result.Error);
        var json = JsonDocument.Parse(result.Out).RootElement;
        json.GetProperty("forward_s").GetDouble().ShouldBeGreaterThan(0);
        json.GetProperty("bundle_s").GetDouble().ShouldBeGreaterThan(0);
        json.GetProperty("forward_gflops").GetDouble().ShouldBeGreaterThan(0);
        json.GetProperty("threads").GetInt32().ShouldBeGreaterThan(0);
        json.GetProperty("peak_working_set_mb").GetDouble().ShouldBeGreaterThan(0);
        var methods = json.GetProperty("methods_s").EnumerateObject().Select(p => p.Name).ToList();
        methods.ShouldBe(["gradcam", "squadcam", "gradcampp", "guidedbp", "guided-gradcam", "guided-squadcam", "guided-gradcampp"]);
    }
}
