namespace SquadStudy.Analysis.Statistics;

/// <summary>How a Wilcoxon p-value was obtained.</summary>
public enum WilcoxonMethod
{
    /// <summary>No test: no non-zero differences.</summary>
    None,
    /// <summary>Exact null distribution of W⁺ (no zeros, no ties, n ≤ 50).</summary>
    Exact,
    /// <summary>Normal approximation with tie correction, zeros dropped.</summary>
    Approx,
}

/// <param name="Statistic">min(W⁺, W⁻) as SciPy reports for a two-sided test (NaN when there is no test).</param>
/// <param name="PValue">Two-sided p-value (NaN when there is no test).</param>
/// <param name="Method">Exact or normal approximation.</param>
/// <param name="NonZero">Number of non-zero differences that were ranked.</param>
/// <param name="HasTies">Whether the absolute non-zero differences contain ties.</param>
public readonly record struct WilcoxonResult(double Statistic, double PValue, WilcoxonMethod Method, int NonZero, bool HasTies);

/// <summary>Wilcoxon signed-rank test of H₀: the differences are symmetric about 0.</summary>
public static class Wilcoxon
{
    /// <summary>Largest sample for the exact distribution, SciPy's 'auto' threshold.</summary>
    public const int ExactMaxN = 50;

    /// <summary>
    /// Two-sided Wilcoxon (1945) signed-rank test on differences, as <c>scipy.stats.wilcoxon</c>
    /// with <c>zero_method='wilcox'</c>, no continuity correction:
    /// <list type="bullet">
    /// <item>Exact when n ≤ 50 and the differences have neither zeros nor ties: p = 2·min(P(W⁺ ≤ w), P(W⁺ ≥ w)),
    /// capped at 1, and p = 1 when w is the centre ⌊n(n+1)/4⌋ (SciPy's rule).</item>
    /// <item>Otherwise zeros are dropped and z = (T − n(n+1)/4)/√((n(n+1)(2n+1) − ½Σ(t³ − t))/24) with
    /// T = min(W⁺, W⁻) and tie groups of size t; p = 2Φ(−|z|).</item>
    /// </list>
    /// SciPy 1.10's 'auto' also takes the exact branch for tied non-zero differences, where it truncates the
    /// half-integer W⁺ to an integer; we use the tie-corrected normal approximation there instead
    /// (equal to SciPy's <c>method='approx'</c>). See docs/statistics.md.
    /// An empty sample or all-zero differences give no test (NaN; SciPy raises an error for the latter).
    /// </summary>
    public static WilcoxonResult SignedRank(IReadOnlyList<double> differences)
    {
        ArgumentNullException.ThrowIfNull(differences);
        var nonZero = new List<double>(differences.Count);
        foreach (double d in differences)
        {
            if (!double.IsFinite(d))
            {
                throw new ArgumentException($"Wilcoxon input contains a non-finite value ({d}).", nameof(differences));
            }

            if (d != 0.0)
            {
                nonZero.Add(d);
            }
        }

        int n = nonZero.Count;
        if (n == 0)
        {
            return new WilcoxonResult(double.NaN, double.NaN, WilcoxonMethod.None, 0, false);
        }

        var (ranks, tieSizes) = AverageRanks(nonZero.Select(Math.Abs).ToArray());
        double wPlus = 0.0, wMinus = 0.0;
        for (int i = 0; i < n; i++)
        {
            if (nonZero[i] > 0)
            {
                wPlus += ranks[i];
            }
            else
            {
                wMinus += ranks[i];
            }
        }

        double statistic = Math.Min(wPlus, wMinus);
        bool hasTies = tieSizes.Count > 0;
        bool hasZeros = n < differences.Count;
        if (n <= ExactMaxN && !hasZeros && !hasTies)
        {
            return new WilcoxonResult(statistic, ExactP((int)wPlus, n), WilcoxonMethod.Exact, n, false);
        }

        double mean = n * (n + 1.0) / 4.0;
        double variance = n * (n + 1.0) * (2.0 * n + 1.0);
        foreach (int t in tieSizes)
        {
            variance -= 0.5 * t * ((double)t * t - 1.0);
        }

        double z = (statistic - mean) / Math.Sqrt(variance / 24.0);
        return new WilcoxonResult(statistic, Proportions.TwoSidedNormalP(z), WilcoxonMethod.Approx, n, hasTies);
    }

    /// <summary>Exact two-sided p for W⁺ = w with n untied non-zero differences (SciPy's rule).</summary>
    private static double ExactP(int wPlus, int n)
    {
        double[] pmf = NullDistribution(n);
        if (wPlus == (pmf.Length - 1) / 2)
        {
            return 1.0;
        }

        double less = 0.0, greater = 0.0;
        for (int k = 0; k <= wPlus; k++)
        {
            less += pmf[k];
        }

        for (int k = wPlus; k < pmf.Length; k++)
        {
            greater += pmf[k];
        }

        return Math.Min(1.0, 2.0 * Math.Min(less, greater));
    }

    /// <summary>
    /// P(W⁺ = k), k = 0…n(n+1)/2, by the recursion that adds rank m with sign + or − at probability ½ each
    /// (the same recursion as SciPy's <c>_get_wilcoxon_distr</c>).
    /// </summary>
    private static double[] NullDistribution(int n)
    {
        var c = new double[] { 1.0 };
        for (int m = 1; m <= n; m++)
        {
            var next = new double[m * (m + 1) / 2 + 1];
            for (int k = 0; k < c.Length; k++)
            {
                next[k] += 0.5 * c[k];
                next[k + m] += 0.5 * c[k];
            }

            c = next;
        }

        return c;
    }

    /// <summary>Average ranks (1-based) and the sizes of tie groups larger than one, as <c>scipy.stats.rankdata</c>.</summary>
    internal static (double[] Ranks, List<int> TieSizes) AverageRanks(double[] values)
    {
        int n = values.Length;
        int[] order = Enumerable.Range(0, n).OrderBy(i => values[i]).ToArray();
        var ranks = new double[n];
        var ties = new List<int>();
        int start = 0;
        while (start < n)
        {
            int end = start;
            while (end + 1 < n && values[order[end + 1]] == values[order[start]])
            {
                end++;
            }

            double average = (start + end) / 2.0 + 1.0;
            for (int j = start; j <= end; j++)
            {
                ranks[order[j]] = average;
            }

            if (end > start)
            {
                ties.Add(end - start + 1);
            }

            start = end + 1;
        }

        return (ranks, ties);
    }
}
