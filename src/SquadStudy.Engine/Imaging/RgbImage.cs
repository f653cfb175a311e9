namespace SquadStudy.Engine.Imaging;

/// <summary>
/// An 8-bit RGB image: <see cref="Pixels"/> holds <c>Width·Height·3</c> bytes, interleaved R, G, B,
/// rows top to bottom, each row left to right (pixel (x, y) starts at <c>(y·Width + x)·3</c>).
/// </summary>
public sealed class RgbImage
{
    /// <summary>Wraps <paramref name="pixels"/> without copying; the array must hold exactly
    /// <c>width·height·3</c> bytes.</summary>
    public RgbImage(int width, int height, byte[] pixels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if ((long)width * height * 3 != pixels.LongLength)
        {
            throw new ArgumentException(
                $"An RGB image of {width}×{height} needs {(long)width * height * 3} bytes, got {pixels.LongLength}.",
                nameof(pixels));
        }

        Width = width;
        Height = height;
        Pixels = pixels;
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>Interleaved RGB bytes, row-major.</summary>
    public byte[] Pixels { get; }

    /// <summary>A black image of the given size.</summary>
    public static RgbImage Create(int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        return new RgbImage(width, height, new byte[checked(width * height * 3)]);
    }

    /// <summary>A deep copy (the pixels are copied).</summary>
    public RgbImage Clone() => new(Width, Height, (byte[])Pixels.Clone());

    /// <summary>The colour of pixel (x, y).</summary>
    public (byte R, byte G, byte B) this[int x, int y]
    {
        get
        {
            var i = Offset(x, y);
            return (Pixels[i], Pixels[i + 1], Pixels[i + 2]);
        }
    }

    private int Offset(int x, int y)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(x);
        ArgumentOutOfRangeException.ThrowIfNegative(y);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(x, Width);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(y, Height);
        return (y * Width + x) * 3;
    }
}
