using System.Globalization;
using SquadStudy.Engine.Explainers;
using SquadStudy.Engine.Models;
using SquadStudy.Engine.Tensors;

namespace SquadStudy.Engine.Tests;

/// <summary>
/// Method names with parameters (issue 13): parsing into the option records, the canonical
/// spelling, the error messages, the comma list, and that the parameters reach the explainers.
/// </summary>
public class MethodNameTests
{
    private static readonly Lazy<(ExplanationModel Model, float[] Input)> Resnet = new(() =>
        (ExplanationModel.Load(FixturePaths.Engine("resnetlike_op17", "model.onnx")),
         Npy.ReadFile(FixturePaths.Engine("resnetlike_op13", "input.npy")).Data));

    [Fact]
    public void Parse_WritesEachParameterIntoItsOptionsRecord()
    {
        var ig = MethodSpec.Parse("integrated-gradients(steps=128,baseline=blur)");
        ig.Method.ShouldBe(ExplanationMethod.IntegratedGradients);
        ig.IntegratedGradients.ShouldBe(new IntegratedGradientsOptions(Steps: 128, Baseline: AttributionBaseline.Blur));

        MethodSpec.Parse("smoothgrad(n=25,sigma=0.2,seed=3)").SmoothGrad.ShouldBe(new SmoothGradOptions(Samples: 25, Spread: 0.2f, Seed: 3));
        MethodSpec.Parse("occlusion(window=12,stride=6)").Occlusion.ShouldBe(new OcclusionOptions(Window: 12, Stride: 6));
        MethodSpec.Parse("rise(masks=2000,seed=7)").Rise.ShouldBe(new RiseOptions(Masks: 2000, Seed: 7));

        var guided = MethodSpec.Parse("guided-smooth-gradcampp(n=8,sigma=0.3,seed=4)");
        guided.Guidance.ShouldBe(PixelGuidance.Guided);
        guided.Method.ShouldBe(ExplanationMethod.SmoothGradCamPlusPlus);
        guided.Smooth.ShouldBe(new SmoothOptions(Samples: 8, Spread: 0.3f, Seed: 4));
    }

    [Fact]
    public void Parse_LeavesTheOtherMethodsOptionsAtTheirDefaults()
    {
        var spec = MethodSpec.Parse("rise(masks=10)");
        spec.ShouldBe(new MethodSpec(ExplanationMethod.Rise) { Rise = new RiseOptions(Masks: 10) });
        spec.SmoothGrad.ShouldBe(new SmoothGradOptions());
        spec.Occlusion.ShouldBe(new OcclusionOptions());
    }

    [Theory]
    [InlineData("smoothgrad(sigma=0.15,n=8)", "smoothgrad(n=8)")]
    [InlineData("occlusion()", "occlusion")]
    [InlineData("gradcam()", "gradcam")]
    [InlineData("occlusion(window=16,stride=8)", "occlusion")]
    [InlineData("occlusion(stride=4,window=16)", "occlusion(stride=4)")]
    [InlineData(" Rise( seed = 7 , masks=2000 ) ", "rise(masks=2000,seed=7)")]
    [InlineData("smoothgrad(sigma=0.150,n=008)", "smoothgrad(n=8)")]
    [InlineData("smoothgrad(sigma=.2,n=+9)", "smoothgrad(n=9,sigma=0.2)")]
    [InlineData("smoothgrad(sigma=1.0)", "smoothgrad(sigma=1)")]
    [InlineData("smoothgrad(sigma=0.000001)", "smoothgrad(sigma=0.000001)")]
    [InlineData("smoothgrad(seed=0,sigma=0)", "smoothgrad(sigma=0)")]
    [InlineData("integrated-gradients(baseline=BLUR,steps=50)", "integrated-gradients(baseline=blur)")]
    [InlineData("integrated-gradients(baseline=zero,steps=128)", "integrated-gradients(steps=128)")]
    [InlineData("guided-smooth-gradcampp(seed=3,n=25)", "guided-smooth-gradcampp(seed=3)")]
    [InlineData("deconv-smooth-gradcampp(n=4)", "deconv-smooth-gradcampp(n=4)")]
    public void Name_IsCanonical_AndParsesBackToTheSameSpec(string spelling, string canonical)
    {
        var spec = MethodSpec.Parse(spelling);
        spec.Name.ShouldBe(canonical);
        MethodSpec.Parse(canonical).ShouldBe(spec);
        MethodSpec.Parse(canonical).Name.ShouldBe(canonical);
    }

