using SquadStudy.Engine.Imaging.Interop;

namespace SquadStudy.Engine.Imaging;

/// <summary>
/// PNG decoding through libspng. Every colour type, bit depth and interlacing is decoded to RGBA8
/// with tRNS applied; 16-bit samples are reduced to 8 bits by libspng (the high byte, as PIL does
/// for RGB 16-bit). No gamma or colour-profile correction is applied (PIL applies none either).
/// An eXIf chunk's orientation is applied as for JPEG (PIL's <c>exif_transpose</c> does the same).
/// </summary>
internal static class PngDecoder
{
    // Ancillary chunks (text, ICC profiles…) bigger than this are refused, and the total kept in
    // memory is capped, so a file cannot make libspng buffer unbounded metadata.
    private const int ChunkSizeLimit = 16 << 20;
    private const int ChunkCacheLimit = 64 << 20;

    // IEND's type and CRC, which libspng does not insist on (it stops at the chunk's type).
    private static ReadOnlySpan<byte> IendChunk => [(byte)'I', (byte)'E', (byte)'N', (byte)'D', 0xAE, 0x42, 0x60, 0x82];

    public static unsafe RgbImage Decode(ReadOnlySpan<byte> data, DecodeOptions options)
    {
        using var ctx = Spng.spng_ctx_new(0);
        if (ctx.IsInvalid)
        {
            throw new ImageDecodeException("PNG: libspng could not create a decoder context.");
        }

        fixed (byte* src = data)
        {
            Check(Spng.spng_set_chunk_limits(ctx, ChunkSizeLimit, ChunkCacheLimit), "setting chunk limits");
            Check(Spng.spng_set_png_buffer(ctx, src, (nuint)data.Length), "reading the signature");
            Check(Spng.spng_get_ihdr(ctx, out var ihdr), "reading the header");
            if (ihdr.Width > int.MaxValue || ihdr.Height > int.MaxValue)
            {
                throw new ImageDecodeException($"PNG: image of {ihdr.Width}×{ihdr.Height} pixels is too large.");
            }

            int width = (int)ihdr.Width, height = (int)ihdr.Height;
            ImageDecoder.CheckDimensions("PNG", width, height, options);
            Check(Spng.spng_decoded_image_size(ctx, Spng.FormatRgba8, out var length), "sizing the image");
            if (length != (nuint)width * (nuint)height * 4)
            {
                throw new ImageDecodeException($"PNG: unexpected decoded size {length} for {width}×{height}.");
            }

            var rgba = new byte[(int)length];
            fixed (byte* dst = rgba)
            {
                Check(Spng.spng_decode_image(ctx, dst, length, Spng.FormatRgba8, Spng.DecodeTrns), "decoding");
            }

            // libspng stops reading once the compressed stream ends; without this a file cut
            // anywhere after its last pixel (IDAT CRC, IEND) would pass as intact.
            Check(Spng.spng_decode_chunks(ctx), "reading the chunks after the image data");
            if (data.IndexOf(IendChunk) < 0)
            {
                throw new ImageDecodeException("PNG: truncated file: no complete IEND chunk.");
            }

            var image = new RgbImage(width, height, RemoveAlpha(rgba, options.Alpha));
            return options.ApplyExifOrientation ? Orientation.Apply(image, ReadOrientation(ctx)) : image;
        }
    }

    /// <summary>The orientation in the eXIf chunk (PNG 1.5 extension), read like a JPEG's EXIF.</summary>
    private static unsafe ExifOrientation ReadOrientation(SpngContext ctx)
    {
        var rc = Spng.spng_get_exif(ctx, out var exif);
        if (rc == Spng.ErrorChunkNotAvailable)
        {
            return ExifOrientation.Normal;
        }

        Check(rc, "reading the eXIf chunk");
        if (exif.Data == 0 || exif.Length > int.MaxValue)
        {
            return ExifOrientation.Normal;
        }

        // The data belongs to the context, which the caller keeps alive until this returns.
        return ExifTiff.ReadOrientation(new ReadOnlySpan<byte>((void*)exif.Data, (int)exif.Length));
    }

    /// <summary>
    /// <c>out = round((c·a + bg·(255 − a)) / 255)</c> with bg = 255 (white) or 0 (black), or the
    /// stored colour unchanged for <see cref="AlphaHandling.Discard"/>.
    /// </summary>
    internal static byte[] RemoveAlpha(ReadOnlySpan<byte> rgba, AlphaHandling alpha)
    {
        var n = rgba.Length / 4;
        var rgb = new byte[n * 3];
        var background = alpha == AlphaHandling.CompositeOverWhite ? 255 : 0;
        for (var i = 0; i < n; i++)
        {
            int a = rgba[4 * i + 3];
            for (var c = 0; c < 3; c++)
            {
                int v = rgba[4 * i + c];
                rgb[3 * i + c] = alpha == AlphaHandling.Discard || a == 255
                    ? (byte)v
                    : (byte)((v * a + background * (255 - a) + 127) / 255);
            }
        }

        return rgb;
    }

    private static void Check(int rc, string step)
    {
        if (rc != 0)
        {
            throw new ImageDecodeException($"PNG: error while {step}: {Spng.ErrorMessage(rc)} (libspng code {rc}).");
        }
    }
}
