using SquadStudy.Engine.Imaging;

namespace SquadStudy.Engine.Metrics;

/// <summary>
/// What the perturbation metrics (deletion, insertion, ROAD) share: checking a normalised CHW input
/// and a stored map, ranking the input's pixels by the map, and the class probability of a batch of
/// perturbed inputs. The model is any batched function from normalised CHW inputs to logits (the
/// engine's <c>ExplanationModel.Logits</c>), so the metrics need a map and a model, never an explainer.
/// </summary>
internal static class PixelOrder
{
    /// <summary>Checks the input (<paramref name="channels"/>·H·W values) and the map (any h×w, finite).</summary>
    public static void Check(ReadOnlySpan<float> input, int channels, int height, int width, ReadOnlySpan<float> map, int mapHeight, int mapWidth, int classIndex)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegative(classIndex);
        if (input.Length != (long)channels * height * width)
        {
            throw new ArgumentException($"The input must be {channels}×{height}×{width} = {(long)channels * height * width} values, got {input.Length}.", nameof(input));
        }

        Localisation.CheckMap(map, mapHeight, mapWidth);
    }

    /// <summary>
    /// Pixel indices (row-major, input size) in decreasing order of the map upsampled bilinearly to
    /// the input size (<see cref="Resize.BilinearMap(ReadOnlySpan{float}, int, int, int, int)"/>);
    /// ties in row-major order, as NumPy's <c>argsort(-m, kind="stable")</c>.
    /// <paramref name="descending"/> false gives increasing order, ties again row-major
    /// (<c>argsort(m, kind="stable")</c>).
    /// </summary>
    public static int[] Rank(ReadOnlySpan<float> map, int mapHeight, int mapWidth, int height, int width, bool descending = true)
    {
        var values = mapHeight == height && mapWidth == width ? map.ToArray() : Resize.BilinearMap(map, mapHeight, mapWidth, height, width);
        var order = Enumerable.Range(0, values.Length).ToArray();
        Array.Sort(order, descending
            ? (a, b) => values[b] != values[a] ? values[b].CompareTo(values[a]) : a.CompareTo(b)
            : (a, b) => values[a] != values[b] ? values[a].CompareTo(values[b]) : a.CompareTo(b));
        return order;
    }

    /// <summary>Softmax probability of <paramref name="classIndex"/> for each input, run through the model <paramref name="batchSize"/> inputs at a time.</summary>
    public static double[] Probabilities(IReadOnlyList<float[]> inputs, int classIndex, Func<IReadOnlyList<float[]>, float[][]> model, int batchSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        var result = new double[inputs.Count];
        for (var start = 0; start < inputs.Count; start += batchSize)
        {
            var batch = inputs.Skip(start).Take(batchSize).ToList();
            var logits = model(batch) ?? throw new InvalidOperationException("The model returned no logits.");
            if (logits.Length != batch.Count)
            {
                throw new InvalidOperationException($"The model returned {logits.Length} rows of logits for {batch.Count} inputs.");
            }

            for (var i = 0; i < batch.Count; i++)
            {
                if (classIndex >= logits[i].Length)
                {
                    throw new ArgumentOutOfRangeException(nameof(classIndex), classIndex, $"The model returned {logits[i].Length} logits.");
                }

                result[start + i] = SquadStudy.Engine.Models.Probabilities.Softmax(logits[i])[classIndex];
            }
        }

        return result;
    }

    /// <summary>The area under y over x by the trapezoid rule.</summary>
    public static double Trapezoid(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        if (x.Count != y.Count)
        {
            throw new ArgumentException($"{x.Count} abscissae for {y.Count} values.", nameof(y));
        }

        double area = 0;
        for (var i = 1; i < x.Count; i++)
        {
            area += (x[i] - x[i - 1]) * (y[i] + y[i - 1]) / 2;
        }

        return area;
    }
}
