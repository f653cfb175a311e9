using SquadStudy.Engine.Imaging;
using SquadStudy.Engine.Metrics;

namespace SquadStudy.Engine.Tests.Metrics;

public class FaithfulnessTests
{
    private static readonly PreprocessOptions Identity = new(2, 2, [0f, 0f, 0f], [1f, 1f, 1f]);

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    /// <summary>Two logits: the sum of the input, and 0; so P(class 0) = sigmoid(sum).</summary>
    private static float[] SumModel(float[] input) => [input.Sum(), 0f];

    [Fact]
    public void Score_OnHandComputedCase_GivesSoftmaxProbabilities()
    {
        var unit = Enumerable.Repeat(1f, 12).ToArray();
        float[] map = [4f, 2f, 0f, 1f]; // min-max → 1, 0.5, 0, 0.25; top 25 % of 4 pixels = pixel 0

        var scores = Faithfulness.Score(unit, Identity, map, 2, 2, 0, SumModel);

        scores.Original.ShouldBe(Sigmoid(12), 1e-12);
        scores.ExplanationMasked.ShouldBe(Sigmoid(3 * (1 + 0.5 + 0 + 0.25)), 1e-12);
        scores.TopRemoved.ShouldBe(Sigmoid(9), 1e-12);
    }

    [Fact]
    public void Score_UpsamplesTheMapToTheModelInput()
    {
        var unit = Enumerable.Repeat(1f, 12).ToArray();

        // A 1×1 map upsamples to a constant, which min-max scales to 0: the masked image is black.
        var scores = Faithfulness.Score(unit, Identity, [5f], 1, 1, 0, SumModel, removeFraction: 0);

        scores.ExplanationMasked.ShouldBe(0.5, 1e-12);
        scores.TopRemoved.ShouldBe(scores.Original);
    }

    [Fact]
    public void Score_RemovedPixels_AreZeroAfterNormalisation_AndInputIsUntouched()
    {
        var options = new PreprocessOptions(4, 2);
        var unit = Enumerable.Range(0, 24).Select(i => i / 24f).ToArray();
        var copy = (float[])unit.Clone();
        float[] map = [0f, 9f, 1f, 2f, 8f, 3f, 4f, 5f]; // top 25 % of 8 = pixels 1 and 4
        var inputs = new List<float[]>();

        Faithfulness.Score(unit, options, map, 2, 4, 1, x =>
        {
            inputs.Add((float[])x.Clone());
            return [0f, 1f, 2f];
        });

        inputs.Count.ShouldBe(3);
        var removed = inputs[2];
        for (var c = 0; c < 3; c++)
        {
            for (var i = 0; i < 8; i++)
            {
                var expected = i is 1 or 4 ? 0f : (unit[c * 8 + i] - options.Mean[c]) / options.Std[c];
                removed[c * 8 + i].ShouldBe(expected, 1e-6f, $"channel {c} pixel {i}");
            }
        }

        unit.ShouldBe(copy);
    }

    [Fact]
    public void Score_WithImage_ResizesFirst()
    {
        var image = new RgbImage(4, 4, Enumerable.Repeat((byte)255, 48).ToArray());

        var scores = Faithfulness.Score(image, Identity, [1f, 0f, 0f, 0f], 2, 2, 0, SumModel);

        scores.Original.ShouldBe(Sigmoid(12), 1e-6);
    }

    [Fact]
    public void Score_BadArguments_Throw()
    {
        var unit = new float[12];
        Should.Throw<ArgumentOutOfRangeException>(() => Faithfulness.Score(unit, Identity, [1f], 1, 1, 2, SumModel));
        Should.Throw<ArgumentException>(() => Faithfulness.Score(new float[11], Identity, [1f], 1, 1, 0, SumModel));
        Should.Throw<ArgumentException>(() => Faithfulness.Score(unit, Identity, [1f], 1, 1, 0, _ => [float.NaN, 0f]));
    }

    [Fact]
    public void AverageDrop_And_IncreaseInConfidence_OnHandPairs()
    {
        (double, double)[] pairs = [(0.8, 0.4), (0.5, 0.6), (0.2, 0.2), (0.4, 0.1)];

        // drops: 0.5, 0 (clipped), 0, 0.75 → mean 0.3125; increases: only the 2nd → 25 %.
        Faithfulness.AverageDropPercent(pairs).ShouldBe(31.25, 1e-9);
        Faithfulness.IncreaseInConfidencePercent(pairs).ShouldBe(25, 1e-9);
    }

    [Fact]
    public void Summarise_CombinesTheThreeFigures()
    {
        var summary = Faithfulness.Summarise([new(0.8, 0.4, 0.6), new(0.5, 0.6, 0.75)]);

        summary.Count.ShouldBe(2);
        summary.AverageDropPercent.ShouldBe(25, 1e-9);
        summary.IncreaseInConfidencePercent.ShouldBe(50, 1e-9);
        summary.TopRemovedDropPercent.ShouldBe((0.25 - 0.5) / 2 * 100, 1e-9);
    }

    [Fact]
    public void Softmax_IsStableForLargeLogits()
    {
        var p = SquadStudy.Engine.Models.Probabilities.Softmax([1000f, 1000f, 0f]);

        p[0].ShouldBe(0.5, 1e-12);
        p.Sum().ShouldBe(1, 1e-12);
    }
}
