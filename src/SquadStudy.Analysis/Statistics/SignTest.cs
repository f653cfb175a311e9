using MathNet.Numerics;

namespace SquadStudy.Analysis.Statistics;

/// <summary>Exact binomial test of H₀: π = ½ (the sign test), two-sided.</summary>
public static class SignTest
{
    /// <summary>
    /// Two-sided p for k successes in n trials under π = ½, as <c>scipy.stats.binomtest(k, n).pvalue</c>:
    /// the binomial(n, ½) distribution is symmetric, so p = min(1, 2·P(X ≤ min(k, n − k))), and p = 1 for k = n/2.
    /// NaN for n = 0 (SciPy raises an error).
    /// </summary>
    public static double TwoSidedP(int k, int n)
    {
        Proportions.ValidateCounts(k, n, nameof(k));
        if (n == 0)
        {
            return double.NaN;
        }

        if (2 * k == n)
        {
            return 1.0;
        }

        int tail = Math.Min(k, n - k);
        double logHalfPowN = -n * Constants.Ln2;
        double sum = 0.0;
        for (int x = 0; x <= tail; x++)
        {
            sum += Math.Exp(SpecialFunctions.FactorialLn(n) - SpecialFunctions.FactorialLn(x)
                            - SpecialFunctions.FactorialLn(n - x) + logHalfPowN);
        }

        return Math.Min(1.0, 2.0 * sum);
    }
}
