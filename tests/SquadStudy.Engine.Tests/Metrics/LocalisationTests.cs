using SquadStudy.Engine.Metrics;

namespace SquadStudy.Engine.Tests.Metrics;

public class LocalisationTests
{
    private static float[] Map(int height, int width, params (int X, int Y, float V)[] points)
    {
        var map = new float[height * width];
        foreach (var (x, y, v) in points)
        {
            map[y * width + x] = v;
        }

        return map;
    }

    [Fact]
    public void BoxFromMap_KeepsLargestSegment()
    {
        // A 2-pixel blob with the maximum and a 3-pixel blob of lower, above-threshold values.
        var map = Map(6, 8, (0, 0, 10f), (1, 0, 9f), (5, 3, 2f), (6, 3, 2f), (6, 4, 1.6f));

        Localisation.BoxFromMap(map, 6, 8).ShouldBe(new PixelBox(5, 3, 6, 4));
    }

    [Fact]
    public void BoxFromMap_ThresholdIsInclusiveAtFifteenPercentOfMax()
    {
        // 15 % of 20 = 3: a value of exactly 3 joins, 2.9 does not.
        var map = Map(1, 6, (0, 0, 20f), (1, 0, 3f), (2, 0, 3f), (3, 0, 2.9f), (4, 0, 20f));

        Localisation.BoxFromMap(map, 1, 6).ShouldBe(new PixelBox(0, 0, 2, 0));
        Localisation.BoxFromMap(map, 1, 6, thresholdFraction: 0.1f).ShouldBe(new PixelBox(0, 0, 4, 0));
    }

    [Fact]
    public void BoxFromMap_DiagonalNeighbours_JoinOnlyWithEightConnectivity()
    {
        // A diagonal of 3 pixels and a horizontal pair elsewhere.
        var map = Map(5, 6, (0, 0, 1f), (1, 1, 1f), (2, 2, 1f), (4, 4, 1f), (5, 4, 1f));

        Localisation.BoxFromMap(map, 5, 6).ShouldBe(new PixelBox(0, 0, 2, 2));
        Localisation.BoxFromMap(map, 5, 6, connectivity: Connectivity.Four).ShouldBe(new PixelBox(4, 4, 5, 4));
    }

    [Fact]
    public void BoxFromMap_EqualSegments_FirstInRowMajorOrderWins()
    {
        var map = Map(3, 5, (4, 0, 1f), (0, 2, 1f));

        Localisation.BoxFromMap(map, 3, 5).ShouldBe(new PixelBox(4, 0, 4, 0));
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(-1f)]
    public void BoxFromMap_NoPositiveValue_ReturnsNull(float value)
    {
        Localisation.BoxFromMap(Enumerable.Repeat(value, 12).ToArray(), 3, 4).ShouldBeNull();
    }

    [Fact]
    public void BoxFromMap_InvalidMaps_Throw()
    {
        Should.Throw<ArgumentException>(() => Localisation.BoxFromMap(new float[5], 2, 3));
        Should.Throw<ArgumentException>(() => Localisation.BoxFromMap([1f, float.NaN], 1, 2));
    }

    [Theory]
    [InlineData(1, Connectivity.Eight)]
    [InlineData(2, Connectivity.Four)]
    [InlineData(3, Connectivity.Eight)]
    [InlineData(4, Connectivity.Four)]
    [InlineData(5, Connectivity.Eight)]
    public void BoxFromMap_RandomMaps_MatchLabelPropagationOracle(int seed, Connectivity connectivity)
    {
        var random = new Random(seed);
        const int h = 23, w = 31;
        for (var round = 0; round < 20; round++)
        {
            var map = Enumerable.Range(0, h * w).Select(_ => (float)Math.Pow(random.NextDouble(), 3)).ToArray();

            var box = Localisation.BoxFromMap(map, h, w, 0.3f, connectivity);

            box.ShouldBe(OracleBox(map, h, w, 0.3f, connectivity));
        }
    }

