using SquadStudy.Engine.Explainers;
using SquadStudy.Engine.Models;
using SquadStudy.Engine.Tensors;

namespace SquadStudy.Engine.Tests;

/// <summary>Every method through the facade: shape, finiteness, determinism; and the option records.</summary>
public class ExplainerContractTests
{
    private static readonly Lazy<(ExplanationModel Model, float[] Input)> Resnet = new(() =>
    {
        var model = ExplanationModel.Load(FixturePaths.Engine("resnetlike_op17", "model.onnx"));
        var input = Npy.ReadFile(FixturePaths.Engine("resnetlike_op13", "input.npy")).Data;
        return (model, input);
    });

    public static TheoryData<string> AllMethods() => new(MethodSpec.AllNames);

    [Theory]
    [MemberData(nameof(AllMethods))]
    public void EveryMethod_HasItsShape_IsFinite_AndDeterministic(string name)
    {
        var (model, input) = Resnet.Value;
        var spec = MethodSpec.Parse(name) with
        {
            Smooth = new SmoothOptions(Samples: 3, Seed: 7),
            IntegratedGradients = new IntegratedGradientsOptions(Steps: 8),
            SmoothGrad = new SmoothGradOptions(Samples: 3, Seed: 7),
            Rise = new RiseOptions(Masks: 50, Seed: 7),
        };
        var first = model.Explain(input, 2, [spec])[spec.Name];
        var second = model.Explain(input, 2, [spec])[spec.Name];

        int[] expectedShape = spec.IsCamFamily && spec.Guidance == PixelGuidance.None
            ? model.TargetShape[1..]
            : spec.Method is ExplanationMethod.Occlusion or ExplanationMethod.Rise
                ? [model.InputHeight, model.InputWidth]
                : [model.Channels, model.InputHeight, model.InputWidth];
        first.Shape.ShouldBe(expectedShape);
        first.Data.Length.ShouldBe(ShapeUtil.Size(expectedShape));
        first.Data.ShouldAllBe(v => float.IsFinite(v));
        first.Data.ShouldBe(second.Data);
        first.ClassIndex.ShouldBe(2);
        if (spec.IsCamFamily && spec.Guidance == PixelGuidance.None) first.Data.ShouldAllBe(v => v >= 0f);
    }

    [Fact]
    public void Parse_RejectsUnknownNames_ListingTheKnownOnes()
    {
        var e = Should.Throw<ArgumentException>(() => MethodSpec.Parse("guided-gradient"));
        e.Message.ShouldContain("unknown method 'guided-gradient'");
        e.Message.ShouldContain("smooth-gradcampp");
        MethodSpec.Parse("deconv-gradcampp").ShouldBe(new MethodSpec(ExplanationMethod.GradCamPlusPlus, PixelGuidance.Deconvolution));
    }

    [Fact]
    public void SquareTransformOfGradCam_EqualsSquadCam()
    {
        var (model, input) = Resnet.Value;
        var squared = MethodSpec.Parse("gradcam") with { Transform = WeightTransform.Of(WeightTransformStep.Square) };
        var bundle = model.Explain(input, 0, [squared, MethodSpec.Parse("squadcam")]);
        squared.Name.ShouldBe("gradcam+square");
        bundle["gradcam+square"].Data.ShouldBe(bundle["squadcam"].Data, 1e-6f);
    }

    [Fact]
    public void NegateTransformOfGradCam_EqualsCounterfactualGradCam()
    {
        var (model, input) = Resnet.Value;
        var negated = MethodSpec.Parse("gradcam") with { Transform = WeightTransform.Identity.Then(WeightTransformStep.Negate) };
        var bundle = model.Explain(input, 3, [negated, MethodSpec.Parse("counterfactual-gradcam")]);
        bundle["gradcam+negate"].Data.ShouldBe(bundle["counterfactual-gradcam"].Data, 1e-6f);
    }

