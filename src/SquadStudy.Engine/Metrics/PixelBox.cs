namespace SquadStudy.Engine.Metrics;

/// <summary>
/// An axis-aligned box of whole pixels, 0-based and inclusive on both ends: it covers columns
/// <c>X0..X1</c> and rows <c>Y0..Y1</c>, so its width is <c>X1 − X0 + 1</c>. This is the ILSVRC/VOC
/// convention (whose evaluation code adds 1 to differences) shifted to 0-based indices; Pascal VOC
/// files are 1-based, see <see cref="FromVoc"/>.
/// </summary>
public readonly record struct PixelBox
{
    public PixelBox(int x0, int y0, int x1, int y1)
    {
        if (x1 < x0 || y1 < y0)
        {
            throw new ArgumentException($"Box corners must satisfy x0 ≤ x1 and y0 ≤ y1, got ({x0}, {y0})–({x1}, {y1}).");
        }

        X0 = x0;
        Y0 = y0;
        X1 = x1;
        Y1 = y1;
    }

    public int X0 { get; }

    public int Y0 { get; }

    public int X1 { get; }

    public int Y1 { get; }

    public int Width => X1 - X0 + 1;

    public int Height => Y1 - Y0 + 1;

    public long Area => (long)Width * Height;

    /// <summary>A box from Pascal VOC's 1-based inclusive <c>xmin, ymin, xmax, ymax</c>.</summary>
    public static PixelBox FromVoc(int xmin, int ymin, int xmax, int ymax) => new(xmin - 1, ymin - 1, xmax - 1, ymax - 1);

    /// <summary>
    /// The box on an image resized from <paramref name="fromWidth"/>×<paramref name="fromHeight"/> to
    /// <paramref name="toWidth"/>×<paramref name="toHeight"/>: the pixel edges [X0, X1 + 1) are scaled and
    /// the result covers every target pixel they touch (floor of the start, ceiling of the end).
    /// </summary>
    public PixelBox Rescale(int fromWidth, int fromHeight, int toWidth, int toHeight)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(fromWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(fromHeight);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(toWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(toHeight);
        // Exact integer arithmetic: in double, (99 + 1)·(224/100) is 224.00000000000003.
        var x0 = (int)FloorDiv((long)X0 * toWidth, fromWidth);
        var y0 = (int)FloorDiv((long)Y0 * toHeight, fromHeight);
        var x1 = (int)-FloorDiv(-(long)(X1 + 1) * toWidth, fromWidth) - 1;
        var y1 = (int)-FloorDiv(-(long)(Y1 + 1) * toHeight, fromHeight) - 1;
        return new PixelBox(x0, y0, Math.Max(x0, x1), Math.Max(y0, y1));
    }

    private static long FloorDiv(long a, long b) => a / b - (a % b != 0 && (a < 0) != (b < 0) ? 1 : 0);

    public bool Contains(int x, int y) => x >= X0 && x <= X1 && y >= Y0 && y <= Y1;

    /// <summary>Euclidean distance from pixel (x, y) to the nearest pixel of the box (0 inside).</summary>
    public double DistanceTo(int x, int y)
    {
        var dx = x < X0 ? X0 - x : x > X1 ? x - X1 : 0;
        var dy = y < Y0 ? Y0 - y : y > Y1 ? y - Y1 : 0;
        return Math.Sqrt((double)dx * dx + (double)dy * dy);
    }

    /// <summary>The pixels both boxes cover, or null when they are disjoint.</summary>
    public PixelBox? Intersect(PixelBox other)
    {
        int x0 = Math.Max(X0, other.X0), y0 = Math.Max(Y0, other.Y0);
        int x1 = Math.Min(X1, other.X1), y1 = Math.Min(Y1, other.Y1);
        return x0 <= x1 && y0 <= y1 ? new PixelBox(x0, y0, x1, y1) : null;
    }

    /// <summary>Intersection over union counted in pixels: |A∩B| / (|A| + |B| − |A∩B|).</summary>
    public static double IoU(PixelBox a, PixelBox b)
    {
        var inter = a.Intersect(b)?.Area ?? 0;
        return (double)inter / (a.Area + b.Area - inter);
    }

    public override string ToString() => $"({X0}, {Y0})–({X1}, {Y1})";
}
