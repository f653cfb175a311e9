using System.Text.Json;
using SquadStudy.Engine.Explainers;
using SquadStudy.Engine.Models;
using SquadStudy.Engine.Tensors;

namespace SquadStudy.Engine.Tests;

/// <summary>
/// The engine against PyTorch on the families' fixtures of scripts/make_engine_fixtures.py
/// (tests/fixtures/engine/families): small DenseNet, MobileNetV3, EfficientNet and ConvNeXt members
/// at opsets 13 and 17 and a two-block ViT at 17, with the tolerances of <see cref="ParityTests"/>.
/// The ViT's target is a token tensor, named as a model's metadata would name it and reshaped by
/// the engine to its patch grid.
/// </summary>
public class FamilyParityTests
{
    private static readonly string Root = FixturePaths.Engine("families");

    private static IEnumerable<string> FixtureNames() =>
        Directory.GetDirectories(Root).Order().Where(d => File.Exists(Path.Combine(d, "manifest.json"))).Select(d => Path.GetFileName(d)!);

    public static TheoryData<string> Fixtures() => new(FixtureNames());

    /// <summary>The families' fixtures without a Relu node (EfficientNet, ConvNeXt, ViT).</summary>
    public static TheoryData<string> ReluFreeFixtures() =>
        new(FixtureNames().Where(n => Read(n).Manifest.GetProperty("relu_count").GetInt32() == 0));

    private sealed record Fixture(JsonElement Manifest, string Dir, float[] Input, float[] Logits, int[] Classes)
    {
        public JsonElement Target => Manifest.GetProperty("target_layer");
        public string TargetName => Target.GetProperty("onnx_name").GetString()!;
        public bool IsTokenLayer => Target.GetProperty("kind").GetString() == "tokens";
        public int[] TargetShape => Target.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();
        public string DataPath(string relative) => Path.GetFullPath(Path.Combine(Dir, relative));
        public string OnnxPath => Path.Combine(Dir, Manifest.GetProperty("onnx").GetString()!);

        /// <summary>The model with its target layer named, as a study pack's metadata names it.</summary>
        public ExplanationModel LoadNamed() => ExplanationModel.Load(OnnxPath, new ModelOptions(TargetLayer: TargetName));
    }

    private static Fixture Read(string name)
    {
        string dir = Path.Combine(Root, name);
        var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "manifest.json"))).RootElement;
        float[] Array(string key) => Npy.ReadFile(Path.Combine(dir, manifest.GetProperty(key).GetString()!)).Data;
        var classes = manifest.GetProperty("classes").EnumerateArray().Select(c => c.GetInt32()).ToArray();
        return new Fixture(manifest, dir, Array("input"), Array("logits"), classes);
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Logits_MatchPyTorch(string fixture)
    {
        var f = Read(fixture);
        using var model = f.LoadNamed();
        var logits = model.Logits(f.Input);
        logits.Length.ShouldBe(f.Logits.Length);
        float scale = f.Logits.Max(MathF.Abs);
        for (int i = 0; i < logits.Length; i++)
            ((double)Math.Abs(logits[i] - f.Logits[i])).ShouldBeLessThanOrEqualTo(1e-4 * scale, $"logit {i}");
    }

    /// <summary>
    /// CNN families: with no layer named, the engine's default is the fixture's (DenseNet's final
    /// ReLU, the features' HardSwish / SiLU Mul / CNBlock Add). ViT: the named token layer is
    /// reshaped to C × grid, class token dropped.
    /// </summary>
    [Theory]
    [MemberData(nameof(Fixtures))]
    public void TargetLayer_IsTheFamilysLayer(string fixture)
    {
        var f = Read(fixture);
        using var model = f.IsTokenLayer ? f.LoadNamed() : ExplanationModel.Load(f.OnnxPath);
        model.TargetLayer.ShouldBe(f.TargetName);
        model.TargetShape.ShouldBe(f.TargetShape);
        if (f.IsTokenLayer)
        {
            var grid = f.Target.GetProperty("token_grid").EnumerateArray().Select(d => d.GetInt32()).ToArray();
            model.TargetShape[1..].ShouldBe(grid);
        }
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void EveryMethod_MatchesPyTorch(string fixture)
    {
        var f = Read(fixture);
        using var model = f.LoadNamed();
        ManifestMaps.ShouldMatchPyTorch(model, f.Input, f.Classes, f.Manifest, f.DataPath, fixture);
    }

    /// <summary>
    /// Guided Backprop and Deconvolution change only the Relu's backward: on a family without a Relu
    /// (EfficientNet's SiLU, ConvNeXt's and the ViT's GELU) both equal the plain gradient, as in PyTorch.
    /// </summary>
    [Theory]
    [MemberData(nameof(ReluFreeFixtures))]
    public void GuidedAndDeconv_EqualTheGradient_WhenTheModelHasNoRelu(string fixture)
    {
        var f = Read(fixture);
        using var model = f.LoadNamed();
        var maps = model.Explain(f.Input, f.Classes[0], [MethodSpec.Parse("gradient"), MethodSpec.Parse("guidedbp"), MethodSpec.Parse("deconv")]);
        maps["guidedbp"].Data.ShouldBe(maps["gradient"].Data, 1e-6f);
        maps["deconv"].Data.ShouldBe(maps["gradient"].Data, 1e-6f);
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void CamMethod_RunsOnlyOnGapLinearHeads(string fixture)
    {
        var f = Read(fixture);
        using var model = f.LoadNamed();
        if (f.Manifest.GetProperty("cam_applicable").GetBoolean())
            model.Explain(f.Input, f.Classes[0], [MethodSpec.Parse("cam")])["cam"].Data.ShouldNotBeEmpty();
        else
            Should.Throw<ExplanationException>(() => model.Explain(f.Input, f.Classes[0], [MethodSpec.Parse("cam")]));
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void BatchOfImagesAndClasses_EqualsOneByOne(string fixture)
    {
        var f = Read(fixture);
        using var model = f.LoadNamed();
        var flipped = new float[f.Input.Length];
        int w = model.InputWidth;
        for (int i = 0; i < f.Input.Length; i++) flipped[i] = f.Input[i - i % w + (w - 1 - i % w)];
        string[] names = ["gradcam", "gradcampp", "guidedbp", "guided-squadcam", "gradient"];
        var methods = names.Select(MethodSpec.Parse).ToList();

        var batched = model.Explain([f.Input, flipped], [f.Classes, [f.Classes[1]]], methods);
        var singleA = model.Explain([f.Input], [f.Classes], methods)[0];
        var singleB = model.Explain(flipped, f.Classes[1], methods);
        foreach (var name in names)
        {
            for (int j = 0; j < 2; j++)
                batched[0][j][name].Data.ShouldBe(singleA[j][name].Data, 1e-5f, $"{name} image 0 class {j}");
            batched[1][0][name].Data.ShouldBe(singleB[name].Data, 1e-5f, $"{name} image 1");
        }
    }
}
