using SquadStudy.Engine.Imaging;
using SquadStudy.Engine.Metrics;
using SquadStudy.Engine.Rendering;

namespace SquadStudy.Engine.Tests.Rendering;

public class RenderTests
{
    [Fact]
    public void MinMaxScale_MapsToUnitRange_AndConstantToZero()
    {
        Render.MinMaxScale([2f, 4f, 3f, 6f]).ShouldBe([0f, 0.5f, 0.25f, 1f]);
        Render.MinMaxScale([5f, 5f]).ShouldBe([0f, 0f]);
        Should.Throw<ArgumentException>(() => Render.MinMaxScale([1f, float.NaN]));
    }

    [Fact]
    public void Overlay_BlendsImageAndJetColourWithAlpha()
    {
        var image = new RgbImage(2, 1, [100, 100, 100, 10, 20, 30]);
        float[] map = [0f, 1f]; // same size: no resampling; min → jet(0), max → jet(1)

        var half = Render.Overlay(image, map, 1, 2);
        var quarter = Render.Overlay(image, map, 1, 2, new HeatmapOptions { Alpha = 0.25f });

        // 0.5·(100,100,100) + 0.5·(0,0,127) = (50, 50, 113.5 → 114); 0.5·(10,20,30) + 0.5·(127,0,0) = (68.5 → 69, 10, 15).
        half.Pixels.ShouldBe(new byte[] { 50, 50, 114, 69, 10, 15 });
        // 0.75·100 + 0.25·127 = 106.75 → 107; 0.75·10 + 0.25·127 = 39.25 → 39; 22.5 → 23.
        quarter.Pixels.ShouldBe(new byte[] { 75, 75, 107, 39, 15, 23 });
    }

    [Fact]
    public void Overlay_UpsamplesTheMapToTheImage()
    {
        var image = RgbImage.Create(8, 6);
        float[] map = [0f, 1f, 0f, 0f]; // 2×2, hot at the top right

        var overlay = Render.Overlay(image, map, 2, 2, new HeatmapOptions { Alpha = 1f, Colormap = ColormapKind.Turbo });

        overlay.Width.ShouldBe(8);
        overlay[7, 0].ShouldBe(((byte)122, (byte)4, (byte)2));
        overlay[0, 5].ShouldBe(((byte)48, (byte)18, (byte)59));
    }

    [Fact]
    public void Overlay_InvalidAlpha_Throws()
    {
        Should.Throw<ArgumentOutOfRangeException>(() =>
            Render.Overlay(RgbImage.Create(2, 2), [0f, 1f, 2f, 3f], 2, 2, new HeatmapOptions { Alpha = 1.5f }));
    }

