using SquadStudy.Engine.Metrics;

namespace SquadStudy.Engine.Tests.Metrics;

public class PixelBoxTests
{
    [Fact]
    public void IoU_IdenticalBoxes_IsOne() => PixelBox.IoU(new(2, 3, 9, 7), new(2, 3, 9, 7)).ShouldBe(1.0);

    [Fact]
    public void IoU_AdjacentBoxesSharingNoPixel_IsZero() => PixelBox.IoU(new(0, 0, 4, 4), new(5, 0, 9, 4)).ShouldBe(0.0);

    [Fact]
    public void IoU_InclusiveCoordinates_CountSharedEdgePixels()
    {
        // Columns 0–4 and 4–8 share column 4: 5 of 5+5−... pixels. Each box 5×5 = 25, overlap 1×5 = 5.
        PixelBox.IoU(new(0, 0, 4, 4), new(4, 0, 8, 4)).ShouldBe(5.0 / 45.0, 1e-12);
    }

    [Fact]
    public void IoU_SinglePixelBoxes()
    {
        PixelBox.IoU(new(3, 3, 3, 3), new(3, 3, 3, 3)).ShouldBe(1.0);
        PixelBox.IoU(new(3, 3, 3, 3), new(3, 4, 3, 4)).ShouldBe(0.0);
    }

    [Fact]
    public void IoU_ContainedBox_IsAreaRatio_AndSymmetric()
    {
        PixelBox outer = new(0, 0, 9, 9), inner = new(2, 2, 6, 6);

        PixelBox.IoU(outer, inner).ShouldBe(25.0 / 100.0);
        PixelBox.IoU(inner, outer).ShouldBe(25.0 / 100.0);
    }

    [Fact]
    public void IoU_PartialOverlap_MatchesHandCount()
    {
        // 4×4 boxes offset by (2, 1): overlap 2×3 = 6; union 16 + 16 − 6 = 26.
        PixelBox.IoU(new(0, 0, 3, 3), new(2, 1, 5, 4)).ShouldBe(6.0 / 26.0, 1e-12);
    }

    [Fact]
    public void FromVoc_ShiftsToZeroBased()
    {
        var box = PixelBox.FromVoc(10, 20, 90, 110);

        box.ShouldBe(new PixelBox(9, 19, 89, 109));
        box.Width.ShouldBe(81);
        box.Area.ShouldBe(81L * 91);
    }

    [Fact]
    public void Constructor_InvertedCorners_Throws() => Should.Throw<ArgumentException>(() => new PixelBox(5, 0, 4, 3));

    [Fact]
    public void DistanceTo_IsZeroInsideAndEuclideanOutside()
    {
        PixelBox box = new(10, 10, 20, 20);

        box.DistanceTo(15, 20).ShouldBe(0);
        box.DistanceTo(25, 15).ShouldBe(5);
        box.DistanceTo(23, 24).ShouldBe(5); // (3, 4) from the corner
    }

    [Fact]
    public void Rescale_CoversTouchedPixels()
    {
        // 100 → 224 wide (×2.24), 50 → 224 high (×4.48).
        var box = new PixelBox(10, 5, 19, 9).Rescale(100, 50, 224, 224);

        // x: [10, 20) → [22.4, 44.8) → pixels 22..44; y: [5, 10) → [22.4, 44.8) → 22..44.
        box.ShouldBe(new PixelBox(22, 22, 44, 44));
        new PixelBox(0, 0, 99, 49).Rescale(100, 50, 224, 224).ShouldBe(new PixelBox(0, 0, 223, 223));
        new PixelBox(3, 3, 3, 3).Rescale(10, 10, 5, 5).ShouldBe(new PixelBox(1, 1, 1, 1));
    }
}