    [Fact]
    public void ReluTransformOfHiResCam_EqualsLayerCam()
    {
        // Element-wise weights take the transform per activation: ReLU(g) ⊙ A is Layer-CAM (Jiang et al. Eq. 5).
        var (model, input) = Resnet.Value;
        var rectified = MethodSpec.Parse("hirescam") with { Transform = WeightTransform.Of(WeightTransformStep.Relu) };
        var bundle = model.Explain(input, 1, [rectified, MethodSpec.Parse("layercam"), MethodSpec.Parse("hirescam")]);
        bundle["hirescam+relu"].Data.ShouldBe(bundle["layercam"].Data, 1e-6f);
        bundle["hirescam"].Data.ShouldNotBe(bundle["layercam"].Data);
    }

    [Fact]
    public void EigenCam_IsTheSameForEveryClass_AndScoreCamIsNot()
    {
        var (model, input) = Resnet.Value;
        var methods = new[] { MethodSpec.Parse("eigencam"), MethodSpec.Parse("scorecam") };
        var bundles = model.Explain([input], [[0, 1, 2]], methods)[0];
        bundles[1]["eigencam"].Data.ShouldBe(bundles[0]["eigencam"].Data);
        bundles[2]["eigencam"].Data.ShouldBe(bundles[0]["eigencam"].Data);
        bundles[0]["eigencam"].Data.ShouldContain(v => v > 0f);
        bundles[1]["scorecam"].Data.ShouldNotBe(bundles[0]["scorecam"].Data);
    }

    [Fact]
    public void ForwardOnlyMethods_ReportEachBatchOfForwardPasses_OthersReportNothing()
    {
        // resnetlike_op17 has a dynamic batch: 32 channels are 2 batches of 16 masked inputs, 1 of 32 ablated copies.
        var (model, input) = Resnet.Value;
        var reports = new List<ExplainProgress>();
        var progress = new ListProgress(reports);
        model.Explain(input, 3, [MethodSpec.Parse("gradcam"), MethodSpec.Parse("guidedbp"), MethodSpec.Parse("eigencam")], progress);
        reports.ShouldBeEmpty();

        model.Explain([input, input], [[3], [5]], [MethodSpec.Parse("scorecam"), MethodSpec.Parse("guided-scorecam"), MethodSpec.Parse("ablationcam")], progress);
        reports.ShouldBe([
            new("scorecam", 0, 3, 16, 32), new("scorecam", 0, 3, 32, 32), new("ablationcam", 0, 3, 32, 32),
            new("scorecam", 1, 5, 16, 32), new("scorecam", 1, 5, 32, 32), new("ablationcam", 1, 5, 32, 32),
        ]);
    }

    [Fact]
    public void EigenCam_OrientsTheComponent_SoTheActivatedPositionIsPositive()
    {
        // Two maps active only at position 0 (10 and 5): the first component is (2, 1)/√5 up to its sign;
        // the centred maps project to 18.75/√5 there and −6.25/√5 elsewhere, which the ReLU removes.
        float[] a = [10f, 0f, 0f, 0f, 5f, 0f, 0f, 0f];
        var map = CamExplainer.For(ExplanationMethod.EigenCam).Explain(new CamInputs(2, 2, 2, a, new float[8], 0), WeightTransform.Identity);
        map.ShouldBe([18.75f / MathF.Sqrt(5f), 0f, 0f, 0f], 1e-5f);
    }

    [Fact]
    public void ForwardOnlyProgress_OnAFixedBatchExport_NamesEachImageOfTheCall()
    {
        // resnetlike_op13 declares a batch of 1: images run one by one, and so do the 32 ablated copies.
        using var model = ExplanationModel.Load(FixturePaths.Engine("resnetlike_op13", "model.onnx"));
        var input = Resnet.Value.Input;
        var reports = new List<ExplainProgress>();
        model.Explain([input, input], [[3], [5]], [MethodSpec.Parse("ablationcam")], new ListProgress(reports));
        reports.Count.ShouldBe(64);
        reports.Take(32).ShouldAllBe(r => r.Image == 0 && r.ClassIndex == 3);
        reports.Skip(32).ShouldAllBe(r => r.Image == 1 && r.ClassIndex == 5);
        reports.Select(r => r.Done).ShouldBe(Enumerable.Range(1, 32).Concat(Enumerable.Range(1, 32)));
    }

    private sealed class ListProgress(List<ExplainProgress> reports) : IProgress<ExplainProgress>
    {
        public void Report(ExplainProgress value) => reports.Add(value);
    }