    [Fact]
    public void GuidedImage_MatchesDeprocessImageFormula()
    {
        var random = new Random(3);
        const int h = 5, w = 4;
        var chw = Enumerable.Range(0, 3 * h * w).Select(_ => (float)(random.NextDouble() - 0.5) * 0.02f).ToArray();
        chw[7] = 5f; // an outlier that clips

        var image = Render.GuidedImage(chw, h, w);

        // Oracle: numpy's deprocess_image written out naively on HWC order.
        var mean = chw.Average(v => (double)v);
        var std = Math.Sqrt(chw.Average(v => (v - mean) * (v - mean)));
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                for (var c = 0; c < 3; c++)
                {
                    var v = (chw[c * h * w + y * w + x] - mean) / (std + 1e-5) * 0.1 + 0.5;
                    var expected = (byte)(Math.Min(Math.Max(v, 0), 1) * 255);
                    image.Pixels[(y * w + x) * 3 + c].ShouldBe(expected, $"({x}, {y}) channel {c}");
                }
            }
        }

        image.Pixels[7 * 3].ShouldBe((byte)255); // index 7 = channel 0, y 1, x 3 → clipped to 1
    }

    [Fact]
    public void GuidedImage_ZeroGradient_IsMidGray()
    {
        Render.GuidedImage(new float[12], 2, 2).Pixels.ShouldAllBe(b => b == 127);
    }

    [Fact]
    public void GradientImage_IsMaxAbsOverChannelsScaledByMax()
    {
        // 1×2 image: pixel 0 channels (0.1, −0.4, 0.2) → 0.4; pixel 1 (0.8, 0, −0.1) → 0.8.
        float[] chw = [0.1f, 0.8f, -0.4f, 0f, 0.2f, -0.1f];

        var gray = Render.GradientImage(chw, 1, 2);
        var heat = Render.GradientImage(chw, 1, 2, ColormapKind.Jet);

        gray.Pixels.ShouldBe(new byte[] { 128, 128, 128, 255, 255, 255 });
        heat[1, 0].ShouldBe(Colormap.Jet[1f]);
        heat[0, 0].ShouldBe(Colormap.Jet[0.5f]);
    }

    [Fact]
    public void DrawBoxes_DrawsOutlineOfThickness_InsideBox()
    {
        var image = RgbImage.Create(10, 8);

        var drawn = Render.DrawBoxes(image, [new BoxOverlay(new PixelBox(1, 1, 7, 6), Rgb.GroundTruth)], thickness: 2);

        for (var y = 0; y < 8; y++)
        {
            for (var x = 0; x < 10; x++)
            {
                var inBox = x is >= 1 and <= 7 && y is >= 1 and <= 6;
                var interior = x is >= 3 and <= 5 && y is >= 3 and <= 4;
                drawn[x, y].ShouldBe(inBox && !interior ? ((byte)0, (byte)255, (byte)0) : ((byte)0, (byte)0, (byte)0), $"({x}, {y})");
            }
        }

        image.Pixels.ShouldAllBe(b => b == 0); // the input is not modified
    }

    [Fact]
    public void DrawBoxes_ClipsAtImageBorders()
    {
        var image = RgbImage.Create(6, 5);
        PixelBox partly = new(-3, 2, 3, 9);   // left, bottom edges outside
        PixelBox outside = new(10, 10, 12, 12);

        var drawn = Render.DrawBoxes(image, [new BoxOverlay(partly, Rgb.Predicted), new BoxOverlay(outside, Rgb.GroundTruth)], thickness: 1);

        // Visible: the top edge y = 2 for x = 0..3, and the right edge x = 3 for y = 2..4.
        for (var y = 0; y < 5; y++)
        {
            for (var x = 0; x < 6; x++)
            {
                var expectedRed = (y == 2 && x <= 3) || (x == 3 && y >= 2);
                drawn[x, y].ShouldBe(expectedRed ? ((byte)255, (byte)0, (byte)0) : ((byte)0, (byte)0, (byte)0), $"({x}, {y})");
            }
        }
    }

    [Fact]
    public void DrawBoxes_ZeroThickness_Throws()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => Render.DrawBoxes(RgbImage.Create(2, 2), [], 0));
    }

    [Fact]
    public void Overlay_ThenPng_RoundTrips()
    {
        var overlay = Render.Overlay(RgbImage.Create(9, 7), [0f, 0.3f, 1f, 0.2f, 0.5f, 0.1f], 2, 3);

        ImageDecoder.Decode(PngEncoder.Encode(overlay)).Pixels.ShouldBe(overlay.Pixels);
    }
}

public class RenderImmutabilityTests
{
    [Fact]
    public void RenderingAndPreprocessing_DoNotMutateInputs()
    {
        var pixels = new byte[7 * 5 * 3];
        new Random(9).NextBytes(pixels);
        var image = new RgbImage(7, 5, (byte[])pixels.Clone());
        float[] map = [0.3f, -1f, 2f, 0.5f, 0f, 4f];
        var mapCopy = (float[])map.Clone();
        var chw = Enumerable.Range(0, 3 * 5 * 7).Select(i => MathF.Cos(i)).ToArray();
        var chwCopy = (float[])chw.Clone();

        Render.Overlay(image, map, 2, 3);
        Render.DrawBoxes(image, [new BoxOverlay(new PixelBox(0, 0, 3, 3), Rgb.Predicted)]);
        Render.GuidedImage(chw, 5, 7);
        Render.GradientImage(chw, 5, 7);
        Preprocessing.ToTensor(image, new PreprocessOptions(4, 3));
        Resize.Bilinear(image, 3, 9);

        image.Pixels.ShouldBe(pixels);
        map.ShouldBe(mapCopy);
        chw.ShouldBe(chwCopy);
    }
}
