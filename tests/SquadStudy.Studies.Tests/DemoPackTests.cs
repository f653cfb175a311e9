using SquadStudy.Data.Entities;
using System.Text.Json;
using SquadStudy.Studies.Engine;

namespace SquadStudy.Studies.Tests;

/// <summary>
/// The demo pack (demo/pack, made by scripts/make_demo_pack.py with PyTorch) through the platform's
/// engine: it validates, and every model predicts what PyTorch predicted on every test image, so
/// the accuracy the engine measures is the one the pack records.
/// </summary>
public sealed class DemoPackTests
{
    private sealed record RecordedPrediction(int Class, double Logit, int Truth);

    private sealed record RecordedPredictions(double Top1, Dictionary<string, RecordedPrediction> Predictions);

    public static string Locate()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "demo", "pack");
            if (File.Exists(Path.Combine(candidate, "study.json")))
            {
                return candidate;
            }
        }
        throw new DirectoryNotFoundException("demo/pack (scripts/make_demo_pack.py) not found above the test binaries.");
    }

    [Fact]
    public void DemoPack_PredictionsAndAccuracyEqualPyTorchs()
    {
        var engine = new SquadStudyEngine();
        using var pack = StudyPack.Load(Locate(), engine);
        pack.Images.Count.ShouldBe(200);
        pack.Images.Count(i => i.IsTest).ShouldBe(200);
        foreach (var packModel in pack.Models)
        {
            var recorded = JsonSerializer.Deserialize<RecordedPredictions>(
                File.ReadAllText(Path.Combine(pack.Root, "models", packModel.Key + ".predictions.json")), PackJson.Options)!;
            using var model = engine.LoadModel(packModel.OnnxPath, packModel.Metadata);
            var correct = 0;
            foreach (var image in pack.Images)
            {
                var expected = recorded.Predictions[image.Stem];
                expected.Truth.ShouldBe(image.LabelClass, $"{image.Stem}: the pack's label is its largest box's class");
                var probabilities = model.Probabilities(engine.Decode(File.ReadAllBytes(image.Path), image.Stem));
                var predicted = Array.IndexOf(probabilities, probabilities.Max());
                predicted.ShouldBe(expected.Class, $"{packModel.Key} on {image.Stem}");
                correct += predicted == image.LabelClass ? 1 : 0;
            }
            ((double)correct / pack.Images.Count).ShouldBe(recorded.Top1, 1e-12, packModel.Key);
            packModel.Metadata.Accuracy!.Top1.ShouldBe(recorded.Top1, 5e-5, "models/<id>.json records the accuracy rounded to 4 places");
        }
    }
}
