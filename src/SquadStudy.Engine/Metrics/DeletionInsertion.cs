namespace SquadStudy.Engine.Metrics;

/// <summary>What a removed pixel becomes (deletion) or what an insertion starts from, in the model's normalised input space.</summary>
public enum Substrate
{
    /// <summary>0 after normalisation, i.e. the dataset mean colour: RISE's deletion substrate (<c>torch.zeros_like</c> on the normalised tensor).</summary>
    Mean,

    /// <summary>The input blurred by a normalised Gaussian (<see cref="DeletionInsertionOptions.BlurKernel"/>, <see cref="DeletionInsertionOptions.BlurSigma"/>), zero padded: RISE's insertion canvas.</summary>
    Blur,
}

/// <summary>Options of <see cref="DeletionInsertion"/>.</summary>
public sealed record DeletionInsertionOptions
{
    /// <summary>Number of steps; the curve has <c>Steps + 1</c> points at the fractions <c>0, 1/Steps, …, 1</c>.</summary>
    public int Steps { get; init; } = 20;

    public Substrate DeletionSubstrate { get; init; } = Substrate.Mean;

    public Substrate InsertionSubstrate { get; init; } = Substrate.Blur;

    /// <summary>Side of the Gaussian kernel (odd); 11 as in RISE's evaluation code.</summary>
    public int BlurKernel { get; init; } = 11;

    /// <summary>Standard deviation of the Gaussian in pixels; 5 as in RISE's evaluation code.</summary>
    public double BlurSigma { get; init; } = 5;

    /// <summary>Perturbed inputs per forward pass.</summary>
    public int BatchSize { get; init; } = 16;
}

/// <summary>
/// A perturbation curve: the target class's softmax probability after removing (or inserting) the
/// fraction <see cref="Fractions"/>[i] of the pixels. <see cref="Auc"/> is its area by the trapezoid
/// rule over the fraction in [0, 1].
/// </summary>
public sealed record PerturbationCurve(double[] Fractions, double[] Probabilities)
{
    public double Auc => PixelOrder.Trapezoid(Fractions, Probabilities);
}

/// <summary>
/// Deletion and insertion (Petsiuk, Das and Saenko 2018, "RISE", §4.1): the pixels are ranked by the
/// map upsampled bilinearly to the input size (ties in row-major order); deletion replaces them, most
/// important first, by the <see cref="DeletionInsertionOptions.DeletionSubstrate"/>; insertion copies
/// them, most important first, from the input onto the <see cref="DeletionInsertionOptions.InsertionSubstrate"/>.
/// After step i of n, <c>⌊i·H·W/n⌋</c> pixels (every channel) are changed. A faithful map gives a
/// low deletion AUC and a high insertion AUC. All of one curve's inputs run through the model in
/// batches. Computed from a stored map: no explainer is needed.
/// </summary>
public static class DeletionInsertion
{
    /// <summary>
    /// The deletion curve. <paramref name="input"/> is the normalised C×H×W tensor the model takes;
    /// <paramref name="map"/> is h×w at any resolution (a CAM or a pixel-space saliency map).
    /// </summary>
    public static PerturbationCurve Deletion(
        ReadOnlySpan<float> input, int channels, int height, int width, ReadOnlySpan<float> map, int mapHeight, int mapWidth,
        int classIndex, Func<IReadOnlyList<float[]>, float[][]> model, DeletionInsertionOptions? options = null) =>
        Curve(input, channels, height, width, map, mapHeight, mapWidth, classIndex, model, options ?? new(), deletion: true);

    /// <summary>The insertion curve; arguments as for <see cref="Deletion"/>.</summary>
    public static PerturbationCurve Insertion(
        ReadOnlySpan<float> input, int channels, int height, int width, ReadOnlySpan<float> map, int mapHeight, int mapWidth,
        int classIndex, Func<IReadOnlyList<float[]>, float[][]> model, DeletionInsertionOptions? options = null) =>
        Curve(input, channels, height, width, map, mapHeight, mapWidth, classIndex, model, options ?? new(), deletion: false);

