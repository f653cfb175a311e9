using System.Buffers.Binary;

namespace SquadStudy.Engine.Imaging;

/// <summary>The Orientation tag of an EXIF TIFF structure (JPEG APP1 after "Exif\0\0", PNG eXIf).</summary>
internal static class ExifTiff
{
    private const ushort TagOrientation = 0x0112;
    private const ushort TypeShort = 3;

    /// <summary>Reads tag 0x0112 from IFD0 of a TIFF structure (EXIF 2.32 §4.6.4), either byte order.</summary>
    public static ExifOrientation ReadOrientation(ReadOnlySpan<byte> tiff)
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
