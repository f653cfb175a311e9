using SquadStudy.Engine.Metrics;

namespace SquadStudy.Engine.Tests.Metrics;

public class RoadTests
{
    [Fact]
    public void Impute_MatchesTheAuthorsSparseSystem_SolvedBySciPy()
    {
        var r = MetricsReference.Load();
        var removed = r.Root.GetProperty("keep").EnumerateArray().Select(e => e.GetInt32() == 0).ToArray();

        var imputed = Road.Impute(r.Floats("input"), r.Channels, r.Height, r.Width, removed, noise: 0, tolerance: 1e-10);

        Numeric.MaxAbsDifference(imputed, r.Floats("imputed")).ShouldBeLessThan(1e-5);
    }

    [Fact]
    public void Impute_OneInteriorPixel_IsTheWeightedMeanOfItsEightNeighbours()
    {
        var image = Enumerable.Range(0, 9).Select(i => (float)(i * i)).ToArray();
        var removed = new bool[9];
        removed[4] = true;

        var imputed = Road.Impute(image, 1, 3, 3, removed, noise: 0);

        var expected = (image[1] + image[3] + image[5] + image[7]) / 6.0 + (image[0] + image[2] + image[6] + image[8]) / 12.0;
        imputed[4].ShouldBe((float)expected, 1e-5f);
        imputed.Where((_, i) => i != 4).ShouldBe(image.Where((_, i) => i != 4));
    }

    [Fact]
    public void Impute_ConstantImage_StaysConstant_AndNoiseHasTheRequestedSpread()
    {
        var image = Enumerable.Repeat(0.5f, 2 * 40 * 40).ToArray();
        var removed = Enumerable.Range(0, 1600).Select(i => i % 40 < 30).ToArray();

        var plain = Road.Impute(image, 2, 40, 40, removed, noise: 0, tolerance: 1e-10);
        var noisy = Road.Impute(image, 2, 40, 40, removed, noise: 0.01, random: new Random(3));
        var again = Road.Impute(image, 2, 40, 40, removed, noise: 0.01, random: new Random(3));

        plain.ShouldAllBe(v => Math.Abs(v - 0.5f) < 1e-6f);
        noisy.ShouldBe(again);
        var deviations = noisy.Select((v, i) => (double)(v - 0.5f)).Where((_, i) => removed[i % 1600]).ToArray();
        deviations.Length.ShouldBe(2 * 1200);
        Math.Sqrt(deviations.Select(d => d * d).Average()).ShouldBe(0.01, 0.001);
        noisy.Where((_, i) => !removed[i % 1600]).ShouldAllBe(v => v == 0.5f);
    }

    [Fact]
    public void Curves_MatchTheReference_WithoutNoise()
    {
        var r = MetricsReference.Load();
        var options = new RoadOptions { Fractions = r.Doubles("road_fractions"), Noise = 0, BatchSize = 3, Tolerance = 1e-10 };

        var curves = Road.Evaluate(r.Floats("input"), r.Channels, r.Height, r.Width, r.Floats("map"), r.Int("map_height"), r.Int("map_width"),
            r.Class, r.Model(), options);

        var morf = r.Doubles("road_morf");
        var lerf = r.Doubles("road_lerf");
        for (var i = 0; i < morf.Length; i++)
        {
            curves.MostRelevantFirst[i].ShouldBe(morf[i], 1e-5, $"MoRF {i}");
            curves.LeastRelevantFirst[i].ShouldBe(lerf[i], 1e-5, $"LeRF {i}");
        }

        curves.MostRelevantFirstMean.ShouldBe(morf.Average(), 1e-5);
    }

    [Fact]
    public void Evaluate_IsDeterministicForASeed()
    {
        var r = MetricsReference.Load();
        RoadCurves Run(int seed) => Road.Evaluate(r.Floats("input"), r.Channels, r.Height, r.Width, r.Floats("map"), r.Int("map_height"), r.Int("map_width"),
            r.Class, r.Model(), new RoadOptions { Seed = seed });

        var a = Run(1);

        a.MostRelevantFirst.ShouldBe(Run(1).MostRelevantFirst);
        a.MostRelevantFirst.ShouldNotBe(Run(2).MostRelevantFirst);
        a.Fractions.ShouldBe([0.1, 0.3, 0.5, 0.7, 0.9]);
    }

    [Fact]
    public void BadInput_GivesClearErrors()
    {
        var image = new float[12];
        float[] map = [1f, 2f, 3f, 4f];
        Func<IReadOnlyList<float[]>, float[][]> model = inputs => inputs.Select(_ => new[] { 0f, 0f }).ToArray();

        Should.Throw<ArgumentOutOfRangeException>(() => Road.Evaluate(image, 3, 2, 2, map, 2, 2, 0, model, new RoadOptions { Fractions = [0.5, 1.0] }))
            .Message.ShouldContain("[0, 1)");
        Should.Throw<ArgumentException>(() => Road.Evaluate(image, 3, 2, 2, map, 2, 2, 0, model, new RoadOptions { Fractions = [] }));
        Should.Throw<ArgumentException>(() => Road.Evaluate(image, 3, 2, 2, [1f, 2f], 2, 2, 0, model));
        Should.Throw<ArgumentOutOfRangeException>(() => Road.Evaluate(image, 3, 2, 2, map, 2, 2, 0, model, new RoadOptions { Noise = -1 }));
        Should.Throw<ArgumentException>(() => Road.Impute(image, 3, 2, 2, [true, true, true, true], noise: 0))
            .Message.ShouldContain("Every pixel is removed");
        Should.Throw<ArgumentException>(() => Road.Impute(image, 3, 2, 2, [true, false], noise: 0));
    }
}
