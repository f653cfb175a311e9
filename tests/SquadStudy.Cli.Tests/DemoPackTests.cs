using System.Text.Json;

namespace SquadStudy.Cli.Tests;

/// <summary>
/// End to end on the demo pack (scripts/make_demo_pack.py): decoding, preprocessing and the engine
/// reproduce the PyTorch predictions recorded in demo/pack/models/vgg.predictions.json.
/// </summary>
public class DemoPackTests : CliTestBase
{
    private static string Pack(params string[] parts)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "demo", "pack");
            if (Directory.Exists(candidate)) return Path.Combine([candidate, .. parts]);
        }
        throw new DirectoryNotFoundException("demo/pack not found");
    }

    [Fact]
    public void Predict_OnDemoImages_MatchesPyTorchsTop1AndLogit()
    {
        var recorded = JsonDocument.Parse(File.ReadAllText(Pack("models", "vgg.predictions.json"))).RootElement.GetProperty("predictions");
        var stems = recorded.EnumerateObject().Take(6).Select(p => p.Name).ToArray();
        var args = new List<string> { "predict", "--model", Pack("models", "vgg.onnx"), "--top", "1", "--json" };
        foreach (var stem in stems) args.AddRange(["--image", Pack("images", stem + ".png")]);

        var result = Run([.. args]);
        result.ExitCode.ShouldBe(0, result.Error);
        var images = JsonDocument.Parse(result.Out).RootElement.GetProperty("images").EnumerateArray().ToArray();
        for (int i = 0; i < stems.Length; i++)
        {
            var expected = recorded.GetProperty(stems[i]);
            var top = images[i].GetProperty("top")[0];
            top.GetProperty("class").GetInt32().ShouldBe(expected.GetProperty("class").GetInt32(), stems[i]);
            float logit = expected.GetProperty("logit").GetSingle();
            top.GetProperty("logit").GetSingle().ShouldBe(logit, 1e-4f * Math.Max(1f, Math.Abs(logit)), stems[i]);
        }
    }
}
