namespace SquadStudy.Engine.Metrics;

/// <summary>Options of <see cref="Road"/>.</summary>
public sealed record RoadOptions
{
    /// <summary>
    /// Fractions of the pixels removed, each in [0, 1). By default every other one of the paper's
    /// 10 %, 20 %, … 90 %: each fraction costs two sparse solves per channel, the metric's main cost.
    /// </summary>
    public IReadOnlyList<double> Fractions { get; init; } = [0.1, 0.3, 0.5, 0.7, 0.9];

    /// <summary>Standard deviation of the Gaussian noise added to each imputed value (normalised units); 0.01 as in the authors' code.</summary>
    public double Noise { get; init; } = 0.01;

    /// <summary>Seed of the noise: the same inputs and seed give the same curves.</summary>
    public int Seed { get; init; }

    /// <summary>Perturbed inputs per forward pass.</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>
    /// Relative residual at which the conjugate-gradient solve of the imputation stops: by default
    /// 1e-5, which leaves an error well below the imputation's own noise (0.01).
    /// </summary>
    public double Tolerance { get; init; } = 1e-5;
}

/// <summary>
/// ROAD curves: the class probability after removing each fraction of the pixels, most relevant
/// first (MoRF: lower is more faithful) and least relevant first (LeRF: higher is more faithful).
/// </summary>
public sealed record RoadCurves(double[] Fractions, double[] MostRelevantFirst, double[] LeastRelevantFirst)
{
    /// <summary>Mean of the MoRF curve over the fractions.</summary>
    public double MostRelevantFirstMean => MostRelevantFirst.Length == 0 ? double.NaN : MostRelevantFirst.Average();

    /// <summary>Mean of the LeRF curve over the fractions.</summary>
    public double LeastRelevantFirstMean => LeastRelevantFirst.Length == 0 ? double.NaN : LeastRelevantFirst.Average();
}

/// <summary>
/// ROAD, Remove And Debias (Rong, Leemann, Borisov, Kasneci and Kasneci 2022, "A Consistent and
/// Efficient Evaluation Strategy for Attribution Methods", §4): removed pixels are not set to a
/// constant, whose shape leaks the map's ranking to the model, but filled by noisy linear imputation.
/// Each removed pixel's value is the weighted mean of its eight neighbours (weight 1/6 for the four
/// edge neighbours, 1/12 for the diagonal ones; neighbours outside the image are left out), known or
/// removed, which for the removed pixels U is the sparse linear system (paper Eq. 3, the authors'
/// <c>NoisyLinearImputer</c>)
/// <c>W_i x_i − Σ_{j∈N(i)∩U} w_ij x_j = Σ_{j∈N(i)∖U} w_ij x_j</c>, <c>W_i = Σ_{j∈N(i)} w_ij</c>,
/// per channel, then <c>x_i += σ·ε</c> with ε ~ N(0, 1). The matrix is symmetric and, as long as a
/// pixel is known, positive definite, so it is solved by conjugate gradients (Jacobi preconditioned,
/// double precision) rather than the authors' direct sparse solve; the solutions agree to the
/// solver's tolerance. Imputation is done on the normalised input the model takes. Pixels are ranked
/// as by <see cref="DeletionInsertion"/>, from the stored map.
/// </summary>
public static class Road
{
    private static readonly (int Dy, int Dx, double Weight)[] Neighbours =
    [
        (1, 1, 1.0 / 12), (0, 1, 1.0 / 6), (-1, 1, 1.0 / 12), (1, -1, 1.0 / 12),
        (0, -1, 1.0 / 6), (-1, -1, 1.0 / 12), (1, 0, 1.0 / 6), (-1, 0, 1.0 / 6),
    ];

