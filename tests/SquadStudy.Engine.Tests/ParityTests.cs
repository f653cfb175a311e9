using System.Text.Json;
using SquadStudy.Engine.Explainers;
using SquadStudy.Engine.Models;
using SquadStudy.Engine.Tensors;

namespace SquadStudy.Engine.Tests;

/// <summary>
/// The engine against PyTorch on the fixtures of scripts/make_engine_fixtures.py: four small CNNs
/// (VGG-like, ResNet-like, GAP→linear, mixed operators) exported at opsets 11, 13 and 17 (the
/// newer families: FamilyParityTests).
/// </summary>
public class ParityTests
{
    public static TheoryData<string> Fixtures()
    {
        var data = new TheoryData<string>();
        foreach (var dir in Directory.GetDirectories(FixturePaths.EngineRoot).Order())
            if (File.Exists(Path.Combine(dir, "manifest.json"))) data.Add(Path.GetFileName(dir));
        return data;
    }

    [Fact]
    public void VitDefaultTargetLayer_WithoutMetadata_IsTheLastBlocksNorm1()
    {
        // The engine's own rule for transformers: the last token LayerNormalization feeding an
        // attention Softmax (pytorch-grad-cam's blocks[-1].norm1), reshaped to its patch grid.
        var f = Load("families/vitlike_op17");
        var target = f.Manifest.GetProperty("target_layer");
        f.Model.TargetLayer.ShouldBe(target.GetProperty("onnx_name").GetString());
        f.Model.TargetShape.ShouldBe(target.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray());
    }

    [Fact]
    public void Logits_ThenExplain_OnOneModel_EqualsExplainOnAFreshModel()
    {
        // Weights made on first use by a no-grad forward pass must stay usable by autograd.
        var used = Load("resnetlike_op13");
        var fresh = Load("resnetlike_op13");
        used.Model.Logits(used.Input);
        var methods = new[] { "gradcam", "guidedbp" }.Select(MethodSpec.Parse).ToList();
        var a = used.Model.Explain(used.Input, used.Classes[0], methods);
        var b = fresh.Model.Explain(fresh.Input, fresh.Classes[0], methods);
        foreach (var m in new[] { "gradcam", "guidedbp" }) a[m].Data.ShouldBe(b[m].Data);
    }

    private sealed record Fixture(JsonElement Manifest, string Dir, ExplanationModel Model, float[] Input, float[] Logits, int[] Classes)
    {
        public string DataPath(string relative) => Path.GetFullPath(Path.Combine(Dir, relative));
    }

    private static Fixture Load(string name)
    {
        string dir = FixturePaths.Engine(name);
        var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "manifest.json"))).RootElement;
        var model = ExplanationModel.Load(Path.Combine(dir, manifest.GetProperty("onnx").GetString()!));
        var input = Npy.ReadFile(Path.Combine(dir, manifest.GetProperty("input").GetString()!)).Data;
        var logits = Npy.ReadFile(Path.Combine(dir, manifest.GetProperty("logits").GetString()!)).Data;
        var classes = manifest.GetProperty("classes").EnumerateArray().Select(c => c.GetInt32()).ToArray();
        return new Fixture(manifest, dir, model, input, logits, classes);
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Logits_MatchPyTorch(string fixture)
    {
        var f = Load(fixture);
        var logits = f.Model.Logits(f.Input);
        logits.Length.ShouldBe(f.Logits.Length);
        float scale = f.Logits.Max(MathF.Abs);
        for (int i = 0; i < logits.Length; i++)
            ((double)Math.Abs(logits[i] - f.Logits[i])).ShouldBeLessThanOrEqualTo(1e-4 * scale, $"logit {i}");
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void DefaultTargetLayer_IsTheFixturesLayer(string fixture)
    {
        var f = Load(fixture);
        var target = f.Manifest.GetProperty("target_layer");
        f.Model.TargetLayer.ShouldBe(target.GetProperty("onnx_name").GetString());
        f.Model.TargetShape.ShouldBe(target.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray());
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void EveryMethod_MatchesPyTorch(string fixture)
    {
        var f = Load(fixture);
        ManifestMaps.ShouldMatchPyTorch(f.Model, f.Input, f.Classes, f.Manifest, f.DataPath, fixture);
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void CamMethod_FailsClearly_WhenHeadIsNotGapLinear(string fixture)
    {
        var f = Load(fixture);
        if (f.Manifest.GetProperty("cam_applicable").GetBoolean())
        {
            f.Model.Explain(f.Input, f.Classes[0], [MethodSpec.Parse("cam")])["cam"].Data.ShouldNotBeEmpty();
            return;
        }
        var e = Should.Throw<ExplanationException>(() => f.Model.Explain(f.Input, f.Classes[0], [MethodSpec.Parse("cam")]));
        e.Message.ShouldContain("GlobalAveragePool");
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void BatchOfImagesAndClasses_EqualsOneByOne(string fixture)
    {
        // Fixed-batch exports (opsets 11, 13) run a batch image by image; dynamic ones (17) in one pass.
        var f = Load(fixture);
        var flipped = new float[f.Input.Length];
        int w = f.Model.InputWidth;
        for (int i = 0; i < f.Input.Length; i++) flipped[i] = f.Input[i - i % w + (w - 1 - i % w)];
        string[] names = ["gradcam", "gradcampp", "guidedbp", "guided-squadcam", "gradient", "deconv-gradcam", "scorecam", "ablationcam", "eigencam", "hirescam"];
        var methods = names.Select(MethodSpec.Parse).ToList();

        var batched = f.Model.Explain([f.Input, flipped], [f.Classes, [f.Classes[1]]], methods);
        var singleA = f.Model.Explain([f.Input], [f.Classes], methods)[0];
        var singleB = f.Model.Explain(flipped, f.Classes[1], methods);
        foreach (var name in names)
        {
            for (int j = 0; j < 2; j++)
                batched[0][j][name].Data.ShouldBe(singleA[j][name].Data, Tolerance(name, singleA[j][name].Data), $"{name} image 0 class {j}");
            batched[1][0][name].Data.ShouldBe(singleB[name].Data, Tolerance(name, singleB[name].Data), $"{name} image 1");
        }
    }

    /// <summary>
    /// 1e-5 absolute; for the pytorch-grad-cam methods 1e-5 of the map's largest value: their maps
    /// are not scaled (Eigen-CAM's projection, Ablation-CAM's (y − y_k)/y weights reach tens), and
    /// they carry the last-bit differences between A from a batch of two and from a batch of one
    /// (oneDNN picks its kernels by batch size) at that scale.
    /// </summary>
    private static float Tolerance(string method, float[] reference) =>
        method is "ablationcam" or "eigencam" or "scorecam" or "hirescam" ? 1e-5f * Math.Max(1f, reference.Max(MathF.Abs)) : 1e-5f;
}
