using SquadStudy.Engine.Imaging;
using SquadStudy.Engine.Metrics;

namespace SquadStudy.Engine.Rendering;

/// <summary>A box to draw and its colour.</summary>
public readonly record struct BoxOverlay(PixelBox Box, Rgb Color);

/// <summary>An 8-bit RGB colour.</summary>
public readonly record struct Rgb(byte R, byte G, byte B)
{
    /// <summary>Ground-truth boxes: pure green.</summary>
    public static Rgb GroundTruth { get; } = new(0, 255, 0);

    /// <summary>Predicted boxes: pure red.</summary>
    public static Rgb Predicted { get; } = new(255, 0, 0);
}

/// <summary>Options of <see cref="Render.Overlay"/>.</summary>
public sealed record HeatmapOptions
{
    public static HeatmapOptions Default { get; } = new();

    public ColormapKind Colormap { get; init; } = ColormapKind.Jet;

    /// <summary>Weight of the heatmap colour; the image gets 1 − Alpha. Default 0.5.</summary>
    public float Alpha { get; init; } = 0.5f;
}

/// <summary>Images for people: heatmap overlays, guided images, gradient images, boxes.</summary>
public static class Render
{
    /// <summary>
    /// Min-max scaling to [0, 1]: <c>(m − min)/(max − min)</c>; a constant map becomes all zeros.
    /// Non-finite values are refused.
    /// </summary>
    public static float[] MinMaxScale(ReadOnlySpan<float> map)
    {
        if (map.IsEmpty)
        {
            throw new ArgumentException("The map is empty.", nameof(map));
        }

        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        foreach (var v in map)
        {
            if (!float.IsFinite(v))
            {
                throw new ArgumentException("The map contains NaN or infinite values.", nameof(map));
            }

            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }

        var result = new float[map.Length];
        var range = max - min;
        if (range > 0)
        {
            for (var i = 0; i < map.Length; i++)
            {
                result[i] = (map[i] - min) / range;
            }
        }

        return result;
    }

    /// <summary>
    /// The map upsampled to the image size (bilinear, <see cref="Resize.BilinearMap(ReadOnlySpan{float}, int, int, int, int)"/>)
    /// and then min-max scaled to [0, 1] (<see cref="MinMaxScale"/>): the form the overlay and the
    /// localisation metrics use.
    /// </summary>
    public static float[] UpsampleAndScale(ReadOnlySpan<float> map, int mapHeight, int mapWidth, int height, int width) =>
        MinMaxScale(Resize.BilinearMap(map, mapHeight, mapWidth, height, width));

    /// <summary>The map alone in colour, at the map's own size, min-max scaled.</summary>
    public static RgbImage Heatmap(ReadOnlySpan<float> map, int height, int width, ColormapKind colormap = ColormapKind.Jet)
    {
        if ((long)height * width != map.Length)
        {
            throw new ArgumentException($"A {height}×{width} map needs {(long)height * width} values, got {map.Length}.", nameof(map));
        }

        var scaled = MinMaxScale(map);
        var lut = Colormap.Get(colormap);
        var pixels = new byte[scaled.Length * 3];
        for (var i = 0; i < scaled.Length; i++)
        {
            var (r, g, b) = lut[scaled[i]];
            pixels[3 * i] = r;
            pixels[3 * i + 1] = g;
            pixels[3 * i + 2] = b;
        }

        return new RgbImage(width, height, pixels);
    }

    /// <summary>
    /// Heatmap overlay: the map upsampled to the image and min-max scaled (<see cref="UpsampleAndScale"/>),
    /// coloured, and blended per channel as <c>round((1 − α)·image + α·colour)</c> (half away from zero).
    /// </summary>
    public static RgbImage Overlay(RgbImage image, ReadOnlySpan<float> map, int mapHeight, int mapWidth, HeatmapOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        options ??= HeatmapOptions.Default;
        if (!(options.Alpha >= 0 && options.Alpha <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Alpha, "Alpha must be in [0, 1].");
        }

        var scaled = UpsampleAndScale(map, mapHeight, mapWidth, image.Height, image.Width);
        var heat = Heatmap(scaled, image.Height, image.Width, options.Colormap);
        var alpha = options.Alpha;
        var src = image.Pixels;
        var pixels = new byte[src.Length];
        for (var i = 0; i < src.Length; i++)
        {
            pixels[i] = (byte)MathF.Round((1 - alpha) * src[i] + alpha * heat.Pixels[i], MidpointRounding.AwayFromZero);
        }

        return new RgbImage(image.Width, image.Height, pixels);
    }

    /// <summary>
    /// A pixel-space explanation (guided backprop, guided Grad-CAM…; CHW, 3 channels) as an image,
    /// normalised as the Grad-CAM code's <c>deprocess_image</c> does: subtract the mean over all
    /// values, divide by (standard deviation + 1e-5), ×0.1, +0.5, clip to [0, 1], ×255 truncated to a
    /// byte (numpy's <c>np.uint8</c>). Mean and population standard deviation are taken in double.
    /// </summary>
    public static RgbImage GuidedImage(ReadOnlySpan<float> chw, int height, int width)
    {
        var plane = CheckChw(chw, height, width);
        double sum = 0;
        foreach (var v in chw)
        {
            sum += v;
        }

        var mean = sum / chw.Length;
        double squares = 0;
        foreach (var v in chw)
        {
            squares += (v - mean) * (v - mean);
        }

        var scale = 0.1 / (Math.Sqrt(squares / chw.Length) + 1e-5);
        var pixels = new byte[3 * plane];
        for (var c = 0; c < 3; c++)
        {
            for (var i = 0; i < plane; i++)
            {
                var v = Math.Clamp((chw[c * plane + i] - mean) * scale + 0.5, 0, 1);
                pixels[3 * i + c] = (byte)(v * 255);
            }
        }

        return new RgbImage(width, height, pixels);
    }