    /// <summary>
    /// The MoRF and LeRF curves. <paramref name="input"/> is the normalised C×H×W tensor the model
    /// takes; <paramref name="map"/> is h×w at any resolution.
    /// </summary>
    public static RoadCurves Evaluate(
        ReadOnlySpan<float> input, int channels, int height, int width, ReadOnlySpan<float> map, int mapHeight, int mapWidth,
        int classIndex, Func<IReadOnlyList<float[]>, float[][]> model, RoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new RoadOptions();
        ArgumentNullException.ThrowIfNull(options.Fractions);
        if (options.Fractions.Count == 0)
        {
            throw new ArgumentException("ROAD needs at least one fraction.", nameof(options));
        }

        foreach (var f in options.Fractions)
        {
            if (!(f >= 0 && f < 1))
            {
                throw new ArgumentOutOfRangeException(nameof(options), f, "ROAD fractions must be in [0, 1): with every pixel removed nothing is left to impute from.");
            }
        }

        CheckNoise(options.Noise);
        PixelOrder.Check(input, channels, height, width, map, mapHeight, mapWidth, classIndex);
        var plane = height * width;
        var random = new Random(options.Seed);
        var inputs = new List<float[]>(2 * options.Fractions.Count);
        foreach (var descending in new[] { true, false })
        {
            var order = PixelOrder.Rank(map, mapHeight, mapWidth, height, width, descending);
            foreach (var f in options.Fractions)
            {
                var removed = new bool[plane];
                var count = (int)Math.Round(f * plane, MidpointRounding.AwayFromZero);
                for (var i = 0; i < count; i++)
                {
                    removed[order[i]] = true;
                }

                inputs.Add(Impute(input, channels, height, width, removed, options.Noise, random, options.Tolerance));
            }
        }

        var p = PixelOrder.Probabilities(inputs, classIndex, model, options.BatchSize);
        var n = options.Fractions.Count;
        return new RoadCurves([.. options.Fractions], p[..n], p[n..]);
    }

    /// <summary>
    /// Noisy linear imputation of the pixels where <paramref name="removed"/> is true (H·W flags,
    /// every channel); the others are copied. <paramref name="noise"/> 0 gives the plain linear
    /// imputation; <paramref name="random"/> is needed otherwise.
    /// </summary>
    public static float[] Impute(ReadOnlySpan<float> image, int channels, int height, int width, ReadOnlySpan<bool> removed,
        double noise = 0.01, Random? random = null, double tolerance = 1e-5)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        var plane = height * width;
        if (image.Length != (long)channels * plane)
        {
            throw new ArgumentException($"The image must be {channels}×{height}×{width} values, got {image.Length}.", nameof(image));
        }

        if (removed.Length != plane)
        {
            throw new ArgumentException($"The mask must have {plane} flags, got {removed.Length}.", nameof(removed));
        }

        CheckNoise(noise);
        if (noise > 0)
        {
            ArgumentNullException.ThrowIfNull(random);
        }

        if (!(tolerance > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(tolerance), tolerance, "Must be positive.");
        }

        if (removed.IndexOf(false) < 0)
        {
            throw new ArgumentException("Every pixel is removed: linear imputation needs at least one known pixel.", nameof(removed));
        }

        var result = Solve(image, channels, height, width, removed.ToArray(), tolerance);
        var unknown = new List<int>();
        for (var p = 0; p < plane; p++)
        {
            if (removed[p])
            {
                unknown.Add(p);
            }
        }

        if (noise > 0)
        {
            for (var c = 0; c < channels; c++)
            {
                foreach (var p in unknown)
                {
                    result[c * plane + p] += (float)(noise * Gaussian(random!));
                }
            }
        }

