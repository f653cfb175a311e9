using SquadStudy.Engine.Imaging;

namespace SquadStudy.Engine.Tests.Imaging;

public class ResizeTests
{
    public static TheoryData<string> ResizeCases => ImageFixtures.Names("resize", "input");

    public static TheoryData<string> RgbCases => ImageFixtures.Names("resize_rgb", "output");

    [Theory]
    [MemberData(nameof(ResizeCases))]
    public void BilinearMap_MatchesTorchInterpolate(string input)
    {
        var e = ImageFixtures.Entry("resize", "input", input);
        int sh = e.GetProperty("srcH").GetInt32(), sw = e.GetProperty("srcW").GetInt32();
        int dh = e.GetProperty("dstH").GetInt32(), dw = e.GetProperty("dstW").GetInt32();
        var expected = ImageFixtures.Floats(e.GetProperty("output").GetString()!);

        var actual = Resize.BilinearMap(ImageFixtures.Floats(input), sh, sw, dh, dw);

        actual.Length.ShouldBe(expected.Length);
        NumericAssert.Close(actual, expected, relative: 1e-6, $"{sh}×{sw}→{dh}×{dw}");
    }

    [Theory]
    [MemberData(nameof(RgbCases))]
    public void Bilinear_RgbImage_MatchesTorchRoundedToUint8(string output)
    {
        var e = ImageFixtures.Entry("resize_rgb", "output", output);
        var image = ImageDecoder.Decode(ImageFixtures.Bytes(e.GetProperty("image").GetString()!));

        var resized = Resize.Bilinear(image, e.GetProperty("width").GetInt32(), e.GetProperty("height").GetInt32());

        resized.Pixels.ShouldBe(ImageFixtures.Bytes(output));
    }

    [Fact]
    public void BilinearMap_SameSize_IsIdentity()
    {
        var src = Enumerable.Range(0, 35).Select(i => MathF.Sin(i)).ToArray();

        Resize.BilinearMap(src, 5, 7, 5, 7).ShouldBe(src);
    }

    [Fact]
    public void BilinearMap_2x2To4x4_MatchesHandComputedValues()
    {
        // align_corners=False: output coordinate d maps to s = (d + 0.5)/2 − 0.5 → −0.25 (clamped to 0), 0.25, 0.75, 1.25 (→ last).
        float[] src = [0, 4, 8, 12];
        float[] expected =
        [
            0, 1, 3, 4,
            2, 3, 5, 6,
            6, 7, 9, 10,
            8, 9, 11, 12,
        ];

        Resize.BilinearMap(src, 2, 2, 4, 4).ShouldBe(expected);
    }

    [Fact]
    public void BilinearMap_DoesNotMutateInput()
    {
        var src = Enumerable.Range(0, 12).Select(i => (float)i * 1.5f).ToArray();
        var copy = (float[])src.Clone();

        Resize.BilinearMap(src, 3, 4, 7, 9);

        src.ShouldBe(copy);
    }

    [Fact]
    public void BilinearMap_BadArguments_Throw()
    {
        Should.Throw<ArgumentException>(() => Resize.BilinearMap(new float[5], 2, 3, 4, 4));
        Should.Throw<ArgumentOutOfRangeException>(() => Resize.BilinearMap(new float[6], 2, 3, 0, 4));
        var buffer = new float[16];
        Should.Throw<ArgumentException>(() => Resize.BilinearMap(buffer.AsSpan(0, 4), 2, 2, buffer.AsSpan(0, 16), 4, 4));
    }
}
