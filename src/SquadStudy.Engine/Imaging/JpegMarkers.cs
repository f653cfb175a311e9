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
                orientation = ExifTiff.ReadOrientation(segment[6..]);
            }
            else if (marker == MarkerApp14 && segment.StartsWith("Adobe"u8))
            {
                adobe = true;
            }

            pos += 2 + length;
        }

        return new JpegMarkers(orientation, adobe);
    }
}
