using SquadStudy.Engine.Explainers;

namespace SquadStudy.Engine.Tests.Zoo;

/// <summary>
/// torchvision's classification families exported at opset 17 with seeded random weights
/// (scripts/make_zoo_reference.py): the engine loads each through its study-pack metadata,
/// predicts PyTorch's logits and gives PyTorch's Grad-CAM and Grad-CAM++ at the default target layer.
/// </summary>
public class ZooModelTests
{
    public static TheoryData<string> Models() => new(ZooCache.Models);

    /// <summary>
    /// Relative error as issue 12 sets it: max_i |engine_i − torch_i| / max_i |torch_i| ≤ 1e-4, over
    /// the 1000 logits, against PyTorch's float32 forward of the same ONNX-exported weights.
    /// </summary>
    [ZooTheory]
    [MemberData(nameof(Models))]
    public void Logits_MatchPyTorch_Within1e4Relative(string name)
    {
        var zoo = ZooCache.Get(name);
        var expected = zoo.Array(zoo.Reference.GetProperty("logits").GetString()!);
        var logits = zoo.Model.Logits(zoo.Input);
        logits.Length.ShouldBe(expected.Length);
        double scale = expected.Max(MathF.Abs);
        scale.ShouldBeGreaterThan(0);
        double relative = Numeric.MaxAbsDifference(logits, expected) / scale;
        relative.ShouldBeLessThanOrEqualTo(1e-4, $"{name}: max |engine − torch| / max |torch|");
    }

    /// <summary>
    /// The default target layer generalises "the last Relu fed by a Conv": VGG-16's relu5_3, the last
    /// bottleneck, DenseNet's final ReLU, the features' output of MobileNetV3 (HardSwish), EfficientNet
    /// (SiLU's Mul) and ConvNeXt (residual Add). vit_b_16's metadata names the last block's ln_1
    /// tokens, which the engine reshapes to 768×14×14.
    /// </summary>
    [ZooTheory]
    [MemberData(nameof(Models))]
    public void TargetLayer_IsTheFamilysDefault(string name)
    {
        var zoo = ZooCache.Get(name);
        zoo.Model.TargetLayer.ShouldBe(zoo.Target.GetProperty("onnx_name").GetString());
        zoo.Model.TargetShape.ShouldBe(zoo.Target.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray());
        if (zoo.Target.GetProperty("kind").GetString() == "tokens") zoo.Options.TargetLayer.ShouldNotBeNull();
        else zoo.Options.TargetLayer.ShouldBeNull("the CNNs' metadata leaves the layer to the engine's default");
    }

    /// <summary>Pearson r ≥ 0.999 and max error ≤ 1e-3 of the map's range (DESIGN.md's parity bar).</summary>
    [ZooTheory]
    [MemberData(nameof(Models))]
    public void GradCamAndGradCamPlusPlus_MatchPyTorch(string name)
    {
        var zoo = ZooCache.Get(name);
        var expected = zoo.Reference.GetProperty("maps").EnumerateArray().ToList();
        expected.Select(m => m.GetProperty("method").GetString()).ShouldBe(["gradcam", "gradcampp"], ignoreOrder: true);
        var bundle = zoo.Model.Explain(zoo.Input, zoo.Class, expected.Select(m => MethodSpec.Parse(m.GetProperty("method").GetString()!)).ToList());
        foreach (var m in expected)
        {
            string method = m.GetProperty("method").GetString()!;
            var map = bundle[method];
            map.Shape.ShouldBe(m.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray(), $"{name} {method} shape");
            Numeric.ShouldMatchMap(map.Data, zoo.Array(m.GetProperty("file").GetString()!), $"{name} {method}.{zoo.Class}");
        }
    }
}
