using SquadStudy.Engine.Metrics;

namespace SquadStudy.Engine.Tests.Metrics;

public class PointingGameTests
{
    private static float[] PeakAt(int h, int w, int x, int y)
    {
        var map = new float[h * w];
        map[y * w + x] = 1f;
        return map;
    }

    [Fact]
    public void ArgMax_TiesGoToFirstInRowMajorOrder()
    {
        float[] map = [0f, 2f, 1f, 2f, 0f, 2f];

        PointingGame.ArgMax(map, 2, 3).ShouldBe((1, 0));
    }

    [Fact]
    public void IsHit_InsideBox_WithZeroTolerance()
    {
        PixelBox box = new(5, 5, 9, 9);

        PointingGame.IsHit(PeakAt(40, 40, 9, 5), 40, 40, [box], tolerance: 0).ShouldBeTrue();
        PointingGame.IsHit(PeakAt(40, 40, 10, 5), 40, 40, [box], tolerance: 0).ShouldBeFalse();
    }

    [Fact]
    public void IsHit_DefaultToleranceIsFifteenPixelsEuclidean()
    {
        PixelBox box = new(0, 0, 4, 4);

        PointingGame.IsHit(PeakAt(40, 40, 19, 4), 40, 40, [box]).ShouldBeTrue();   // 15 to the right
        PointingGame.IsHit(PeakAt(40, 40, 20, 4), 40, 40, [box]).ShouldBeFalse();  // 16
        PointingGame.IsHit(PeakAt(40, 40, 13, 16), 40, 40, [box]).ShouldBeTrue();  // (9, 12) → 15
        PointingGame.IsHit(PeakAt(40, 40, 14, 16), 40, 40, [box]).ShouldBeFalse(); // (10, 12) → 15.6
    }

    [Fact]
    public void IsHit_AnyOfSeveralBoxes()
    {
        PointingGame.IsHit(PeakAt(30, 30, 25, 25), 30, 30, [new PixelBox(0, 0, 3, 3), new PixelBox(20, 20, 29, 29)], 0).ShouldBeTrue();
        PointingGame.IsHit(PeakAt(30, 30, 25, 25), 30, 30, [], 0).ShouldBeFalse();
    }

    [Fact]
    public void Summarise_GivesOverallAndMeanPerClassAccuracy()
    {
        // Class 0: 3 of 4 hits; class 1: 0 of 1.
        var summary = PointingGame.Summarise([(0, true), (0, true), (0, false), (0, true), (1, false)]);

        summary.Count.ShouldBe(5);
        summary.Hits.ShouldBe(3);
        summary.Accuracy.ShouldBe(0.6);
        summary.MeanClassAccuracy.ShouldBe(0.375);
    }
}
