using SquadStudy.Engine.Explainers;
using SquadStudy.Engine.Imaging;
using SquadStudy.Engine.Models;
using SquadStudy.Engine.Tensors;

namespace SquadStudy.Cli.Tests;

public class ExplainCommandTests : CliTestBase
{
    [Fact]
    public void Explain_WritesPngAndNpyPerMethod_WithTheDocumentedShapes()
    {
        string image = Image("cat.png");
        string outDir = Path.Combine(Temp, "out");
        var result = Run("explain", "--model", ResnetModel, "--image", image, "--method", "gradcam,guidedbp,guided-squadcam,gradient",
            "--target", "4", "--out", outDir, "--raw");

        result.ExitCode.ShouldBe(0, result.Error);
        result.Error.ShouldBeEmpty();
        foreach (var m in new[] { "gradcam", "guidedbp", "guided-squadcam", "gradient" })
        {
            File.Exists(Path.Combine(outDir, $"cat.{m}.4.png")).ShouldBeTrue(m);
            var png = ImageDecoder.DecodeFile(Path.Combine(outDir, $"cat.{m}.4.png"));
            (png.Width, png.Height).ShouldBe((40, 32));
        }
        var (cam, camShape) = Npy.ReadFile(Path.Combine(outDir, "cat.gradcam.4.npy"));
        camShape.ShouldBe([4, 5]);
        Npy.ReadFile(Path.Combine(outDir, "cat.guided-squadcam.4.npy")).Shape.ShouldBe([3, 32, 40]);

        using var model = ExplanationModel.Load(ResnetModel);
        var input = Preprocessing.ToTensor(ImageDecoder.DecodeFile(image), new PreprocessOptions(40, 32));
        cam.ShouldBe(model.Explain(input, 4, [MethodSpec.Parse("gradcam")])["gradcam"].Data);
    }

    [Fact]
    public void Explain_PixelAttributions_WriteTheirMaps_AndReportProgressOnStderr()
    {
        string image = Image("cat.png");
        string outDir = Path.Combine(Temp, "out");
        var result = Run("explain", "--model", ResnetModel, "--image", image, "--method", "occlusion,integrated-gradients",
            "--target", "4", "--out", outDir, "--raw");

        result.ExitCode.ShouldBe(0, result.Error);
        // Defaults: 3×4 positions of a 16-pixel window at stride 8 plus the clean input; 50 steps, 51 points.
        result.ErrorLines.ShouldContain("cat.png occlusion class 4: 13/13 model evaluations");
        result.ErrorLines.ShouldContain("cat.png integrated-gradients class 4: 51/51 model evaluations");
        result.ErrorLines.ShouldAllBe(l => l.StartsWith("cat.png ") && l.EndsWith(" model evaluations"));
        foreach (var m in new[] { "occlusion", "integrated-gradients" })
        {
            var png = ImageDecoder.DecodeFile(Path.Combine(outDir, $"cat.{m}.4.png"));
            (png.Width, png.Height).ShouldBe((40, 32));
        }
        var (occlusion, shape) = Npy.ReadFile(Path.Combine(outDir, "cat.occlusion.4.npy"));
        shape.ShouldBe([32, 40]);
        Npy.ReadFile(Path.Combine(outDir, "cat.integrated-gradients.4.npy")).Shape.ShouldBe([3, 32, 40]);

        using var model = ExplanationModel.Load(ResnetModel);
        var input = Preprocessing.ToTensor(ImageDecoder.DecodeFile(image), new PreprocessOptions(40, 32));
        occlusion.ShouldBe(model.Explain(input, 4, [MethodSpec.Parse("occlusion")])["occlusion"].Data);
    }

    [Fact]
    public void Explain_ParametrisedMethods_WriteMapsUnderTheirCanonicalNames_WithThoseParameters()
    {
        string image = Image("cat.png");
        string outDir = Path.Combine(Temp, "out");
        var result = Run("explain", "--model", ResnetModel, "--image", image,
            "--method", "occlusion(stride=4,window=8), smoothgrad(sigma=0.15,n=3,seed=2),gradcam,occlusion(window=8,stride=4)",
            "--target", "4", "--out", outDir, "--raw");

        result.ExitCode.ShouldBe(0, result.Error);
        result.Out.ShouldContain("wrote 3 explanations");
        // 7×9 positions of an 8-pixel window at stride 4 on the 40×32 input, plus the clean input.
        result.ErrorLines.ShouldContain("cat.png occlusion(window=8,stride=4) class 4: 64/64 model evaluations");
        result.ErrorLines.ShouldContain("cat.png smoothgrad(n=3,seed=2) class 4: 3/3 model evaluations");
        Directory.GetFiles(outDir, "*.npy").Select(Path.GetFileName).Order()
            .ShouldBe(["cat.gradcam.4.npy", "cat.occlusion(window=8,stride=4).4.npy", "cat.smoothgrad(n=3,seed=2).4.npy"]);

        using var model = ExplanationModel.Load(ResnetModel);
        var input = Preprocessing.ToTensor(ImageDecoder.DecodeFile(image), new PreprocessOptions(40, 32));
        var occlusion = new MethodSpec(ExplanationMethod.Occlusion) { Occlusion = new OcclusionOptions(Window: 8, Stride: 4) };
        var smoothGrad = new MethodSpec(ExplanationMethod.SmoothGrad) { SmoothGrad = new SmoothGradOptions(Samples: 3, Seed: 2) };
        var expected = model.Explain(input, 4, [occlusion, smoothGrad, MethodSpec.Parse("occlusion")]);
        var written = Npy.ReadFile(Path.Combine(outDir, "cat.occlusion(window=8,stride=4).4.npy")).Data;
        written.ShouldBe(expected[occlusion.Name].Data);
        written.ShouldNotBe(expected["occlusion"].Data);
        Npy.ReadFile(Path.Combine(outDir, "cat.smoothgrad(n=3,seed=2).4.npy")).Data.ShouldBe(expected[smoothGrad.Name].Data);
    }

