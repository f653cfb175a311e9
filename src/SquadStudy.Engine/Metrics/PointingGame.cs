namespace SquadStudy.Engine.Metrics;

/// <summary>Pointing-game results: overall hit rate and the mean of per-class hit rates.</summary>
public sealed record PointingSummary(int Count, int Hits, double Accuracy, double MeanClassAccuracy);

/// <summary>
/// The pointing game (Zhang et al., "Top-down Neural Attention by Excitation Backprop", ECCV 2016,
/// §4.1): a hit when the map's maximum lies on a ground-truth object of the class, allowing a
/// tolerance of 15 pixels; they report the mean over classes of hits/(hits + misses).
/// </summary>
public static class PointingGame
{
    public const double DefaultTolerance = 15;

    /// <summary>The position of the map's maximum; the first in row-major order among ties.</summary>
    public static (int X, int Y) ArgMax(ReadOnlySpan<float> map, int height, int width)
    {
        Localisation.CheckMap(map, height, width);
        var best = 0;
        for (var i = 1; i < map.Length; i++)
        {
            if (map[i] > map[best])
            {
                best = i;
            }
        }

        return (best % width, best / width);
    }

    /// <summary>
    /// Whether the maximum of the map (at image resolution) is within Euclidean distance
    /// <paramref name="tolerance"/> pixels of one of <paramref name="boxes"/> (the class's boxes).
    /// </summary>
    public static bool IsHit(ReadOnlySpan<float> map, int height, int width, IEnumerable<PixelBox> boxes, double tolerance = DefaultTolerance)
    {
        ArgumentNullException.ThrowIfNull(boxes);
        ArgumentOutOfRangeException.ThrowIfNegative(tolerance);
        var (x, y) = ArgMax(map, height, width);
        return boxes.Any(b => b.DistanceTo(x, y) <= tolerance);
    }

    /// <summary>Aggregates per-image results (class of the target, hit or miss).</summary>
    public static PointingSummary Summarise(IEnumerable<(int ClassIndex, bool Hit)> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var list = results.ToList();
        if (list.Count == 0)
        {
            return new PointingSummary(0, 0, double.NaN, double.NaN);
        }

        var hits = list.Count(r => r.Hit);
        var perClass = list.GroupBy(r => r.ClassIndex).Select(g => g.Average(r => r.Hit ? 1.0 : 0.0));
        return new PointingSummary(list.Count, hits, (double)hits / list.Count, perClass.Average());
    }
}