    [Fact]
    public void Name_OfEverySixDecimalSigma_RoundTrips()
    {
        var random = new Random(13);
        for (int i = 0; i < 500; i++)
        {
            decimal sigma = random.Next(0, 1_000_001) / 1_000_000m;
            string text = sigma.ToString("0.######", CultureInfo.InvariantCulture);
            var spec = MethodSpec.Parse($"smoothgrad(sigma={text})");
            spec.Name.ShouldBe(sigma == 0.15m ? "smoothgrad" : $"smoothgrad(sigma={text})");
            MethodSpec.Parse(spec.Name).ShouldBe(spec);
        }
    }

    [Fact]
    public void Name_OfOptionsSetInCode_ShowsTheNonDefaultParameters()
    {
        var spec = new MethodSpec(ExplanationMethod.Occlusion) { Occlusion = new OcclusionOptions(Window: 32, Stride: 8, BatchSize: 4) };
        spec.Name.ShouldBe("occlusion(window=32)");
        (new MethodSpec(ExplanationMethod.GradCam) { Transform = WeightTransform.Of(WeightTransformStep.Square) }).Name.ShouldBe("gradcam+square");
    }

    [Theory]
    [InlineData("rise(masks=20", "missing ')' after '(masks=20'")]
    [InlineData("rise(mask=20)", "unknown parameter 'mask' in 'mask=20'; rise takes masks (a whole number from 1 to 100000, default 4000), seed (a whole number from 0 to 2147483647, default 0)")]
    [InlineData("smoothgrad(n=5,sigma=0.1,n=6)", "parameter 'n' of smoothgrad is given twice ('n=5' and 'n=6')")]
    [InlineData("occlusion(window=)", "'window=': the value is empty; window of occlusion is a whole number from 1 to 1024")]
    [InlineData("smoothgrad(sigma=abc)", "'sigma=abc': the value is not a number; sigma of smoothgrad is a number from 0 to 1 with at most 6 decimals")]
    [InlineData("smoothgrad(sigma=1e-3)", "'sigma=1e-3': the value is not a number")]
    [InlineData("smoothgrad(sigma=1.5)", "'sigma=1.5': the value is out of range; sigma of smoothgrad is a number from 0 to 1")]
    [InlineData("smoothgrad(sigma=0.1234567)", "'sigma=0.1234567': the value is more precise than 6 decimals")]
    [InlineData("occlusion(stride=0)", "'stride=0': the value is out of range; stride of occlusion is a whole number from 1 to 1024")]
    [InlineData("rise(seed=-1)", "'seed=-1': the value is out of range; seed of rise is a whole number from 0 to 2147483647")]
    [InlineData("rise(masks=99999999999999999999999999999999)", "'masks=99999999999999999999999999999999': the value is not a whole number")]
    [InlineData("integrated-gradients(steps=12.5)", "'steps=12.5': the value is not a whole number; steps of integrated-gradients is a whole number from 1 to 4096")]
    [InlineData("integrated-gradients(baseline=grey)", "'baseline=grey': the value is not a choice; baseline of integrated-gradients is one of zero, black, blur")]
    [InlineData("gradcam(n=5)", "gradcam takes no parameters (got '(n=5)')")]
    [InlineData("smoothgrad(n)", "'n' is not key=value; smoothgrad takes n (")]
    [InlineData("smoothgrad(n=5,)", "an empty parameter in '(n=5,)'")]
    [InlineData("rise(masks=5)x", "unexpected 'x' after ')'")]
    [InlineData("rise(masks=(5))", "unexpected '(' in '(masks=(5))'")]
    [InlineData("rise masks=5)", "')' without '('")]
    [InlineData("guided-smooth-gradcampp(n=0)", "'n=0': the value is out of range; n of guided-smooth-gradcampp is a whole number from 1 to 10000")]
    public void Parse_NamesTheWrongPart_AndWhatItAllows(string name, string expected)
    {
        var e = Should.Throw<ArgumentException>(() => MethodSpec.Parse(name));
        e.Message.ShouldStartWith($"method '{name}': ");
        e.Message.ShouldContain(expected);
        MethodSpec.Problem(name).ShouldBe(e.Message);
    }

