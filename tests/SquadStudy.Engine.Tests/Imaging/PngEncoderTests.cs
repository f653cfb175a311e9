using SquadStudy.Engine.Imaging;

namespace SquadStudy.Engine.Tests.Imaging;

public class PngEncoderTests
{
    private static RgbImage RandomImage(int width, int height, int seed)
    {
        var pixels = new byte[width * height * 3];
        new Random(seed).NextBytes(pixels);
        return new RgbImage(width, height, pixels);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(17, 13)]
    [InlineData(256, 3)]
    public void Encode_ThenDecode_ReturnsSamePixels(int width, int height)
    {
        var image = RandomImage(width, height, width * 31 + height);

        var png = PngEncoder.Encode(image);
        var decoded = ImageDecoder.Decode(png);

        ImageDecoder.DetectFormat(png).ShouldBe(ImageFormat.Png);
        decoded.Width.ShouldBe(width);
        decoded.Height.ShouldBe(height);
        decoded.Pixels.ShouldBe(image.Pixels);
    }

    [Fact]
    public void EncodeGray_ThenDecode_ReplicatesGrayIntoRgb()
    {
        byte[] gray = [0, 1, 127, 128, 254, 255];

        var decoded = ImageDecoder.Decode(PngEncoder.EncodeGray(gray, 3, 2));

        decoded.Pixels.ShouldBe(gray.SelectMany(g => new[] { g, g, g }).ToArray());
    }

    [Fact]
    public void EncodeRgba_ThenDecode_CompositesOverWhiteByDefaultAndBlackOnRequest()
    {
        byte[] rgba = [200, 100, 50, 255, 200, 100, 50, 0, 200, 100, 50, 128];
        var png = PngEncoder.EncodeRgba(rgba, 3, 1);

        var white = ImageDecoder.Decode(png);
        var black = ImageDecoder.Decode(png, DecodeOptions.Default with { Alpha = AlphaHandling.CompositeOverBlack });
        var discard = ImageDecoder.Decode(png, DecodeOptions.Default with { Alpha = AlphaHandling.Discard });

        // round((c·a + bg·(255−a))/255) by hand: a=128 → 200→(25600+127·255)/255=227.4→227 over white.
        white.Pixels.ShouldBe(new byte[] { 200, 100, 50, 255, 255, 255, 227, 177, 152 });
        black.Pixels.ShouldBe(new byte[] { 200, 100, 50, 0, 0, 0, 100, 50, 25 });
        discard.Pixels.ShouldBe(new byte[] { 200, 100, 50, 200, 100, 50, 200, 100, 50 });
    }

    [Fact]
    public void Encode_WrongBufferLength_Throws()
    {
        Should.Throw<ArgumentException>(() => PngEncoder.EncodeGray(new byte[5], 3, 2));
    }
}