    /// <summary>max_c |g_c| per pixel of a pixel-space map (Simonyan et al. 2014, §3.1): where it points.</summary>
    public static float[] Saliency(ReadOnlySpan<float> chw, int height, int width)
    {
        var plane = CheckChw(chw, height, width);
        var saliency = new float[plane];
        for (var c = 0; c < chw.Length / plane; c++)
        {
            for (var i = 0; i < plane; i++)
            {
                saliency[i] = Math.Max(saliency[i], Math.Abs(chw[c * plane + i]));
            }
        }

        return saliency;
    }

    /// <summary>
    /// How every method's map is shown, the one rendering path of the site and the CLI: a CAM map
    /// (h×w, or H×W for occlusion and rise) as a heatmap over <paramref name="image"/>; <c>gradient</c>,
    /// <c>integrated-gradients</c> and <c>smoothgrad</c> as saliency images; the
    /// other pixel-space maps (guided backpropagation, deconvolution, guided-X) as guided images;
    /// a pixel-space picture of another size than the image is resized to it (bilinear).
    /// </summary>
    public static RgbImage Picture(RgbImage image, SquadStudy.Engine.Models.ExplanationMap map)
    {
        if (map.Shape.Length == 2) return Overlay(image, map.Data, map.Shape[0], map.Shape[1]);
        var picture = map.Method is "gradient" or "integrated-gradients" or "smoothgrad"
            ? GradientImage(map.Data, map.Shape[1], map.Shape[2])
            : GuidedImage(map.Data, map.Shape[1], map.Shape[2]);
        return picture.Width == image.Width && picture.Height == image.Height ? picture : Resize.Bilinear(picture, image.Width, image.Height);
    }

    /// <summary>
    /// A pixel-space gradient (CHW, 3 channels) as the saliency map of Simonyan et al. (2014, §3.1):
    /// <c>max_c |g_c|</c> per pixel, divided by its maximum, shown in grey (<c>round(255·s)</c>) or, with
    /// a colormap, as a heat image.
    /// </summary>
    public static RgbImage GradientImage(ReadOnlySpan<float> chw, int height, int width, ColormapKind? colormap = null)
    {
        var plane = CheckChw(chw, height, width);
        var saliency = Saliency(chw, height, width);
        var max = saliency.Length == 0 ? 0f : saliency.Max();

        if (max > 0)
        {
            for (var i = 0; i < plane; i++)
            {
                saliency[i] /= max;
            }
        }

        var lut = colormap is { } kind ? Colormap.Get(kind) : null;
        var pixels = new byte[3 * plane];
        for (var i = 0; i < plane; i++)
        {
            var (r, g, b) = lut?[saliency[i]] ?? Gray(saliency[i]);
            pixels[3 * i] = r;
            pixels[3 * i + 1] = g;
            pixels[3 * i + 2] = b;
        }

        return new RgbImage(width, height, pixels);
    }

    /// <summary>
    /// Draws box outlines on a copy of the image, later boxes over earlier ones. Each outline is
    /// <paramref name="thickness"/> pixels wide and lies inside its box (a box thinner than twice the
    /// thickness is filled). Parts outside the image are clipped; a box wholly outside draws nothing.
    /// </summary>
    public static RgbImage DrawBoxes(RgbImage image, IEnumerable<BoxOverlay> boxes, int thickness = 2)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(boxes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(thickness);
        var result = image.Clone();
        var pixels = result.Pixels;
        foreach (var (box, color) in boxes)
        {
            int x0 = Math.Max(box.X0, 0), x1 = Math.Min(box.X1, image.Width - 1);
            int y0 = Math.Max(box.Y0, 0), y1 = Math.Min(box.Y1, image.Height - 1);
            for (var y = y0; y <= y1; y++)
            {
                var edgeRow = y < box.Y0 + thickness || y > box.Y1 - thickness;
                for (var x = x0; x <= x1; x++)
                {
                    if (edgeRow || x < box.X0 + thickness || x > box.X1 - thickness)
                    {
                        var i = 3 * (y * image.Width + x);
                        pixels[i] = color.R;
                        pixels[i + 1] = color.G;
                        pixels[i + 2] = color.B;
                    }
                }
            }
        }

        return result;
    }

    private static (byte, byte, byte) Gray(float s)
    {
        var v = (byte)MathF.Round(s * 255, MidpointRounding.AwayFromZero);
        return (v, v, v);
    }

    private static int CheckChw(ReadOnlySpan<float> chw, int height, int width)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        var plane = height * width;
        if (chw.Length != 3 * plane)
        {
            throw new ArgumentException($"A 3×{height}×{width} tensor needs {3 * plane} values, got {chw.Length}.", nameof(chw));
        }

        foreach (var v in chw)
        {
            if (!float.IsFinite(v))
            {
                throw new ArgumentException("The tensor contains NaN or infinite values.", nameof(chw));
            }
        }

        return plane;
    }
}
