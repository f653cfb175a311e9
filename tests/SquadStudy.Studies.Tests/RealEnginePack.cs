using System.Text.Json;
using SquadStudy.Engine.Imaging;

namespace SquadStudy.Studies.Tests;

/// <summary>
/// A small pack for the real engine: two of the engine parity models (tests/fixtures/engine,
/// 10 classes; gaplinear 36×24, resnetlike 40×32 inputs) and six 48×40 PNG images with boxes of
/// two classes each, drawn from a fixed seed.
/// </summary>
internal sealed class RealEnginePack : IDisposable
{
    public RealEnginePack(string methods = "\"gradcam\", \"guided-gradcam\", \"smooth-gradcampp\"")
    {
        Root = Directory.CreateTempSubdirectory("squadstudy-realpack-").FullName;
        foreach (var folder in new[] { "models", "images", "annotations", "splits" })
        {
            Directory.CreateDirectory(Path.Combine(Root, folder));
        }
        var labels = Enumerable.Range(0, 10).Select(i => $"class{i}").ToArray();
        File.WriteAllLines(PathOf("labels.txt"), labels);
        File.WriteAllText(PathOf("consent.md"), "Consent.\n");
        File.WriteAllText(PathOf("study.json"), $$"""
            {
              "slug": "real-engine", "title": "Real engine", "consent": "consent.md",
              "models": ["gap", "res"],
              "experiments": [
                { "type": "discrimination", "models": ["gap", "res"], "methods": [{{methods}}], "questions": 4 },
                { "type": "comparison", "models": ["gap"], "methods": ["gradcam", "squadcam"], "questions": 2 }
              ],
              "completion": { "code": "REAL1", "redirect": null }
            }
            """);
        CopyModel("gap", "gaplinear_op13", 36, 24);
        CopyModel("res", "resnetlike_op13", 40, 32);
        var random = new Random(11);
        for (var i = 0; i < 6; i++)
        {
            var stem = $"img{i}";
            var pixels = new byte[48 * 40 * 3];
            random.NextBytes(pixels);
            File.WriteAllBytes(PathOf($"images/{stem}.png"), PngEncoder.Encode(new RgbImage(48, 40, pixels)));
            File.WriteAllText(PathOf($"annotations/{stem}.xml"),
                TestPack.Voc(stem, 48, 40, [(labels[i], 1, 1, 30, 30), (labels[(i + 3) % 10], 20, 15, 48, 40)]));
        }
        File.WriteAllLines(PathOf("splits/test.txt"), ["img0", "img1", "img2"]);
    }

    public string Root { get; }

    public string PathOf(string relative) => Path.Combine(Root, relative);

    public static string Fixtures
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "tests", "fixtures", "engine");
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }
            }
            throw new DirectoryNotFoundException("tests/fixtures/engine not found above the test binaries.");
        }
    }

    public void WriteMetadata(string key, int width, int height) =>
        File.WriteAllText(PathOf($"models/{key}.json"), JsonSerializer.Serialize(new
        {
            name = key,
            input = new { width, height },
            accuracy = new { top1 = 0.5, n = 3, split = "test" },
        }));

    private void CopyModel(string key, string fixture, int width, int height)
    {
        File.Copy(Path.Combine(Fixtures, fixture, "model.onnx"), PathOf($"models/{key}.onnx"));
        WriteMetadata(key, width, height);
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