    /// <summary>An independent oracle: every pixel takes the minimum label of its neighbours until
    /// nothing changes; then the biggest label (ties: smallest label = first pixel in row-major order).</summary>
    private static PixelBox? OracleBox(float[] map, int h, int w, float fraction, Connectivity connectivity)
    {
        var threshold = fraction * map.Max();
        var label = Enumerable.Range(0, map.Length).Select(i => map[i] >= threshold ? i : -1).ToArray();
        var changed = true;
        while (changed)
        {
            changed = false;
            for (var y = 0; y < h; y++)
            {
                for (var x = 0; x < w; x++)
                {
                    var i = y * w + x;
                    if (label[i] < 0)
                    {
                        continue;
                    }

                    for (var dy = -1; dy <= 1; dy++)
                    {
                        for (var dx = -1; dx <= 1; dx++)
                        {
                            int nx = x + dx, ny = y + dy;
                            var diagonal = dx != 0 && dy != 0;
                            if (nx < 0 || ny < 0 || nx >= w || ny >= h || (diagonal && connectivity == Connectivity.Four))
                            {
                                continue;
                            }

                            var n = label[ny * w + nx];
                            if (n >= 0 && n < label[i])
                            {
                                label[i] = n;
                                changed = true;
                            }
                        }
                    }
                }
            }
        }

        var groups = Enumerable.Range(0, map.Length).Where(i => label[i] >= 0).GroupBy(i => label[i])
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key).ToList();
        if (groups.Count == 0)
        {
            return null;
        }

        var pixels = groups[0].ToList();
        return new PixelBox(pixels.Min(i => i % w), pixels.Min(i => i / w), pixels.Max(i => i % w), pixels.Max(i => i / w));
    }

    private static LocalisationSample Sample(int label, PixelBox truth, params (int Class, PixelBox? Box)[] guesses) =>
        new(label, guesses.Select(g => new LocalisationGuess(g.Class, g.Box)).ToList(), [new LabelledBox(label, truth)]);

    [Fact]
    public void IsCorrect_NeedsRightClassAndOverlapAtLeastHalf()
    {
        PixelBox truth = new(0, 0, 9, 9);
        PixelBox good = new(0, 0, 9, 4);   // IoU 50/100 = 0.5 exactly
        PixelBox poor = new(0, 0, 9, 3);   // IoU 0.4

        Localisation.IsCorrect(Sample(7, truth, (7, good)), 1).ShouldBeTrue();
        Localisation.IsCorrect(Sample(7, truth, (7, poor)), 1).ShouldBeFalse();
        Localisation.IsCorrect(Sample(7, truth, (3, truth)), 1).ShouldBeFalse(); // perfect box, wrong class
        Localisation.IsCorrect(Sample(7, truth, (7, null)), 1).ShouldBeFalse();
    }

    [Fact]
    public void IsCorrect_IgnoresGroundTruthOfOtherClasses()
    {
        PixelBox box = new(0, 0, 4, 4);
        var sample = new LocalisationSample(1, [new LocalisationGuess(1, box)], [new LabelledBox(2, box), new LabelledBox(1, new PixelBox(20, 20, 30, 30))]);

        Localisation.IsCorrect(sample, 5).ShouldBeFalse();
    }

    [Fact]
    public void Evaluate_CountsTop1AndTop5Errors()
    {
        PixelBox truth = new(10, 10, 29, 29), hit = new(12, 12, 29, 29), miss = new(0, 0, 5, 5);
        LocalisationSample[] samples =
        [
            Sample(1, truth, (1, hit), (2, miss)),                                    // top-1 and top-5 right
            Sample(1, truth, (2, hit), (3, miss), (1, hit)),                          // top-5 only (3rd guess)
            Sample(1, truth, (2, hit), (3, hit), (4, hit), (5, hit), (6, hit), (1, hit)), // 6th guess: not counted
            Sample(1, truth, (1, miss), (1, hit)),                                    // duplicate class: 2nd box counts for top-5
        ];

        var summary = Localisation.Evaluate(samples);

        summary.ShouldBe(new LocalisationSummary(4, 1, 3));
        summary.Top1Error.ShouldBe(0.75);
        summary.Top5Error.ShouldBe(0.25);
    }

    [Fact]
    public void Evaluate_Empty_GivesNaN()
    {
        var summary = Localisation.Evaluate([]);

        summary.Count.ShouldBe(0);
        double.IsNaN(summary.Top1Error).ShouldBeTrue();
    }
}