    [Fact]
    public void Explain_Top1AndPerImageTargets_NameFilesByClass()
    {
        string a = Image("a.png", seed: 1), b = Image("b.png", seed: 2);
        string outDir = Path.Combine(Temp, "out");
        Run("explain", "--model", ResnetModel, "--image", a, "--image", b, "--method", "squadcam", "--target", "1,7", "--out", outDir)
            .ExitCode.ShouldBe(0);
        File.Exists(Path.Combine(outDir, "a.squadcam.1.png")).ShouldBeTrue();
        File.Exists(Path.Combine(outDir, "b.squadcam.7.png")).ShouldBeTrue();
        File.Exists(Path.Combine(outDir, "a.squadcam.1.npy")).ShouldBeFalse();

        using var model = ExplanationModel.Load(ResnetModel);
        int top1 = model.Predict(Preprocessing.ToTensor(ImageDecoder.DecodeFile(a), new PreprocessOptions(40, 32)), 1)[0].ClassIndex;
        Run("explain", "--model", ResnetModel, "--image", a, "--method", "gradcampp", "--target", "top1", "--out", outDir).ExitCode.ShouldBe(0);
        File.Exists(Path.Combine(outDir, $"a.gradcampp.{top1}.png")).ShouldBeTrue();
    }

    [Fact]
    public void Explain_UsesTheSiblingMetadatasTargetLayer()
    {
        string model = Path.Combine(Temp, "net.onnx");
        File.Copy(ResnetModel, model);
        File.WriteAllText(Path.Combine(Temp, "net.json"),
            """{ "name": "test", "input": { "width": 40, "height": 32 }, "target_layer": "/layer1/relu2/Relu_output_0" }""");
        string outDir = Path.Combine(Temp, "out");
        Run("explain", "--model", model, "--image", Image("a.png"), "--method", "gradcam", "--target", "0", "--out", outDir, "--raw")
            .ExitCode.ShouldBe(0);
        using var reference = ExplanationModel.Load(ResnetModel, new ModelOptions(TargetLayer: "/layer1/relu2/Relu_output_0"));
        reference.TargetShape[1..].ShouldNotBe([4, 5]);
        Npy.ReadFile(Path.Combine(outDir, "a.gradcam.0.npy")).Shape.ShouldBe(reference.TargetShape[1..]);
    }

    [Fact]
    public void Explain_ForwardOnlyMethods_ReportTheirForwardPassesOnStderr()
    {
        // resnetlike's target layer has 32 channels: Score-CAM runs 32 masked inputs, Ablation-CAM 32 ablated copies.
        string image = Image("cat.png");
        string outDir = Path.Combine(Temp, "out");
        var result = Run("explain", "--model", ResnetModel, "--image", image, "--method", "scorecam,ablationcam,guided-scorecam",
            "--target", "4", "--out", outDir, "--raw");

        result.ExitCode.ShouldBe(0, result.Error);
        result.ErrorLines.ShouldContain("cat.png scorecam class 4: 32/32 model evaluations");
        result.ErrorLines.ShouldContain("cat.png ablationcam class 4: 32/32 model evaluations");
        result.ErrorLines.ShouldAllBe(l => l.StartsWith("cat.png ") && l.EndsWith(" model evaluations"));
        Npy.ReadFile(Path.Combine(outDir, "cat.scorecam.4.npy")).Shape.ShouldBe([4, 5]);
        Npy.ReadFile(Path.Combine(outDir, "cat.guided-scorecam.4.npy")).Shape.ShouldBe([3, 32, 40]);
        File.Exists(Path.Combine(outDir, "cat.ablationcam.4.png")).ShouldBeTrue();
    }
}
