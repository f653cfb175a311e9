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

    [Fact]
    public void Bench_Methods_TimesEachNamedMethodAlone_UnderItsCanonicalName()
    {
        var result = Run("bench", "--model", ResnetModel, "--image", Image("a.png"), "--repeat", "1", "--json",
            "--methods", "scorecam,occlusion(stride=8,window=8),rise(masks=20)");
        result.ExitCode.ShouldBe(0, result.Error);
        var json = JsonDocument.Parse(result.Out).RootElement;
        json.GetProperty("forward_s").GetDouble().ShouldBeGreaterThan(0);
        var methods = json.GetProperty("methods_s").EnumerateObject().ToList();
        methods.Select(p => p.Name).ShouldBe(["scorecam", "occlusion(window=8)", "rise(masks=20)"]);
        methods.ShouldAllBe(p => p.Value.GetDouble() > 0);
        json.TryGetProperty("bundle_s", out _).ShouldBeFalse();
    }

    [Fact]
    public void Bench_Methods_WithABadName_FailsWithTheEnginesMessage()
    {
        var result = Run("bench", "--model", ResnetModel, "--image", Image("a.png"), "--repeat", "1", "--methods", "rise(masks=20");
        result.ExitCode.ShouldBe(1);
        result.Error.ShouldContain("rise(masks=20");
        result.Out.ShouldBeEmpty();
    }
}
