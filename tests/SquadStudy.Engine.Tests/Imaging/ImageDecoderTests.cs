using SquadStudy.Engine.Imaging;

namespace SquadStudy.Engine.Tests.Imaging;

public class ImageDecoderTests
{
    public static TheoryData<string> DecodeFixtures => ImageFixtures.Names("decode", "file");

    public static TheoryData<string> RejectFixtures => ImageFixtures.Names("reject", "file");

    /// <summary>The reference RGBA (from PIL or numpy) composited over <paramref name="background"/>,
    /// with the rounding done in double precision rather than the decoder's integer trick.</summary>
    private static byte[] Expected(byte[] rgba, AlphaHandling alpha)
    {
        var n = rgba.Length / 4;
        var rgb = new byte[n * 3];
        for (var i = 0; i < n; i++)
        {
            var a = rgba[4 * i + 3] / 255.0;
            for (var c = 0; c < 3; c++)
            {
                double v = rgba[4 * i + c];
                rgb[3 * i + c] = alpha switch
                {
                    AlphaHandling.Discard => (byte)v,
                    AlphaHandling.CompositeOverWhite => (byte)Math.Round(v * a + 255 * (1 - a)),
                    _ => (byte)Math.Round(v * a),
                };
            }
        }

        return rgb;
    }

    [Theory]
    [MemberData(nameof(DecodeFixtures))]
    public void Decode_EveryVariant_EqualsReferencePixels(string file)
    {
        var entry = ImageFixtures.Entry("decode", "file", file);
        var reference = ImageFixtures.Bytes(entry.GetProperty("reference").GetString()!);

        foreach (var alpha in Enum.GetValues<AlphaHandling>())
        {
            var image = ImageDecoder.Decode(ImageFixtures.Bytes(file), DecodeOptions.Default with { Alpha = alpha });

            image.Width.ShouldBe(entry.GetProperty("width").GetInt32());
            image.Height.ShouldBe(entry.GetProperty("height").GetInt32());
            var expected = Expected(reference, alpha);
            var mismatches = Enumerable.Range(0, expected.Length).Count(i => image.Pixels[i] != expected[i]);
            mismatches.ShouldBe(0, $"{file} ({alpha}): {mismatches} of {expected.Length} samples differ");
        }
    }

    [Fact]
    public void DecodeFile_NamesThePathInErrors()
    {
        var path = ImageFixtures.Path("reject_gif.gif");

        var e = Should.Throw<ImageDecodeException>(() => ImageDecoder.DecodeFile(path));

        e.Message.ShouldContain(path);
        e.Message.ShouldContain("GIF");
    }

    [Fact]
    public void DecodeFile_MissingFile_ThrowsImageDecodeException()
    {
        var path = Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}.png");

