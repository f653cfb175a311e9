using System.Buffers.Binary;

namespace SquadStudy.Engine.Imaging;

/// <summary>
/// The two facts the decoder needs from a JPEG's marker segments, which TurboJPEG does not expose:
/// the EXIF orientation (APP1 "Exif", IFD0 tag 0x0112) and whether an Adobe APP14 segment is present
/// (Adobe applications store CMYK inverted, and every CMYK JPEG libjpeg writes carries the segment).
/// </summary>
internal readonly record struct JpegMarkers(ExifOrientation Orientation, bool HasAdobeSegment)
{
    private const byte MarkerSos = 0xDA;
    private const byte MarkerEoi = 0xD9;
    private const byte MarkerApp1 = 0xE1;
    private const byte MarkerApp14 = 0xEE;
    private const ushort TagOrientation = 0x0112;
    private const ushort TypeShort = 3;

    /// <summary>
    /// Walks the segments before the first scan. Malformed metadata is ignored (orientation 1), as
    /// browsers and PIL do: the codec, not this walk, decides whether the file is a valid JPEG.
    /// </summary>
    public static JpegMarkers Read(ReadOnlySpan<byte> jpeg)
    {
        var orientation = ExifOrientation.Normal;
        var orientationSeen = false;
        var adobe = false;
        var pos = 2; // after SOI
        while (pos + 1 < jpeg.Length)
        {
            if (jpeg[pos] != 0xFF)
            {
                break;
            }

            var marker = jpeg[pos + 1];
            if (marker == 0xFF)
            {
                pos++; // fill byte
                continue;
            }

            if (marker == MarkerSos || marker == MarkerEoi)
            {
                break;
            }

            if (marker == 0x01 || marker is >= 0xD0 and <= 0xD7)
            {
                pos += 2; // standalone markers carry no length
                continue;
            }

            if (pos + 4 > jpeg.Length)
            {
                break;
            }

            int length = BinaryPrimitives.ReadUInt16BigEndian(jpeg[(pos + 2)..]);
            if (length < 2 || pos + 2 + length > jpeg.Length)
            {
                break;
            }

            var segment = jpeg.Slice(pos + 4, length - 2);
            if (marker == MarkerApp1 && !orientationSeen && segment.StartsWith("Exif\0\0"u8))
            {
                orientationSeen = true;
                orientation = ReadOrientation(segment[6..]);
            }
            else if (marker == MarkerApp14 && segment.StartsWith("Adobe"u8))
            {
                adobe = true;
            }

            pos += 2 + length;
        }

        return new JpegMarkers(orientation, adobe);
    }

    /// <summary>Reads tag 0x0112 from IFD0 of a TIFF structure (EXIF 2.32 §4.6.4), either byte order.</summary>
    internal static ExifOrientation ReadOrientation(ReadOnlySpan<byte> tiff)
    {
        if (tiff.Length < 8)
        {
            return ExifOrientation.Normal;
        }

        bool little;
        if (tiff.StartsWith("II"u8))
        {
            little = true;
        }
        else if (tiff.StartsWith("MM"u8))
        {
            little = false;
        }
        else
        {
            return ExifOrientation.Normal;
        }

        if (U16(tiff, 2, little) != 42)
        {
            return ExifOrientation.Normal;
        }

        var ifd = U32(tiff, 4, little);
        if (ifd > (uint)tiff.Length - 2)
        {
            return ExifOrientation.Normal;
        }

        var count = U16(tiff, (int)ifd, little);
        for (var i = 0; i < count; i++)
        {
            var entry = (long)ifd + 2 + 12L * i;
            if (entry + 12 > tiff.Length)
            {
                break;
            }

            var e = (int)entry;
            if (U16(tiff, e, little) != TagOrientation)
            {
                continue;
            }

            if (U16(tiff, e + 2, little) != TypeShort || U32(tiff, e + 4, little) < 1)
            {
                return ExifOrientation.Normal;
            }

            // A SHORT value of count 1 sits left-justified in the 4-byte value field.
            var value = U16(tiff, e + 8, little);
            return value is >= 1 and <= 8 ? (ExifOrientation)value : ExifOrientation.Normal;
        }

        return ExifOrientation.Normal;
    }

    private static ushort U16(ReadOnlySpan<byte> s, int offset, bool little) =>
        little ? BinaryPrimitives.ReadUInt16LittleEndian(s[offset..]) : BinaryPrimitives.ReadUInt16BigEndian(s[offset..]);

    private static uint U32(ReadOnlySpan<byte> s, int offset, bool little) =>
        little ? BinaryPrimitives.ReadUInt32LittleEndian(s[offset..]) : BinaryPrimitives.ReadUInt32BigEndian(s[offset..]);
}
