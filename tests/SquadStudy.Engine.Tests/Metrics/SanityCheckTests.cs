using Xunit.Abstractions;
using SquadStudy.Engine.Explainers;
using SquadStudy.Engine.Metrics;
using SquadStudy.Engine.Models;
using SquadStudy.Engine.Tensors;

namespace SquadStudy.Engine.Tests.Metrics;

/// <summary>The model-randomisation sanity check (Adebayo et al. 2018) on the VGG-like fixture CNN.</summary>
public class SanityCheckTests(ITestOutputHelper output)
{
    private static readonly Lazy<(ExplanationModel Model, float[] Input)> Vgg = new(() =>
    {
        var model = ExplanationModel.Load(FixturePaths.Engine("vgglike_op13", "model.onnx"));
        var input = Npy.ReadFile(FixturePaths.Engine("vgglike_op13", "input.npy")).Data;
        return (model, input);
    });

    private static float[] GradCam(ExplanationModel model, float[] input, int classIndex) =>
        model.Explain(input, classIndex, [MethodSpec.Parse("gradcam")])["gradcam"].Data;

    /// <summary>A Sobel edge magnitude of the input's channel mean: a "map" that never reads the model.</summary>
    private static float[] Edges(float[] input, int channels, int height, int width)
    {
        var plane = height * width;
        var gray = new float[plane];
        for (var c = 0; c < channels; c++)
        {
            for (var i = 0; i < plane; i++)
            {
                gray[i] += input[c * plane + i] / channels;
            }
        }

        float At(int y, int x) => gray[Math.Clamp(y, 0, height - 1) * width + Math.Clamp(x, 0, width - 1)];
        var edges = new float[plane];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var gx = At(y - 1, x + 1) + 2 * At(y, x + 1) + At(y + 1, x + 1) - At(y - 1, x - 1) - 2 * At(y, x - 1) - At(y + 1, x - 1);
                var gy = At(y + 1, x - 1) + 2 * At(y + 1, x) + At(y + 1, x + 1) - At(y - 1, x - 1) - 2 * At(y - 1, x) - At(y - 1, x + 1);
                edges[y * width + x] = MathF.Sqrt(gx * gx + gy * gy);
            }
        }

        return edges;
    }

    [Fact]
    public void ParameterLayers_RunFromTheLogitsDownwards()
    {
        var (model, _) = Vgg.Value;

        // Five convolutions and two linear layers; the last Gemm produces the logits.
        model.ParameterLayers.Count.ShouldBe(7);
    }

    [Fact]
    public void EdgeDetector_StaysPerfectlyCorrelated_GradCamDoesNot()
    {
        var (model, input) = Vgg.Value;
        const int classIndex = 1;
        using var cascade = model.RandomiseCascading(depth: 4, seed: 11);

        var edges = SanityCheck.Run(Edges(input, model.Channels, model.InputHeight, model.InputWidth), cascade,
            _ => Edges(input, model.Channels, model.InputHeight, model.InputWidth));
        var gradCam = SanityCheck.Run(GradCam(model, input, classIndex), cascade, m => GradCam(m, input, classIndex));

        output.WriteLine($"Grad-CAM Spearman by step: {string.Join(", ", gradCam.Correlations.Select(r => r.ToString("F4", System.Globalization.CultureInfo.InvariantCulture)))}");
        cascade.Layers.ShouldBe(model.ParameterLayers.Take(4));
        edges.Correlations.ShouldAllBe(r => r == 1.0);
        edges.IsWeightIndependent().ShouldBeTrue();
        gradCam.Correlations.Length.ShouldBe(4);
        gradCam.Final.ShouldBeLessThan(SanityCheck.DefaultThreshold);
        gradCam.IsWeightIndependent().ShouldBeFalse();
    }

    [Fact]
    public void Randomisation_IsSeeded_Cascades_AndLeavesTheTrainedModelAlone()
    {
        var (model, input) = Vgg.Value;
        var trained = model.Logits(input);
        float[][] Run(int seed)
        {
            using var cascade = model.RandomiseCascading(depth: 2, seed: seed);
            return cascade.Models.Select(m => m.Logits(input)).ToArray();
        }

        var first = Run(5);
        var again = Run(5);
        var other = Run(6);

        // "The same" is within float32 precision: libtorch's results can differ in the last place when other
        // tests compute at the same time. Another seed, or a changed weight, moves the logits by far more.
        static void Same(float[] actual, float[] expected) => actual.Zip(expected).ShouldAllBe(x => Math.Abs(x.First - x.Second) <= 1e-5f * (1 + Math.Abs(x.Second)));
        static bool Differs(float[] a, float[] b) => a.Zip(b).Any(x => Math.Abs(x.First - x.Second) > 1e-3f * (1 + Math.Abs(x.Second)));
        Same(first[0], again[0]);
        Same(first[1], again[1]);
        Differs(first[0], other[0]).ShouldBeTrue("another seed gives other weights");
        Differs(first[0], trained).ShouldBeTrue("the randomised model is not the trained one");
        // Step 2 keeps step 1's random logits layer and adds a random hidden layer: a different output again.
        Differs(first[1], first[0]).ShouldBeTrue("step 2 randomises one layer more");
        Same(model.Logits(input), trained);
    }

    [Fact]
    public void BadArguments_GiveClearErrors()
    {
        var (model, input) = Vgg.Value;
        Should.Throw<ArgumentOutOfRangeException>(() => model.RandomiseCascading(depth: 0, seed: 1));
        using var cascade = model.RandomiseCascading(depth: 1, seed: 1);
        Should.Throw<ArgumentException>(() => SanityCheck.Run(new float[5], cascade, m => GradCam(m, input, 0)))
            .Message.ShouldContain("map has");
    }
}