    /// <summary>
    /// The substrate for <paramref name="input"/>: zeros for <see cref="Substrate.Mean"/>; for
    /// <see cref="Substrate.Blur"/> each channel convolved with the separable kernel
    /// <c>k[i] = exp(−(i − r)²/(2σ²)) / Σ_j exp(−(j − r)²/(2σ²))</c>, <c>r = (kernel − 1)/2</c>, zero padded
    /// ("same" size), as <c>F.conv2d(x, k kᵀ, padding=r)</c>.
    /// </summary>
    public static float[] MakeSubstrate(ReadOnlySpan<float> input, int channels, int height, int width, Substrate substrate, int kernel = 11, double sigma = 5)
    {
        if (input.Length != (long)channels * height * width)
        {
            throw new ArgumentException($"The input must be {channels}×{height}×{width} values, got {input.Length}.", nameof(input));
        }

        if (substrate == Substrate.Mean)
        {
            return new float[input.Length];
        }

        if (kernel < 1 || kernel % 2 == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(kernel), kernel, "The blur kernel's side must be odd and positive.");
        }

        if (!(sigma > 0) || !double.IsFinite(sigma))
        {
            throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "The blur's sigma must be positive.");
        }

        var r = kernel / 2;
        var k = new double[kernel];
        for (var i = 0; i < kernel; i++)
        {
            k[i] = Math.Exp(-((i - r) * (i - r)) / (2 * sigma * sigma));
        }

        var total = k.Sum();
        for (var i = 0; i < kernel; i++)
        {
            k[i] /= total;
        }

        var plane = height * width;
        var rows = new double[plane];
        var result = new float[input.Length];
        for (var c = 0; c < channels; c++)
        {
            var x = input.Slice(c * plane, plane);
            for (var y = 0; y < height; y++)
            {
                for (var col = 0; col < width; col++)
                {
                    double s = 0;
                    for (var t = -r; t <= r; t++)
                    {
                        var xx = col + t;
                        if (xx >= 0 && xx < width)
                        {
                            s += k[t + r] * x[y * width + xx];
                        }
                    }

                    rows[y * width + col] = s;
                }
            }

            for (var y = 0; y < height; y++)
            {
                for (var col = 0; col < width; col++)
                {
                    double s = 0;
                    for (var t = -r; t <= r; t++)
                    {
                        var yy = y + t;
                        if (yy >= 0 && yy < height)
                        {
                            s += k[t + r] * rows[yy * width + col];
                        }
                    }

                    result[c * plane + y * width + col] = (float)s;
                }
            }
        }

        return result;
    }

    private static PerturbationCurve Curve(
        ReadOnlySpan<float> input, int channels, int height, int width, ReadOnlySpan<float> map, int mapHeight, int mapWidth,
        int classIndex, Func<IReadOnlyList<float[]>, float[][]> model, DeletionInsertionOptions options, bool deletion)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (options.Steps < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Steps, "Deletion and insertion need at least one step.");
        }

        PixelOrder.Check(input, channels, height, width, map, mapHeight, mapWidth, classIndex);
        var plane = height * width;
        if (options.Steps > plane)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Steps, $"More steps than the input's {plane} pixels.");
        }

        var order = PixelOrder.Rank(map, mapHeight, mapWidth, height, width);
        var substrate = MakeSubstrate(input, channels, height, width, deletion ? options.DeletionSubstrate : options.InsertionSubstrate,
            options.BlurKernel, options.BlurSigma);
        var start = deletion ? input.ToArray() : substrate;
        var source = deletion ? substrate : input.ToArray();

        var inputs = new List<float[]>(options.Steps + 1);
        var fractions = new double[options.Steps + 1];
        var current = (float[])start.Clone();
        var done = 0;
        for (var i = 0; i <= options.Steps; i++)
        {
            var count = (int)((long)i * plane / options.Steps);
            for (; done < count; done++)
            {
                var p = order[done];
                for (var c = 0; c < channels; c++)
                {
                    current[c * plane + p] = source[c * plane + p];
                }
            }

            fractions[i] = (double)i / options.Steps;
            inputs.Add((float[])current.Clone());
        }

        return new PerturbationCurve(fractions, PixelOrder.Probabilities(inputs, classIndex, model, options.BatchSize));
    }
}
