using System.Text.Json;
using SquadStudy.Engine.Imaging;
using SquadStudy.Engine.Models;

namespace SquadStudy.Cli.Tests;

public class PredictCommandTests : CliTestBase
{
    [Fact]
    public void Predict_Json_ListsTopKPerImage_WithTheEnginesLogits()
    {
        string a = Image("a.png", seed: 1), b = Image("b.png", seed: 2);
        var result = Run("predict", "--model", ResnetModel, "--image", a, "--image", b, "--top", "3", "--json");

        result.ExitCode.ShouldBe(0, result.Error);
        result.Error.ShouldBeEmpty();
        var json = JsonDocument.Parse(result.Out).RootElement;
        var images = json.GetProperty("images").EnumerateArray().ToList();
        images.Count.ShouldBe(2);
        images[1].GetProperty("image").GetString().ShouldBe(b);

        using var model = ExplanationModel.Load(ResnetModel);
        var logits = model.Logits(Preprocessing.ToTensor(ImageDecoder.DecodeFile(a), new PreprocessOptions(40, 32)));
        var top = images[0].GetProperty("top").EnumerateArray().ToList();
        top.Count.ShouldBe(3);
        int best = Array.IndexOf(logits, logits.Max());
        top[0].GetProperty("class").GetInt32().ShouldBe(best);
        top[0].GetProperty("logit").GetSingle().ShouldBe(logits[best], 1e-5f);
        top[0].GetProperty("probability").GetSingle().ShouldBeGreaterThan(top[1].GetProperty("probability").GetSingle());
    }

    [Fact]
    public void Predict_WithoutJson_PrintsATable()
    {
        var result = Run("predict", "--model", ResnetModel, "--image", Image("a.png"), "--top", "2");
        result.ExitCode.ShouldBe(0, result.Error);
        result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length.ShouldBe(3);
        result.Out.ShouldContain("logit");
    }
}