    [Fact]
    public void WeightTransforms_Compose_LeftToRight()
    {
        float[] w = [-2f, 3f];
        WeightTransform.Of(WeightTransformStep.Negate, WeightTransformStep.Relu).Apply(w);
        w.ShouldBe([2f, 0f]);
        float[] v = [-2f, 3f];
        WeightTransform.Of(WeightTransformStep.Abs, WeightTransformStep.Square).Apply(v);
        v.ShouldBe([4f, 9f]);
    }

    [Fact]
    public void SmoothGradCamPlusPlus_SameSeedSameMap_OtherSeedOtherMap()
    {
        var (model, input) = Resnet.Value;
        MethodSpec Spec(int seed) => MethodSpec.Parse("smooth-gradcampp") with { Smooth = new SmoothOptions(Samples: 4, Seed: seed) };
        var a = model.Explain(input, 2, [Spec(1)])["smooth-gradcampp(n=4,seed=1)"].Data;
        var b = model.Explain(input, 2, [Spec(1)])["smooth-gradcampp(n=4,seed=1)"].Data;
        var c = model.Explain(input, 2, [Spec(2)])["smooth-gradcampp(n=4,seed=2)"].Data;
        a.ShouldBe(b);
        a.ShouldNotBe(c);
    }

    [Fact]
    public void SmoothGradCamPlusPlus_FeatureMapSubset_UsesOnlyThoseMaps()
    {
        var (model, input) = Resnet.Value;
        var noise = new[] { new float[model.InputLength] }; // σ = 0: one clean copy, so the map is Grad-CAM++'s
        var all = model.Explain(input, 2, [MethodSpec.Parse("smooth-gradcampp") with { Smooth = new SmoothOptions { Noise = noise } }]);
        var plusPlus = model.Explain(input, 2, [MethodSpec.Parse("gradcampp")]);
        all["smooth-gradcampp"].Data.ShouldBe(plusPlus["gradcampp"].Data, 1e-5f);

        var none = model.Explain(input, 2, [MethodSpec.Parse("smooth-gradcampp") with { Smooth = new SmoothOptions { Noise = noise, FeatureMaps = [] } }]);
        none["smooth-gradcampp"].Data.ShouldAllBe(v => v == 0f);
        var region = model.Explain(input, 2, [MethodSpec.Parse("smooth-gradcampp") with { Smooth = new SmoothOptions { Noise = noise, Region = new NeuronRegion(0, 0, 0, 0) } }]);
        region["smooth-gradcampp"].Data.ShouldAllBe(v => v == 0f);
    }

    [Fact]
    public void ClassOutOfRange_AndWrongInputLength_AreClearErrors()
    {
        var (model, input) = Resnet.Value;
        Should.Throw<ExplanationException>(() => model.Explain(input, 10, [MethodSpec.Parse("gradcam")]))
            .Message.ShouldContain("class index 10 is out of range");
        Should.Throw<ExplanationException>(() => model.Predict(new float[5]))
            .Message.ShouldContain("the model expects 3×32×40");
    }

    [Fact]
    public void Predict_SortsByLogit_WithSoftmaxProbabilities()
    {
        var (model, input) = Resnet.Value;
        var top = model.Predict(input, 3);
        top.Length.ShouldBe(3);
        top[0].Logit.ShouldBeGreaterThanOrEqualTo(top[1].Logit);
        var logits = model.Logits(input);
        double sum = logits.Sum(l => Math.Exp(l - logits.Max()));
        top[0].Probability.ShouldBe((float)(Math.Exp(top[0].Logit - logits.Max()) / sum), 1e-6f);
    }

    [Fact]
    public void ConcurrentExplanations_EqualSequentialOnes()
    {
        var (model, input) = Resnet.Value;
        var methods = new[] { MethodSpec.Parse("gradcam"), MethodSpec.Parse("guided-gradcampp") };
        var expected = Enumerable.Range(0, 4).Select(c => model.Explain(input, c, methods)).ToArray();
        var actual = new ExplanationBundle[4];
        Parallel.For(0, 4, c => actual[c] = model.Explain(input, c, methods));
        for (int c = 0; c < 4; c++)
            actual[c]["guided-gradcampp"].Data.ShouldBe(expected[c]["guided-gradcampp"].Data);
    }
}