    [Fact]
    public void Parse_OfAnUnknownMethodWithParameters_SaysItIsUnknown()
    {
        var e = Should.Throw<ArgumentException>(() => MethodSpec.Parse("guided-rise(masks=5)"));
        e.Message.ShouldStartWith("unknown method 'guided-rise(masks=5)' (known: ");
        MethodSpec.Problem("rise(masks=5)").ShouldBeNull();
    }

    [Fact]
    public void SplitList_SplitsAtCommasOutsideParentheses()
    {
        MethodSpec.SplitList("gradcam, smoothgrad(n=8,seed=1),,rise(masks=5) ")
            .ShouldBe(["gradcam", "smoothgrad(n=8,seed=1)", "rise(masks=5)"]);
        MethodSpec.SplitList("rise(masks=20,seed=1").ShouldBe(["rise(masks=20,seed=1"]);
        MethodSpec.SplitList("").ShouldBeEmpty();
    }

    [Fact]
    public void OcclusionStride_FromTheName_ReachesTheExplainer()
    {
        var (model, input) = Resnet.Value;
        var fine = MethodSpec.Parse("occlusion(window=8,stride=4)");
        var coarse = MethodSpec.Parse("occlusion(window=8,stride=8)");
        var bundle = model.Explain(input, 2, [fine, coarse]);
        bundle.Maps.Keys.Order().ShouldBe(["occlusion(window=8)", "occlusion(window=8,stride=4)"]);
        var a = bundle[fine.Name].Data;
        var b = bundle[coarse.Name].Data;
        Numeric.MaxAbsDifference(a, b).ShouldBeGreaterThan(1e-3 * (a.Max() - a.Min()));
        var direct = new MethodSpec(ExplanationMethod.Occlusion) { Occlusion = new OcclusionOptions(Window: 8, Stride: 4) };
        model.Explain(input, 2, [direct])[direct.Name].Data.ShouldBe(a);
    }

    [Fact]
    public void SmoothGradSamples_FromTheName_ChangeTheMap_DeterministicallyFromTheSeed()
    {
        var (model, input) = Resnet.Value;
        float[] Map(string name) => model.Explain(input, 2, [MethodSpec.Parse(name)])[MethodSpec.Parse(name).Name].Data;
        var three = Map("smoothgrad(n=3,seed=5)");
        Map("smoothgrad(seed=5,n=3)").ShouldBe(three);
        var four = Map("smoothgrad(n=4,seed=5)");
        Numeric.MaxAbsDifference(three, four).ShouldBeGreaterThan(1e-3 * (three.Max() - three.Min()));
        var otherSeed = Map("smoothgrad(n=3,seed=6)");
        Numeric.MaxAbsDifference(three, otherSeed).ShouldBeGreaterThan(1e-3 * (three.Max() - three.Min()));
        var direct = new MethodSpec(ExplanationMethod.SmoothGrad) { SmoothGrad = new SmoothGradOptions(Samples: 3, Seed: 5) };
        model.Explain(input, 2, [direct])[direct.Name].Data.ShouldBe(three);
    }

    [Theory]
    [InlineData("integrated-gradients(steps=6,baseline=black)")]
    [InlineData("rise(masks=30,seed=7)")]
    [InlineData("smooth-gradcampp(n=3,sigma=0.25,seed=2)")]
    public void ParametersFromTheName_GiveTheMapOfTheOptionsRecord(string name)
    {
        var (model, input) = Resnet.Value;
        var parsed = MethodSpec.Parse(name);
        var direct = new MethodSpec(parsed.Method)
        {
            IntegratedGradients = new IntegratedGradientsOptions(Steps: 6, Baseline: AttributionBaseline.Black),
            Rise = new RiseOptions(Masks: 30, Seed: 7),
            Smooth = new SmoothOptions(Samples: 3, Spread: 0.25f, Seed: 2),
        };
        var fromName = model.Explain(input, 1, [parsed])[name].Data;
        model.Explain(input, 1, [direct])[name].Data.ShouldBe(fromName);
        var defaults = new MethodSpec(parsed.Method) with { Rise = new RiseOptions(Masks: 30), Smooth = new SmoothOptions(Samples: 3) };
        Numeric.MaxAbsDifference(model.Explain(input, 1, [defaults])[defaults.Name].Data, fromName).ShouldBeGreaterThan(0);
    }
}