        return result;
    }

    /// <summary>The linear imputation (no noise) of the removed pixels, solved to <paramref name="tolerance"/>.</summary>
    private static float[] Solve(ReadOnlySpan<float> image, int channels, int height, int width, bool[] removed, double tolerance)
    {
        var plane = height * width;
        var result = image.ToArray();
        var unknownOf = new int[plane];
        var unknown = new List<int>();
        for (var p = 0; p < plane; p++)
        {
            unknownOf[p] = removed[p] ? unknown.Count : -1;
            if (removed[p])
            {
                unknown.Add(p);
            }
        }

        var n = unknown.Count;
        if (n == 0)
        {
            return result;
        }


        // The system's rows: the diagonal W_i, the removed neighbours (index, weight) as a compressed
        // sparse row matrix, and the known neighbours (pixel, weight) that make the right-hand side.
        var diagonal = new double[n];
        var coupled = new SparseRows(n);
        var known = new SparseRows(n);
        for (var u = 0; u < n; u++)
        {
            int y = unknown[u] / width, x = unknown[u] % width;
            foreach (var (dy, dx, w) in Neighbours)
            {
                int yy = y + dy, xx = x + dx;
                if (yy < 0 || yy >= height || xx < 0 || xx >= width)
                {
                    continue;
                }

                diagonal[u] += w;
                var q = yy * width + xx;
                if (unknownOf[q] >= 0)
                {
                    coupled.Add(unknownOf[q], w);
                }
                else
                {
                    known.Add(q, w);
                }
            }

            coupled.EndRow();
            known.EndRow();
        }

        var b = new double[n];
        var solution = new double[n];
        for (var c = 0; c < channels; c++)
        {
            var offset = c * plane;
            for (var u = 0; u < n; u++)
            {
                double s = 0;
                for (var k = known.Start[u]; k < known.Start[u + 1]; k++)
                {
                    s += known.Weights[k] * image[offset + known.Columns[k]];
                }

                b[u] = s;
            }

            Array.Clear(solution);
            ConjugateGradient(diagonal, coupled, b, solution, tolerance);
            for (var u = 0; u < n; u++)
            {
                result[offset + unknown[u]] = (float)solution[u];
            }
        }

        return result;
    }

    /// <summary>
    /// Solves <c>(D − C) x = b</c> (D diagonal, C the coupling weights) by Jacobi-preconditioned
    /// conjugate gradients from the x given, until <c>‖r‖ ≤ tolerance·‖b‖</c>.
    /// </summary>
    private static void ConjugateGradient(double[] diagonal, SparseRows coupled, double[] b, double[] x, double tolerance)
    {
        var n = b.Length;
        var r = new double[n];
        var z = new double[n];
        var p = new double[n];
        var ap = new double[n];
        Multiply(diagonal, coupled, x, r);
        for (var i = 0; i < n; i++)
        {
            r[i] = b[i] - r[i];
        }

        var normB = Math.Sqrt(Dot(b, b));
        if (normB == 0)
        {
            Array.Clear(x);
            return;
        }

        if (Math.Sqrt(Dot(r, r)) <= tolerance * normB)
        {
            return;
        }

        for (var i = 0; i < n; i++)
        {
            z[i] = r[i] / diagonal[i];
            p[i] = z[i];
        }

        var rz = Dot(r, z);
        // Conjugate gradients reach the exact solution in at most n steps in exact arithmetic; the
        // margin allows for rounding on ill-conditioned (large, far-from-known) holes.
        var limit = 10 * n + 100;
        for (var iteration = 0; iteration < limit; iteration++)
        {
            Multiply(diagonal, coupled, p, ap);

            var alpha = rz / Dot(p, ap);
            double rr = 0;
            for (var i = 0; i < n; i++)
            {
                x[i] += alpha * p[i];
                r[i] -= alpha * ap[i];
                rr += r[i] * r[i];
            }

            if (Math.Sqrt(rr) <= tolerance * normB)
            {
                return;
            }

            for (var i = 0; i < n; i++)
            {
                z[i] = r[i] / diagonal[i];
            }

            var rzNext = Dot(r, z);
            var beta = rzNext / rz;
            rz = rzNext;
            for (var i = 0; i < n; i++)
            {
                p[i] = z[i] + beta * p[i];
            }
        }

        throw new InvalidOperationException($"The ROAD imputation did not converge in {limit} conjugate-gradient iterations ({n} removed pixels).");
    }

    private static void Multiply(double[] diagonal, SparseRows coupled, double[] v, double[] destination)
    {
        for (var i = 0; i < v.Length; i++)
        {
            var s = diagonal[i] * v[i];
            for (var k = coupled.Start[i]; k < coupled.Start[i + 1]; k++)
            {
                s -= coupled.Weights[k] * v[coupled.Columns[k]];
            }

            destination[i] = s;
        }
    }

    private static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (var i = 0; i < a.Length; i++)
        {
            s += a[i] * b[i];
        }

        return s;
    }

    private static void CheckNoise(double noise)
    {
        if (!(noise >= 0) || !double.IsFinite(noise))
        {
            throw new ArgumentOutOfRangeException(nameof(noise), noise, "The imputation noise must be finite and non-negative.");
        }
    }

    private static double Gaussian(Random random)
    {
        // Box–Muller; 1 − U keeps the logarithm's argument in (0, 1].
        double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>Rows of at most eight entries each, built row by row.</summary>
    private sealed class SparseRows(int rows)
    {
        private readonly List<int> _columns = new(8 * rows);
        private readonly List<double> _weights = new(8 * rows);
        private int _row;

        public int[] Start { get; } = new int[rows + 1];

        public int[] Columns { get; private set; } = [];

        public double[] Weights { get; private set; } = [];

        public void Add(int column, double weight)
        {
            _columns.Add(column);
            _weights.Add(weight);
        }

        public void EndRow()
        {
            Start[++_row] = _columns.Count;
            if (_row == Start.Length - 1)
            {
                Columns = [.. _columns];
                Weights = [.. _weights];
            }
        }
    }
}
