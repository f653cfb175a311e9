namespace SquadStudy.Engine.Imaging;

/// <summary>
/// Decodes JPEG (libjpeg-turbo) and PNG (libspng) files to <see cref="RgbImage"/>. The format is
/// recognised by its signature, never by the file name. Any failure is an
/// <see cref="ImageDecodeException"/>.
/// </summary>
public static class ImageDecoder
{
    private static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private static ReadOnlySpan<byte> JpegSignature => [0xFF, 0xD8, 0xFF];

    /// <summary>Decodes an in-memory JPEG or PNG file with <see cref="DecodeOptions.Default"/>.</summary>
    public static RgbImage Decode(ReadOnlySpan<byte> data) => Decode(data, DecodeOptions.Default);

    /// <summary>Decodes an in-memory JPEG or PNG file.</summary>
    public static RgbImage Decode(ReadOnlySpan<byte> data, DecodeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return DetectFormat(data) switch
        {
            ImageFormat.Jpeg => JpegDecoder.Decode(data, options),
            ImageFormat.Png => PngDecoder.Decode(data, options),
            _ => throw new ImageDecodeException(data.IsEmpty
                ? "The image data is empty (0 bytes)."
                : $"Unsupported or unrecognised image format ({Describe(data)}); expected JPEG or PNG."),
        };
    }

    /// <summary>Reads and decodes a JPEG or PNG file; the path is named in any error.</summary>
    public static RgbImage DecodeFile(string path) => DecodeFile(path, DecodeOptions.Default);

    /// <summary>Reads and decodes a JPEG or PNG file; the path is named in any error.</summary>
    public static RgbImage DecodeFile(string path, DecodeOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] data;
        try
        {
            data = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ImageDecodeException($"{path}: cannot read the file: {e.Message}", e);
        }

        try
        {
            return Decode(data, options);
        }
        catch (ImageDecodeException e)
        {
            throw new ImageDecodeException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>The format named by the data's signature.</summary>
    public static ImageFormat DetectFormat(ReadOnlySpan<byte> data)
    {
        if (data.StartsWith(PngSignature))
        {
            return ImageFormat.Png;
        }

        return data.StartsWith(JpegSignature) ? ImageFormat.Jpeg : ImageFormat.Unknown;
    }

    internal static void CheckDimensions(string format, int width, int height, DecodeOptions options)
    {
        if (width <= 0 || height <= 0)
        {
            throw new ImageDecodeException($"{format}: invalid dimensions {width}×{height}.");
        }

        if ((long)width * height > options.MaxPixels)
        {
            throw new ImageDecodeException(
                $"{format}: image of {width}×{height} pixels exceeds the limit of {options.MaxPixels} pixels.");
        }

        // The decoders need one array of up to 4 bytes per pixel (CMYK, RGBA).
        if ((long)width * height * 4 > Array.MaxLength)
        {
            throw new ImageDecodeException($"{format}: image of {width}×{height} pixels is too large to decode in memory.");
        }
    }

    private static string Describe(ReadOnlySpan<byte> data)
    {
        if (data.StartsWith("GIF8"u8))
        {
            return "GIF";
        }

        if (data.StartsWith("BM"u8))
        {
            return "BMP";
        }

        if (data.Length >= 12 && data.StartsWith("RIFF"u8) && data[8..12].SequenceEqual("WEBP"u8))
        {
            return "WebP";
        }

        return "first bytes " + Convert.ToHexString(data[..Math.Min(8, data.Length)]);
    }
}

/// <summary>An image file format recognised by its signature.</summary>
public enum ImageFormat
{
    Unknown,
    Jpeg,
    Png,
}
