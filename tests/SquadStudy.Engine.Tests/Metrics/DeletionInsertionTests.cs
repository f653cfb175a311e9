using SquadStudy.Engine.Metrics;

namespace SquadStudy.Engine.Tests.Metrics;

public class DeletionInsertionTests
{
    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    /// <summary>Two logits, Σ w_i x_i and 0, so P(class 0) = sigmoid(Σ w_i x_i): removing pixel i lowers the logit by w_i x_i.</summary>
    private static Func<IReadOnlyList<float[]>, float[][]> Linear(float[] w) =>
        inputs => inputs.Select(x => new[] { x.Select((v, i) => v * w[i]).Sum(), 0f }).ToArray();

    [Fact]
    public void Deletion_OnLinearModel_DropsTheLogitByEachRemovedPixelsWeight()
    {
        float[] w = [4f, 3f, 2f, 1f];
        float[] x = [1f, 1f, 1f, 1f];

        var curve = DeletionInsertion.Deletion(x, 1, 2, 2, w, 2, 2, 0, Linear(w), new DeletionInsertionOptions { Steps = 4 });

        curve.Fractions.ShouldBe([0, 0.25, 0.5, 0.75, 1]);
        double[] expected = [Sigmoid(10), Sigmoid(6), Sigmoid(3), Sigmoid(1), Sigmoid(0)];
        for (var i = 0; i < 5; i++)
        {
            curve.Probabilities[i].ShouldBe(expected[i], 1e-7);
        }

        curve.Auc.ShouldBe(0.25 * (expected[0] / 2 + expected[1] + expected[2] + expected[3] + expected[4] / 2), 1e-7);
    }

    [Fact]
    public void Insertion_OnLinearModel_WithMeanCanvas_AddsTheMostImportantPixelFirst()
    {
        float[] w = [1f, 4f, 2f, 3f];
        float[] x = [1f, 1f, 1f, 1f];

        var curve = DeletionInsertion.Insertion(x, 1, 2, 2, w, 2, 2, 0, Linear(w),
            new DeletionInsertionOptions { Steps = 2, InsertionSubstrate = Substrate.Mean });

        curve.Probabilities[0].ShouldBe(Sigmoid(0), 1e-7);
        curve.Probabilities[1].ShouldBe(Sigmoid(7), 1e-7); // pixels 1 (w 4) and 3 (w 3)
        curve.Probabilities[2].ShouldBe(Sigmoid(10), 1e-7);
    }

    [Fact]
    public void FaithfulMap_BeatsReversedMap_OnBothCurves()
    {
        var random = new Random(7);
        var w = Enumerable.Range(0, 64).Select(_ => (float)(random.NextDouble() - 0.3)).ToArray();
        var x = Enumerable.Repeat(1f, 64).ToArray();
        var reversed = w.Select(v => -v).ToArray();
        var options = new DeletionInsertionOptions { Steps = 16, InsertionSubstrate = Substrate.Mean };

        var good = DeletionInsertion.Deletion(x, 1, 8, 8, w, 8, 8, 0, Linear(w), options).Auc;
        var bad = DeletionInsertion.Deletion(x, 1, 8, 8, reversed, 8, 8, 0, Linear(w), options).Auc;
        var goodIn = DeletionInsertion.Insertion(x, 1, 8, 8, w, 8, 8, 0, Linear(w), options).Auc;
        var badIn = DeletionInsertion.Insertion(x, 1, 8, 8, reversed, 8, 8, 0, Linear(w), options).Auc;

        good.ShouldBeLessThan(bad - 0.1);
        goodIn.ShouldBeGreaterThan(badIn + 0.1);
    }

