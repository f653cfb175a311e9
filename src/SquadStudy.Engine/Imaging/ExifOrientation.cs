namespace SquadStudy.Engine.Imaging;

/// <summary>
/// The EXIF Orientation tag (0x0112): how the stored pixels must be transformed for display.
/// Values and meanings follow EXIF 2.32 / TIFF 6.0 ("row 0 is visual top, column 0 is visual left" …).
/// </summary>
public enum ExifOrientation
{
    Normal = 1,
    FlipHorizontal = 2,
    Rotate180 = 3,
    FlipVertical = 4,
    Transpose = 5,
    Rotate90Clockwise = 6,
    Transverse = 7,
    Rotate90CounterClockwise = 8,
}

/// <summary>Applies an <see cref="ExifOrientation"/> to an image.</summary>
public static class Orientation
{
    /// <summary>
    /// Returns the upright image (the input itself for <see cref="ExifOrientation.Normal"/>). Equal to
    /// PIL's <c>ImageOps.exif_transpose</c>: 2 mirror, 3 rotate 180°, 4 flip, 5 transpose (swap x and
    /// y), 6 rotate 90° clockwise, 7 transverse (anti-diagonal), 8 rotate 90° counter-clockwise.
    /// </summary>
    public static RgbImage Apply(RgbImage image, ExifOrientation orientation)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (orientation == ExifOrientation.Normal)
        {
            return image;
        }

        if (orientation is < ExifOrientation.Normal or > ExifOrientation.Rotate90CounterClockwise)
        {
            throw new ArgumentOutOfRangeException(nameof(orientation), orientation, "EXIF orientation must be 1–8.");
        }

        int w = image.Width, h = image.Height;
        var swap = orientation >= ExifOrientation.Transpose;
        int ow = swap ? h : w, oh = swap ? w : h;
        var src = image.Pixels;
        var dst = new byte[src.Length];
        for (var y = 0; y < oh; y++)
        {
            for (var x = 0; x < ow; x++)
            {
                // (sx, sy): the stored pixel that appears at display position (x, y).
                var (sx, sy) = orientation switch
                {
                    ExifOrientation.FlipHorizontal => (w - 1 - x, y),
                    ExifOrientation.Rotate180 => (w - 1 - x, h - 1 - y),
                    ExifOrientation.FlipVertical => (x, h - 1 - y),
                    ExifOrientation.Transpose => (y, x),
                    ExifOrientation.Rotate90Clockwise => (y, h - 1 - x),
                    ExifOrientation.Transverse => (w - 1 - y, h - 1 - x),
                    _ => (w - 1 - y, x), // Rotate90CounterClockwise
                };
                var s = (sy * w + sx) * 3;
                var d = (y * ow + x) * 3;
                dst[d] = src[s];
                dst[d + 1] = src[s + 1];
                dst[d + 2] = src[s + 2];
            }
        }

        return new RgbImage(ow, oh, dst);
    }
}