        Should.Throw<ImageDecodeException>(() => ImageDecoder.DecodeFile(path)).Message.ShouldContain(path);
    }

    [Fact]
    public void DecodeFile_IgnoresTheExtension()
    {
        var path = Path.Combine(Path.GetTempPath(), $"really-a-png-{Guid.NewGuid():N}.jpg");
        File.WriteAllBytes(path, ImageFixtures.Bytes("png_rgb8.png"));
        try
        {
            ImageDecoder.DecodeFile(path).Pixels.ShouldBe(ImageDecoder.Decode(ImageFixtures.Bytes("png_rgb8.png")).Pixels);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [MemberData(nameof(RejectFixtures))]
    public void Decode_RejectFixture_ThrowsImageDecodeException(string file)
    {
        var e = Should.Throw<ImageDecodeException>(() => ImageDecoder.Decode(ImageFixtures.Bytes(file)));

        e.Message.ShouldNotBeNullOrWhiteSpace();
    }

    [Theory]
    [InlineData("reject_png_huge.png", "PNG")]
    [InlineData("reject_jpeg_huge.jpg", "JPEG")]
    public void Decode_HugeDimensions_RejectedBeforeAllocation(string file, string format)
    {
        var e = Should.Throw<ImageDecodeException>(() => ImageDecoder.Decode(ImageFixtures.Bytes(file)));

        e.Message.ShouldStartWith(format);
        e.Message.ShouldContain("60000×60000");
        e.Message.ShouldContain("exceeds the limit");
    }

    [Theory]
    [InlineData("reject_png_huge.png")]
    [InlineData("reject_jpeg_huge.jpg")]
    public void Decode_HugeDimensionsWithoutLimit_StillRejectedCleanly(string file)
    {
        var options = DecodeOptions.Default with { MaxPixels = long.MaxValue };

        Should.Throw<ImageDecodeException>(() => ImageDecoder.Decode(ImageFixtures.Bytes(file), options))
            .Message.ShouldContain("too large to decode in memory");
    }

    [Fact]
    public void Decode_MaxPixelsOption_IsHonoured()
    {
        var data = ImageFixtures.Bytes("png_rgb8.png"); // 17×13 = 221 pixels

        ImageDecoder.Decode(data, DecodeOptions.Default with { MaxPixels = 221 }).Width.ShouldBe(17);
        Should.Throw<ImageDecodeException>(() => ImageDecoder.Decode(data, DecodeOptions.Default with { MaxPixels = 220 }))
            .Message.ShouldContain("exceeds the limit of 220");
    }

    [Fact]
    public void Decode_Empty_Throws()
    {
        Should.Throw<ImageDecodeException>(() => ImageDecoder.Decode(ReadOnlySpan<byte>.Empty)).Message.ShouldContain("empty");
    }

    [Theory]
    [InlineData(new byte[] { 0x00 })]
    [InlineData(new byte[] { 0xFF, 0xD8 })]
    [InlineData(new byte[] { 0xFF, 0xD8, 0xFF })]
    [InlineData(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A })]
    [InlineData(new byte[] { (byte)'B', (byte)'M', 1, 2, 3 })]
    public void Decode_GarbageOrSignatureOnly_Throws(byte[] data)
    {
        Should.Throw<ImageDecodeException>(() => ImageDecoder.Decode(data));
    }

    [Theory]
    [InlineData("jpeg_baseline_420.jpg")]
    [InlineData("jpeg_progressive_420.jpg")]
    [InlineData("jpeg_cmyk_adobe.jpg")]
    [InlineData("png_rgb8.png")]
    [InlineData("png_rgba16_interlaced.png")]
    [InlineData("png_palette4_trns.png")]
    public void Decode_EveryTruncation_ThrowsOrSucceedsWithoutCrash(string file)
    {
        var data = ImageFixtures.Bytes(file);
        var rejected = 0;
        for (var length = 0; length < data.Length; length++)
        {
            try
            {
                var image = ImageDecoder.Decode(data.AsSpan(0, length));
                image.Pixels.Length.ShouldBe(image.Width * image.Height * 3);
            }
            catch (ImageDecodeException)
            {
                rejected++;
            }
        }

        // A JPEG or PNG cut anywhere before its end marker is incomplete: every prefix is refused.
        rejected.ShouldBe(data.Length, $"{file}: some truncations were accepted");
    }

    [Fact]
    public void Decode_TruncatedJpeg_AcceptedWhenWarningsAllowed()
    {
        var data = ImageFixtures.Bytes("jpeg_baseline_444.jpg");
        var truncated = data[..^40];

        Should.Throw<ImageDecodeException>(() => ImageDecoder.Decode(truncated)).Message.ShouldContain("JPEG");
        var image = ImageDecoder.Decode(truncated, DecodeOptions.Default with { AllowJpegWarnings = true });
        image.Width.ShouldBe(17);
    }

    [Theory]
    [InlineData("jpeg_baseline_420.jpg", 11)]
    [InlineData("jpeg_progressive_420.jpg", 12)]
    [InlineData("jpeg_ycck.jpg", 13)]
    [InlineData("jpeg_exif_6_be.jpg", 14)]
    [InlineData("png_rgb8_interlaced.png", 15)]
    [InlineData("png_palette8_trns.png", 16)]
    [InlineData("png_gray2.png", 17)]
    public void Decode_MutatedBytes_NeverCrashes(string file, int seed)
    {
        var original = ImageFixtures.Bytes(file);
        var random = new Random(seed);
        for (var round = 0; round < 60; round++)
        {
            var data = (byte[])original.Clone();
            var edits = random.Next(1, 6);
            for (var e = 0; e < edits; e++)
            {
                // Leave the signature alone half the time so the codec, not the sniffing, is exercised.
                var from = random.Next(2) == 0 ? 8 : 0;
                data[random.Next(from, data.Length)] = (byte)random.Next(256);
            }

            try
            {
                var image = ImageDecoder.Decode(data);
                image.Pixels.Length.ShouldBe(image.Width * image.Height * 3);
            }
            catch (ImageDecodeException e)
            {
                e.Message.ShouldNotBeNullOrWhiteSpace();
            }
        }
    }

    [Fact]
    public void DetectFormat_UsesSignature()
    {
        ImageDecoder.DetectFormat(ImageFixtures.Bytes("jpeg_gray.jpg")).ShouldBe(ImageFormat.Jpeg);
        ImageDecoder.DetectFormat(ImageFixtures.Bytes("png_gray1.png")).ShouldBe(ImageFormat.Png);
        ImageDecoder.DetectFormat(ImageFixtures.Bytes("reject_gif.gif")).ShouldBe(ImageFormat.Unknown);
    }

    [Fact]
    public void Decode_ExifOrientation_CanBeIgnored()
    {
        var rotated = ImageDecoder.Decode(ImageFixtures.Bytes("jpeg_exif_6.jpg"),
            DecodeOptions.Default with { ApplyExifOrientation = false });
        var plain = ImageDecoder.Decode(ImageFixtures.Bytes("jpeg_exif_1.jpg"));

        rotated.Width.ShouldBe(17);
        rotated.Pixels.ShouldBe(plain.Pixels);
    }
}

public class ImageDecoderConcurrencyTests
{
    [Fact]
    public void Decode_InParallel_GivesSameResultsAsSequential()
    {
        var files = ImageFixtures.Entries("decode").Select(e => e.GetProperty("file").GetString()!).ToArray();
        var data = files.Select(ImageFixtures.Bytes).ToArray();
        var sequential = data.Select(d => ImageDecoder.Decode(d).Pixels).ToArray();

        var parallel = new byte[files.Length * 4][];
        Parallel.For(0, parallel.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 },
            i => parallel[i] = ImageDecoder.Decode(data[i % files.Length]).Pixels);

        for (var i = 0; i < parallel.Length; i++)
        {
            parallel[i].ShouldBe(sequential[i % files.Length], files[i % files.Length]);
        }
    }
}
