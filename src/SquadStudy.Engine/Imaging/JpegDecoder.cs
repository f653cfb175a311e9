using SquadStudy.Engine.Imaging.Interop;

namespace SquadStudy.Engine.Imaging;

/// <summary>JPEG decoding through TurboJPEG (libjpeg-turbo), the library PIL's JPEG plugin also uses.</summary>
internal static class JpegDecoder
{
    public static unsafe RgbImage Decode(ReadOnlySpan<byte> data, DecodeOptions options)
    {
        using var handle = TurboJpeg.tjInitDecompress();
        if (handle.IsInvalid)
        {
            throw new ImageDecodeException("JPEG: TurboJPEG could not create a decompressor.");
        }

        fixed (byte* src = data)
        {
            var size = (nuint)data.Length;
            if (TurboJpeg.tjDecompressHeader3(handle, src, size, out var width, out var height, out _, out var colorspace) != 0)
            {
                throw new ImageDecodeException($"JPEG: invalid header: {TurboJpeg.ErrorMessage(handle)}.");
            }

            ImageDecoder.CheckDimensions("JPEG", width, height, options);
            var cmyk = colorspace is TurboJpeg.ColorspaceCmyk or TurboJpeg.ColorspaceYcck;
            var channels = cmyk ? 4 : 3;
            var pixels = new byte[checked(width * height * channels)];
            var flags = TurboJpeg.FlagAccurateDct | TurboJpeg.FlagLimitScans
                | (options.AllowJpegWarnings ? 0 : TurboJpeg.FlagStopOnWarning);
            int rc;
            fixed (byte* dst = pixels)
            {
                rc = TurboJpeg.tjDecompress2(handle, src, size, dst, width, width * channels, height,
                    cmyk ? TurboJpeg.PixelFormatCmyk : TurboJpeg.PixelFormatRgb, flags);
            }

            // -1 with TJERR_WARNING means libjpeg recovered (e.g. a truncated file, filled with grey).
            if (rc != 0 && (!options.AllowJpegWarnings || TurboJpeg.tjGetErrorCode(handle) != TurboJpeg.ErrorWarning))
            {
                throw new ImageDecodeException($"JPEG: corrupt or truncated data: {TurboJpeg.ErrorMessage(handle)}.");
            }

            var markers = JpegMarkers.Read(data);
            var rgb = cmyk ? new RgbImage(width, height, CmykToRgb(pixels, markers.HasAdobeSegment))
                : new RgbImage(width, height, pixels);
            return options.ApplyExifOrientation ? Orientation.Apply(rgb, markers.Orientation) : rgb;
        }
    }

    /// <summary>
    /// Naive CMYK→RGB without a colour profile: <c>R = (255−C)(255−K)/255</c> (likewise G from M,
    /// B from Y), rounded; the conversion PIL's <c>convert("RGB")</c> does. Files with an Adobe APP14
    /// segment store inverted values (255 − ink), the Photoshop convention that libjpeg and PIL follow
    /// when writing, so for them <c>R = C'·K'/255</c> on the stored values C', K'.
    /// </summary>
    internal static byte[] CmykToRgb(ReadOnlySpan<byte> cmyk, bool inverted)
    {
        var n = cmyk.Length / 4;
        var rgb = new byte[n * 3];
        for (var i = 0; i < n; i++)
        {
            int c = cmyk[4 * i], m = cmyk[4 * i + 1], y = cmyk[4 * i + 2], k = cmyk[4 * i + 3];
            if (!inverted)
            {
                c = 255 - c;
                m = 255 - m;
                y = 255 - y;
                k = 255 - k;
            }

            // (x + 127) / 255 rounds x/255 to nearest: an integer over 255 is never exactly half-way.
            rgb[3 * i] = (byte)((c * k + 127) / 255);
            rgb[3 * i + 1] = (byte)((m * k + 127) / 255);
            rgb[3 * i + 2] = (byte)((y * k + 127) / 255);
        }

        return rgb;
    }
}
