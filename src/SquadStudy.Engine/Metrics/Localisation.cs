namespace SquadStudy.Engine.Metrics;

/// <summary>Which neighbours join pixels into one segment.</summary>
public enum Connectivity
{
    /// <summary>Edge neighbours only (up, down, left, right).</summary>
    Four,

    /// <summary>Edge and corner neighbours (the default: a diagonal chain of hot pixels is one object).</summary>
    Eight,
}

/// <summary>One guess of a localiser: a class and the box its map gives (null when the map has none).</summary>
public sealed record LocalisationGuess(int ClassIndex, PixelBox? Box);

/// <summary>A ground-truth box and its class.</summary>
public sealed record LabelledBox(int ClassIndex, PixelBox Box);

/// <summary>
/// One image for the localisation benchmark: its label, the guesses ordered by the model's score
/// (best first; ILSVRC scores up to five) and the ground-truth boxes.
/// </summary>
public sealed record LocalisationSample(int Label, IReadOnlyList<LocalisationGuess> Guesses, IReadOnlyList<LabelledBox> GroundTruth);

/// <summary>Counts and error rates of a localisation evaluation (errors are NaN for no images).</summary>
public sealed record LocalisationSummary(int Count, int Top1Correct, int Top5Correct)
{
    public double Top1Error => Count == 0 ? double.NaN : 1 - (double)Top1Correct / Count;

    public double Top5Error => Count == 0 ? double.NaN : 1 - (double)Top5Correct / Count;
}

/// <summary>
/// Weakly supervised localisation from explanation maps (Grad-CAM §3.1, after CAM §3): threshold
/// the map at a fraction of its maximum, keep the largest connected segment, take its bounding box,
/// and score boxes by the ILSVRC localisation criterion.
/// </summary>
public static class Localisation
{
    /// <summary>Grad-CAM's threshold: 15 % of the map's maximum.</summary>
    public const float DefaultThresholdFraction = 0.15f;

    /// <summary>ILSVRC's overlap criterion.</summary>
    public const double DefaultIouThreshold = 0.5;

    /// <summary>
    /// The bounding box of the largest connected segment of pixels with
    /// <c>map ≥ thresholdFraction · max(map)</c>. The map must already be at the image's resolution
    /// (upsample CAMs with <see cref="Imaging.Resize.BilinearMap(ReadOnlySpan{float}, int, int, int, int)"/>).
    /// Returns null when the maximum is not positive (no evidence, no box). Among segments of equal
    /// size the one reached first in row-major order wins.
    /// </summary>
    public static PixelBox? BoxFromMap(
        ReadOnlySpan<float> map, int height, int width,
        float thresholdFraction = DefaultThresholdFraction, Connectivity connectivity = Connectivity.Eight)
    {
        CheckMap(map, height, width);
        if (!(thresholdFraction >= 0 && thresholdFraction <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(thresholdFraction), thresholdFraction, "Must be in [0, 1].");
        }

        var max = float.NegativeInfinity;
        foreach (var v in map)
        {
            max = Math.Max(max, v);
        }

        if (!(max > 0))
        {
            return null;
        }

        var threshold = thresholdFraction * max;
        var mask = new bool[map.Length];
        for (var i = 0; i < map.Length; i++)
        {
            mask[i] = map[i] >= threshold;
        }

        return LargestComponentBox(mask, height, width, connectivity);
    }

    /// <summary>
    /// The bounding box of the largest connected set of true pixels of a row-major mask, or null if
    /// none is true. Ties go to the segment whose first pixel comes first in row-major order.
    /// </summary>
    public static PixelBox? LargestComponentBox(ReadOnlySpan<bool> mask, int height, int width, Connectivity connectivity = Connectivity.Eight)
    {
        if ((long)height * width != mask.Length || height <= 0 || width <= 0)
        {
            throw new ArgumentException($"A {height}×{width} mask needs {(long)height * width} values, got {mask.Length}.", nameof(mask));
        }

        var visited = new bool[mask.Length];
        var queue = new int[mask.Length];
        var bestSize = 0;
        PixelBox? best = null;
        for (var start = 0; start < mask.Length; start++)
        {
            if (!mask[start] || visited[start])
            {
                continue;
            }

            // Breadth-first flood fill with an explicit queue: no recursion, so no stack overflow on large maps.
            int head = 0, tail = 0;
            queue[tail++] = start;
            visited[start] = true;
            int x0 = int.MaxValue, y0 = int.MaxValue, x1 = -1, y1 = -1;
            while (head < tail)
            {
                var p = queue[head++];
                int py = p / width, px = p % width;
                x0 = Math.Min(x0, px);
                x1 = Math.Max(x1, px);
                y0 = Math.Min(y0, py);
                y1 = Math.Max(y1, py);
                for (var dy = -1; dy <= 1; dy++)
                {
                    for (var dx = -1; dx <= 1; dx++)
                    {
                        if ((dx == 0 && dy == 0) || (connectivity == Connectivity.Four && dx != 0 && dy != 0))
                        {
                            continue;
                        }

                        int nx = px + dx, ny = py + dy;
                        if (nx < 0 || ny < 0 || nx >= width || ny >= height)
                        {
                            continue;
                        }

                        var n = ny * width + nx;
                        if (mask[n] && !visited[n])
                        {
                            visited[n] = true;
                            queue[tail++] = n;
                        }
                    }
                }
            }

            if (tail > bestSize)
            {
                bestSize = tail;
                best = new PixelBox(x0, y0, x1, y1);
            }
        }

        return best;
    }

    /// <summary>
    /// ILSVRC's criterion for one image: correct at <paramref name="k"/> iff one of the first k guesses
    /// names the label and its box overlaps a ground-truth box of the label with IoU ≥ the threshold.
    /// </summary>
    public static bool IsCorrect(LocalisationSample sample, int k, double iouThreshold = DefaultIouThreshold)
    {
        ArgumentNullException.ThrowIfNull(sample);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        foreach (var guess in sample.Guesses.Take(k))
        {
            if (guess.ClassIndex != sample.Label || guess.Box is not { } box)
            {
                continue;
            }

            foreach (var truth in sample.GroundTruth)
            {
                if (truth.ClassIndex == sample.Label && PixelBox.IoU(box, truth.Box) >= iouThreshold)
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Top-1 and top-5 localisation error over a set of images.</summary>
    public static LocalisationSummary Evaluate(IEnumerable<LocalisationSample> samples, double iouThreshold = DefaultIouThreshold)
    {
        ArgumentNullException.ThrowIfNull(samples);
        int count = 0, top1 = 0, top5 = 0;
        foreach (var sample in samples)
        {
            count++;
            top1 += IsCorrect(sample, 1, iouThreshold) ? 1 : 0;
            top5 += IsCorrect(sample, 5, iouThreshold) ? 1 : 0;
        }

        return new LocalisationSummary(count, top1, top5);
    }

    internal static void CheckMap(ReadOnlySpan<float> map, int height, int width)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        if ((long)height * width != map.Length)
        {
            throw new ArgumentException($"A {height}×{width} map needs {(long)height * width} values, got {map.Length}.", nameof(map));
        }

        foreach (var v in map)
        {
            if (!float.IsFinite(v))
            {
                throw new ArgumentException("The map contains NaN or infinite values.", nameof(map));
            }
        }
    }
}
