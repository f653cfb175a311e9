namespace SquadStudy.Engine.Rendering;

/// <summary>The colormaps for heatmaps.</summary>
public enum ColormapKind
{
    /// <summary>matplotlib's <c>jet</c> (the rainbow map of the Grad-CAM figures).</summary>
    Jet,

    /// <summary>Google's Turbo: a rainbow map with a perceptually smoother lightness profile.</summary>
    Turbo,
}

/// <summary>
/// 256-entry colormaps that equal matplotlib's <c>cmap(v, bytes=True)</c> byte for byte: a value
/// <c>v</c> selects entry <c>⌊v·256⌋</c> (computed in single precision; 1 → 255; below 0 → entry 0,
/// above 1 → entry 255), and entries are <c>⌊255·c⌋</c> of the float colours.
/// </summary>
public sealed class Colormap
{
    private readonly byte[] _lut;

    private Colormap(ColormapKind kind, double[] colours)
    {
        Kind = kind;
        _lut = new byte[colours.Length];
        for (var i = 0; i < colours.Length; i++)
        {
            // matplotlib: (lut * 255).astype(np.uint8), a truncation.
            _lut[i] = (byte)(colours[i] * 255);
        }
    }

    public static Colormap Jet { get; } = new(ColormapKind.Jet, JetColours());

    public static Colormap Turbo { get; } = new(ColormapKind.Turbo, TurboTable.Values.ToArray());

    public ColormapKind Kind { get; }

    /// <summary>The 256 entries as RGB bytes.</summary>
    public ReadOnlySpan<byte> Table => _lut;

    public static Colormap Get(ColormapKind kind) => kind switch
    {
        ColormapKind.Jet => Jet,
        ColormapKind.Turbo => Turbo,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown colormap."),
    };

    /// <summary>The colour of <paramref name="value"/> (expected in [0, 1]; outside, clamped).</summary>
    public (byte R, byte G, byte B) this[float value]
    {
        get
        {
            if (float.IsNaN(value))
            {
                throw new ArgumentException("A colormap cannot map NaN.", nameof(value));
            }

            var i = 3 * Index(value);
            return (_lut[i], _lut[i + 1], _lut[i + 2]);
        }
    }

    internal static int Index(float value)
    {
        var x = value * 256f;
        return x < 0 ? 0 : x >= 255f ? 255 : (int)x;
    }

    /// <summary>
    /// matplotlib's <c>_jet_data</c> segments (x, y0, y1 per channel) sampled exactly as
    /// <c>matplotlib.colors._create_lookup_table(256, data)</c> does (3.6): breakpoints scaled by 255,
    /// sample points <c>255·(i·(1/255))</c>, the segment found by a left-sided search, linear
    /// interpolation from its left end's y1 to its right end's y0.
    /// </summary>
    private static double[] JetColours()
    {
        double[][] red = [[0, 0, 0], [0.35, 0, 0], [0.66, 1, 1], [0.89, 1, 1], [1, 0.5, 0.5]];
        double[][] green = [[0, 0, 0], [0.125, 0, 0], [0.375, 1, 1], [0.64, 1, 1], [0.91, 0, 0], [1, 0, 0]];
        double[][] blue = [[0, 0.5, 0.5], [0.11, 1, 1], [0.34, 1, 1], [0.65, 0, 0], [1, 0, 0]];
        var colours = new double[256 * 3];
        double[][][] channels = [red, green, blue];
        const double step = 1.0 / 255;
        for (var c = 0; c < 3; c++)
        {
            var seg = channels[c];
            var xs = seg.Select(s => s[0] * 255).ToArray();
            colours[c] = seg[0][2];
            colours[3 * 255 + c] = seg[^1][1];
            for (var i = 1; i < 255; i++)
            {
                var x = 255 * (i * step);
                var k = 0;
                while (xs[k] < x)
                {
                    k++;
                }

                var distance = (x - xs[k - 1]) / (xs[k] - xs[k - 1]);
                colours[3 * i + c] = Math.Clamp(distance * (seg[k][1] - seg[k - 1][2]) + seg[k - 1][2], 0, 1);
            }
        }

        return colours;
    }
}
