using SquadStudy.Engine.Imaging.Interop;

namespace SquadStudy.Engine.Imaging;

/// <summary>Encodes 8-bit images as PNG through libspng (non-interlaced, libspng's default
/// compression and adaptive filtering).</summary>
public static class PngEncoder
{
    /// <summary>An RGB8 PNG of the image.</summary>
    public static byte[] Encode(RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        return Encode(image.Pixels, image.Width, image.Height, Spng.ColorTypeTruecolor, 3);
    }

    /// <summary>An RGBA8 PNG of <paramref name="rgba"/> (<c>width·height·4</c> bytes, row-major).</summary>
    public static byte[] EncodeRgba(ReadOnlySpan<byte> rgba, int width, int height) =>
        Encode(rgba, width, height, Spng.ColorTypeTruecolorAlpha, 4);

    /// <summary>An 8-bit greyscale PNG of <paramref name="gray"/> (<c>width·height</c> bytes, row-major).</summary>
    public static byte[] EncodeGray(ReadOnlySpan<byte> gray, int width, int height) =>
        Encode(gray, width, height, Spng.ColorTypeGrayscale, 1);

    /// <summary>Encodes and writes the image to <paramref name="path"/>.</summary>
    public static void EncodeFile(RgbImage image, string path) => File.WriteAllBytes(path, Encode(image));

    private static unsafe byte[] Encode(ReadOnlySpan<byte> pixels, int width, int height, byte colorType, int channels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if ((long)width * height * channels != pixels.Length)
        {
            throw new ArgumentException(
                $"{width}×{height} pixels of {channels} channel(s) need {(long)width * height * channels} bytes, got {pixels.Length}.",
                nameof(pixels));
        }

        using var ctx = Spng.spng_ctx_new(Spng.ContextEncoder);
        if (ctx.IsInvalid)
        {
            throw new InvalidOperationException("PNG: libspng could not create an encoder context.");
        }

        Check(Spng.spng_set_option(ctx, Spng.OptionEncodeToBuffer, 1), "selecting buffer output");
        var ihdr = new Spng.Ihdr { Width = (uint)width, Height = (uint)height, BitDepth = 8, ColorType = colorType };
        Check(Spng.spng_set_ihdr(ctx, ihdr), "setting the header");
        fixed (byte* src = pixels)
        {
            Check(Spng.spng_encode_image(ctx, src, (nuint)pixels.Length, Spng.FormatPng, Spng.EncodeFinalize), "encoding");
        }

        using var buffer = Spng.spng_get_png_buffer(ctx, out var length, out var error);
        Check(error, "retrieving the output");
        if (buffer.IsInvalid)
        {
            throw new InvalidOperationException("PNG: libspng returned no output buffer.");
        }

        return new ReadOnlySpan<byte>((void*)buffer.DangerousGetHandle(), checked((int)length)).ToArray();
    }

    private static void Check(int rc, string step)
    {
        if (rc != 0)
        {
            throw new InvalidOperationException($"PNG: libspng error while {step}: {Spng.ErrorMessage(rc)} (code {rc}).");
        }
    }
}
