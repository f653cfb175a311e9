using System.Buffers.Binary;
using SquadStudy.Engine.Imaging;

namespace SquadStudy.Engine.Tests.Imaging;

public class OrientationTests
{
    // A 3×2 image whose pixel values name their stored position: R = 10·x + y.
    private static RgbImage Stored()
    {
        var pixels = new byte[18];
        for (var y = 0; y < 2; y++)
        {
            for (var x = 0; x < 3; x++)
            {
                pixels[(y * 3 + x) * 3] = (byte)(10 * x + y);
            }
        }

        return new RgbImage(3, 2, pixels);
    }

    private static int[,] Red(RgbImage image)
    {
        var r = new int[image.Height, image.Width];
        for (var y = 0; y < image.Height; y++)
        {
            for (var x = 0; x < image.Width; x++)
            {
                r[y, x] = image[x, y].R;
            }
        }

        return r;
    }

    public static TheoryData<ExifOrientation, int[,]> Cases => new()
    {
        // Stored rows: [00 10 20] / [01 11 21]. Expected display, row by row.
        { ExifOrientation.Normal, new[,] { { 0, 10, 20 }, { 1, 11, 21 } } },
        { ExifOrientation.FlipHorizontal, new[,] { { 20, 10, 0 }, { 21, 11, 1 } } },
        { ExifOrientation.Rotate180, new[,] { { 21, 11, 1 }, { 20, 10, 0 } } },
        { ExifOrientation.FlipVertical, new[,] { { 1, 11, 21 }, { 0, 10, 20 } } },
        { ExifOrientation.Transpose, new[,] { { 0, 1 }, { 10, 11 }, { 20, 21 } } },
        { ExifOrientation.Rotate90Clockwise, new[,] { { 1, 0 }, { 11, 10 }, { 21, 20 } } },
        { ExifOrientation.Transverse, new[,] { { 21, 20 }, { 11, 10 }, { 1, 0 } } },
        { ExifOrientation.Rotate90CounterClockwise, new[,] { { 20, 21 }, { 10, 11 }, { 0, 1 } } },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Apply_MapsStoredPixelsToDisplayPositions(ExifOrientation orientation, int[,] expected)
    {
        Red(Orientation.Apply(Stored(), orientation)).ShouldBe(expected);
    }

    private static byte[] Tiff(bool little, ushort tag, ushort type, uint count, ushort value, uint ifdOffset = 8)
    {
        var t = new byte[26];
        (little ? "II"u8 : "MM"u8).CopyTo(t);
        void U16(int o, ushort v)
        {
            if (little)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(t.AsSpan(o), v);
            }
            else
            {
                BinaryPrimitives.WriteUInt16BigEndian(t.AsSpan(o), v);
            }
        }

        void U32(int o, uint v)
        {
            if (little)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(t.AsSpan(o), v);
            }
            else
            {
                BinaryPrimitives.WriteUInt32BigEndian(t.AsSpan(o), v);
            }
        }

        U16(2, 42);
        U32(4, ifdOffset);
        U16(8, 1);
        U16(10, tag);
        U16(12, type);
        U32(14, count);
        U16(18, value);
        return t;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ReadOrientation_BothByteOrders(bool little)
    {
        ExifTiff.ReadOrientation(Tiff(little, 0x0112, 3, 1, 6)).ShouldBe(ExifOrientation.Rotate90Clockwise);
    }

    [Fact]
    public void ReadOrientation_MalformedOrOutOfRange_IsNormal()
    {
        ExifTiff.ReadOrientation(Tiff(true, 0x0112, 3, 1, 9)).ShouldBe(ExifOrientation.Normal);   // value 9
        ExifTiff.ReadOrientation(Tiff(true, 0x0112, 4, 1, 6)).ShouldBe(ExifOrientation.Normal);   // LONG, not SHORT
        ExifTiff.ReadOrientation(Tiff(true, 0x0112, 3, 0, 6)).ShouldBe(ExifOrientation.Normal);   // count 0
        ExifTiff.ReadOrientation(Tiff(true, 0x0110, 3, 1, 6)).ShouldBe(ExifOrientation.Normal);   // other tag
        ExifTiff.ReadOrientation(Tiff(true, 0x0112, 3, 1, 6, ifdOffset: 25)).ShouldBe(ExifOrientation.Normal);
        ExifTiff.ReadOrientation(Tiff(true, 0x0112, 3, 1, 6, ifdOffset: uint.MaxValue)).ShouldBe(ExifOrientation.Normal);
        ExifTiff.ReadOrientation(Tiff(true, 0x0112, 3, 1, 6)[..20]).ShouldBe(ExifOrientation.Normal); // entry cut off
        ExifTiff.ReadOrientation("XX*\0\0\0\0\0"u8).ShouldBe(ExifOrientation.Normal);
        ExifTiff.ReadOrientation([]).ShouldBe(ExifOrientation.Normal);
    }

    [Fact]
    public void CmykToRgb_HandComputed_BothPolarities()
    {
        // Plain ink: C=255 (full cyan), K=0 → R=0, G=B=255. K=255 → black.
        JpegDecoder.CmykToRgb([255, 0, 0, 0, 0, 0, 0, 255], inverted: false).ShouldBe(new byte[] { 0, 255, 255, 0, 0, 0 });

        // Adobe inverted: stored 0 means full ink. (C', K') = (128, 200) → R = round(128·200/255) = 100.
        JpegDecoder.CmykToRgb([128, 255, 0, 200], inverted: true).ShouldBe(new byte[] { 100, 200, 0 });
    }
}