    [Fact]
    public void Curves_MatchTheNumPyReference()
    {
        var r = MetricsReference.Load();
        var x = r.Floats("input");
        var map = r.Floats("map");
        var options = new DeletionInsertionOptions { Steps = r.Int("steps"), BlurKernel = r.Int("blur_kernel"), BlurSigma = r.Double("blur_sigma"), BatchSize = 3 };

        var deletion = DeletionInsertion.Deletion(x, r.Channels, r.Height, r.Width, map, r.Int("map_height"), r.Int("map_width"), r.Class, r.Model(), options);
        var insertion = DeletionInsertion.Insertion(x, r.Channels, r.Height, r.Width, map, r.Int("map_height"), r.Int("map_width"), r.Class, r.Model(), options);

        var expectedDeletion = r.Doubles("deletion");
        var expectedInsertion = r.Doubles("insertion");
        deletion.Probabilities.Length.ShouldBe(expectedDeletion.Length);
        for (var i = 0; i < expectedDeletion.Length; i++)
        {
            deletion.Probabilities[i].ShouldBe(expectedDeletion[i], 1e-6, $"deletion step {i}");
            insertion.Probabilities[i].ShouldBe(expectedInsertion[i], 1e-6, $"insertion step {i}");
        }

        deletion.Auc.ShouldBe(r.Double("deletion_auc"), 1e-6);
        insertion.Auc.ShouldBe(r.Double("insertion_auc"), 1e-6);
    }

    [Fact]
    public void Blur_MatchesTorchConv2d()
    {
        var r = MetricsReference.Load();

        var blurred = DeletionInsertion.MakeSubstrate(r.Floats("input"), r.Channels, r.Height, r.Width, Substrate.Blur, r.Int("blur_kernel"), r.Double("blur_sigma"));

        Numeric.MaxAbsDifference(blurred, r.Floats("blurred")).ShouldBeLessThan(1e-6);
    }

    [Fact]
    public void Curve_RunsInBatches_AndLeavesTheInputUntouched()
    {
        float[] w = [4f, 3f, 2f, 1f, 0f, -1f];
        var x = Enumerable.Range(0, 6).Select(i => i / 6f).ToArray();
        var copy = (float[])x.Clone();
        var batches = new List<int>();
        var model = Linear(w);

        var curve = DeletionInsertion.Deletion(x, 1, 2, 3, w, 2, 3, 0, inputs => { batches.Add(inputs.Count); return model(inputs); },
            new DeletionInsertionOptions { Steps = 6, BatchSize = 3 });
        var single = DeletionInsertion.Deletion(x, 1, 2, 3, w, 2, 3, 0, model, new DeletionInsertionOptions { Steps = 6, BatchSize = 1 });

        batches.ShouldBe([3, 3, 1]);
        curve.Probabilities.ShouldBe(single.Probabilities);
        x.ShouldBe(copy);
    }

    [Fact]
    public void BadInput_GivesClearErrors()
    {
        float[] w = [1f, 2f, 3f, 4f];
        var model = Linear(w);

        Should.Throw<ArgumentOutOfRangeException>(() => DeletionInsertion.Deletion(w, 1, 2, 2, w, 2, 2, 0, model, new DeletionInsertionOptions { Steps = 0 }))
            .Message.ShouldContain("at least one step");
        Should.Throw<ArgumentOutOfRangeException>(() => DeletionInsertion.Insertion(w, 1, 2, 2, w, 2, 2, 0, model, new DeletionInsertionOptions { Steps = 5 }));
        Should.Throw<ArgumentException>(() => DeletionInsertion.Deletion(w, 1, 2, 2, [1f, 2f, 3f], 2, 2, 0, model))
            .Message.ShouldContain("2×2 map needs 4 values");
        Should.Throw<ArgumentException>(() => DeletionInsertion.Deletion([1f, 2f, 3f], 1, 2, 2, w, 2, 2, 0, model))
            .Message.ShouldContain("1×2×2");
        Should.Throw<ArgumentException>(() => DeletionInsertion.Deletion(w, 1, 2, 2, [1f, float.NaN, 3f, 4f], 2, 2, 0, model));
        Should.Throw<ArgumentOutOfRangeException>(() => DeletionInsertion.Deletion(w, 1, 2, 2, w, 2, 2, 2, model, new DeletionInsertionOptions { Steps = 2 }));
        Should.Throw<ArgumentOutOfRangeException>(() => DeletionInsertion.MakeSubstrate(w, 1, 2, 2, Substrate.Blur, kernel: 4));
    }
}
