using SquadStudy.Engine.Imaging;

namespace SquadStudy.Web.Tests.FirstRun;

/// <summary>
/// A pack shaped like the demo (slug <c>demo</c>, two models, the three experiments) but small, on
/// two of the engine parity models (tests/fixtures/engine): eight 48×40 PNGs from a fixed seed,
/// each with boxes of two classes.
/// </summary>
internal sealed class SmallDemoPack : IDisposable
{
    public SmallDemoPack()
    {
        Root = Directory.CreateTempSubdirectory("squadstudy-firstrun-pack-").FullName;
        foreach (var folder in new[] { "models", "images", "annotations", "splits" })
        {
            Directory.CreateDirectory(Path.Combine(Root, folder));
        }
        var labels = Enumerable.Range(0, 10).Select(i => $"shape{i}").ToArray();
        File.WriteAllLines(PathOf("labels.txt"), labels);
        File.WriteAllText(PathOf("consent.md"), "# Consent\nYou may withdraw at any time.\n");
        File.WriteAllText(PathOf("study.json"), """
            {
              "slug": "demo", "title": "Small demo", "consent": "consent.md",
              "models": ["gap", "res"],
              "experiments": [
                { "type": "discrimination", "models": ["gap", "res"], "methods": ["gradcam", "guided-gradcam"], "questions": 4 },
                { "type": "comparison", "models": ["gap"], "methods": ["gradcam", "squadcam"], "questions": 2 }
              ],
              "attention_checks": [ { "after": 2, "prompt": "Choose Neither.", "answer": "Neither" } ],
              "completion": { "code": "SMALL1", "redirect": "prolific" }
            }
            """);
        var fixtures = Fixtures();
        File.Copy(Path.Combine(fixtures, "gaplinear_op13", "model.onnx"), PathOf("models/gap.onnx"));
        File.WriteAllText(PathOf("models/gap.json"), """{ "name": "GAP net", "input": { "width": 36, "height": 24 } }""");
        File.Copy(Path.Combine(fixtures, "resnetlike_op13", "model.onnx"), PathOf("models/res.onnx"));
        File.WriteAllText(PathOf("models/res.json"), """{ "name": "ResNet-like", "input": { "width": 40, "height": 32 } }""");
        var random = new Random(5);
        for (var i = 0; i < 8; i++)
        {
            var pixels = new byte[48 * 40 * 3];
            random.NextBytes(pixels);
            File.WriteAllBytes(PathOf($"images/img{i}.png"), PngEncoder.Encode(new RgbImage(48, 40, pixels)));
            File.WriteAllText(PathOf($"annotations/img{i}.xml"), $"""
                <annotation><size><width>48</width><height>40</height><depth>3</depth></size>
                  <object><name>{labels[i]}</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>30</xmax><ymax>30</ymax></bndbox></object>
                  <object><name>{labels[(i + 1) % 10]}</name><bndbox><xmin>25</xmin><ymin>20</ymin><xmax>48</xmax><ymax>40</ymax></bndbox></object>
                </annotation>
                """);
        }
    }

    public string Root { get; }

    private string PathOf(string relative) => Path.Combine(Root, relative);

    private static string Fixtures()
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

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
