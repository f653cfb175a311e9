using MathNet.Numerics;
using MathNet.Numerics.Distributions;

namespace SquadStudy.Analysis.Statistics;

/// <summary>A two-sided confidence interval; both ends are NaN when it is undefined (n = 0).</summary>
public readonly record struct Interval(double Low, double High)
{
    public static Interval Undefined => new(double.NaN, double.NaN);
}

/// <summary>A test statistic with its two-sided p-value (NaN when the test is undefined).</summary>
public readonly record struct TestResult(double Statistic, double PValue);

/// <summary>Intervals, tests and effect sizes for binomial proportions.</summary>
public static class Proportions
{
    /// <summary>
    /// Wilson score interval (Wilson 1927; Newcombe 1998, method 3), as statsmodels'
    /// <c>proportion_confint(method='wilson')</c>:
    /// (p̂ + z²/2n ± z·√(p̂q̂/n + z²/4n²)) / (1 + z²/n), z = Φ⁻¹(1 − α/2).
    /// </summary>
    public static Interval Wilson(int successes, int n, double confidence = 0.95)
    {
        ValidateCounts(successes, n, nameof(successes));
        ValidateConfidence(confidence);
        if (n == 0)
        {
            return Interval.Undefined;
        }

        double z = Normal.InvCDF(0.0, 1.0, 0.5 + confidence / 2.0);
        double z2 = z * z;
        double p = (double)successes / n;
        double denominator = 1.0 + z2 / n;
        double centre = (p + z2 / (2.0 * n)) / denominator;
        double half = z * Math.Sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * (double)n)) / denominator;
        // At p̂ = 0 (1) the lower (upper) end is exactly 0 (1); the formula leaves rounding residue there.
        double low = successes == 0 ? 0.0 : Math.Max(0.0, centre - half);
        double high = successes == n ? 1.0 : Math.Min(1.0, centre + half);
        return new Interval(low, high);
    }

    /// <summary>
    /// Two-sided two-proportion z-test with the pooled standard error
    /// (as statsmodels' <c>proportions_ztest</c> with its default pooled variance):
    /// z = (p̂₁ − p̂₂) / √(p̄(1 − p̄)(1/n₁ + 1/n₂)), p̄ = (x₁ + x₂)/(n₁ + n₂), p = 2Φ(−|z|).
    /// The test is undefined (NaN) when a group is empty or p̄ is 0 or 1 (zero standard error).
    /// </summary>
    public static TestResult TwoProportionZTest(int successesA, int nA, int successesB, int nB)
    {
        ValidateCounts(successesA, nA, nameof(successesA));
        ValidateCounts(successesB, nB, nameof(successesB));
        if (nA == 0 || nB == 0)
        {
            return new TestResult(double.NaN, double.NaN);
        }

        double pooled = (double)(successesA + successesB) / (nA + nB);
        double se = Math.Sqrt(pooled * (1.0 - pooled) * (1.0 / nA + 1.0 / nB));
        if (se == 0.0)
        {
            return new TestResult(double.NaN, double.NaN);
        }

        double z = ((double)successesA / nA - (double)successesB / nB) / se;
        return new TestResult(z, TwoSidedNormalP(z));
    }

    /// <summary>Cohen's h = 2·asin√p₁ − 2·asin√p₂ (Cohen 1988, §6.2).</summary>
    public static double CohensH(double p1, double p2)
    {
        ValidateProbability(p1, nameof(p1));
        ValidateProbability(p2, nameof(p2));
        return 2.0 * Math.Asin(Math.Sqrt(p1)) - 2.0 * Math.Asin(Math.Sqrt(p2));
    }

    /// <summary>2·Φ(−|z|) written as erfc(|z|/√2), which keeps full relative precision in the far tail.</summary>
    internal static double TwoSidedNormalP(double z) => SpecialFunctions.Erfc(Math.Abs(z) / Constants.Sqrt2);

    internal static void ValidateCounts(int successes, int n, string name)
    {
        if (n < 0 || successes < 0 || successes > n)
        {
            throw new ArgumentOutOfRangeException(name, $"{name} = {successes} with n = {n}: need 0 ≤ successes ≤ n.");
        }
    }

    internal static void ValidateConfidence(double confidence)
    {
        if (!(confidence > 0.0 && confidence < 1.0))
        {
            throw new ArgumentOutOfRangeException(nameof(confidence), $"confidence = {confidence}: need 0 < confidence < 1.");
        }
    }

    internal static void ValidateProbability(double p, string name)
    {
        if (!(p >= 0.0 && p <= 1.0))
        {
            throw new ArgumentOutOfRangeException(name, $"{name} = {p}: need a probability in [0, 1].");
        }
    }
}
