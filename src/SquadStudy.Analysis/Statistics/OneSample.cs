using MathNet.Numerics;
using MathNet.Numerics.Distributions;

namespace SquadStudy.Analysis.Statistics;

/// <summary>Mean, standard deviation and t-based inference on one sample.</summary>
/// <param name="N">Number of observations.</param>
/// <param name="Mean">Sample mean (NaN when n = 0).</param>
/// <param name="StandardDeviation">Sample standard deviation with n − 1 in the denominator (NaN when n &lt; 2).</param>
public readonly record struct SampleSummary(int N, double Mean, double StandardDeviation)
{
    public static SampleSummary Of(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        int n = values.Count;
        if (n == 0)
        {
            return new SampleSummary(0, double.NaN, double.NaN);
        }

        double mean = 0.0;
        foreach (double v in values)
        {
            if (!double.IsFinite(v))
            {
                throw new ArgumentException($"Sample contains a non-finite value ({v}).", nameof(values));
            }

            mean += v;
        }

        mean /= n;
        if (n < 2)
        {
            return new SampleSummary(n, mean, double.NaN);
        }

        // Two-pass sum of squares: exact zero for constant samples, which the zero-variance rules rely on.
        double ss = 0.0;
        foreach (double v in values)
        {
            ss += (v - mean) * (v - mean);
        }

        return new SampleSummary(n, mean, Math.Sqrt(ss / (n - 1)));
    }
}

/// <summary>One-sample t-test and t interval.</summary>
public static class OneSample
{
    /// <summary>
    /// One-sample two-sided t-test of H₀: μ = μ₀, as <c>scipy.stats.ttest_1samp</c>:
    /// t = (x̄ − μ₀)/(s/√n), df = n − 1, p = 2·P(T_df &gt; |t|) = I_{df/(df+t²)}(df/2, 1/2)
    /// (regularised incomplete beta, which keeps relative precision for tiny p).
    /// Like SciPy: n &lt; 2 gives NaN; zero variance gives t = ±∞, p = 0 when x̄ ≠ μ₀, and NaN when x̄ = μ₀.
    /// </summary>
    public static TestResult TTest(IReadOnlyList<double> values, double mu0 = 0.0)
    {
        var s = SampleSummary.Of(values);
        if (s.N < 2)
        {
            return new TestResult(double.NaN, double.NaN);
        }

        double difference = s.Mean - mu0;
        if (s.StandardDeviation == 0.0)
        {
            return difference == 0.0
                ? new TestResult(double.NaN, double.NaN)
                : new TestResult(difference > 0 ? double.PositiveInfinity : double.NegativeInfinity, 0.0);
        }

        double t = difference / (s.StandardDeviation / Math.Sqrt(s.N));
        double df = s.N - 1;
        double p = SpecialFunctions.BetaRegularized(df / 2.0, 0.5, df / (df + t * t));
        return new TestResult(t, Math.Min(1.0, p));
    }

    /// <summary>
    /// t interval for the mean: x̄ ± t_{1−α/2, n−1}·s/√n (t quantile as <c>scipy.stats.t.ppf</c>).
    /// NaN for n &lt; 2; a zero-width interval for a constant sample.
    /// </summary>
    public static Interval MeanInterval(IReadOnlyList<double> values, double confidence = 0.95)
    {
        Proportions.ValidateConfidence(confidence);
        var s = SampleSummary.Of(values);
        if (s.N < 2)
        {
            return Interval.Undefined;
        }

        double half = StudentTQuantile(0.5 + confidence / 2.0, s.N - 1) * s.StandardDeviation / Math.Sqrt(s.N);
        return new Interval(s.Mean - half, s.Mean + half);
    }

    /// <summary>Cohen's d for one sample against μ₀: (x̄ − μ₀)/s (Cohen 1988, §2.2). NaN when s is 0 or undefined.</summary>
    public static double CohensD(IReadOnlyList<double> values, double mu0 = 0.0)
    {
        var s = SampleSummary.Of(values);
        return s.N < 2 || s.StandardDeviation == 0.0 ? double.NaN : (s.Mean - mu0) / s.StandardDeviation;
    }

    /// <summary>
    /// Quantile of Student's t. MathNet's <c>StudentT.InvCDF</c> (a bracketed root search on a CDF accurate to
    /// ~1e-9) is the starting point; Newton steps on the upper tail P(T &gt; t) = ½·I_{df/(df+t²)}(df/2, ½), the
    /// same incomplete beta as the t-test's p-value, bring it to ~1e-13 of <c>scipy.stats.t.ppf</c>.
    /// </summary>
    internal static double StudentTQuantile(double probability, int df)
    {
        if (probability < 0.5)
        {
            return -StudentTQuantile(1.0 - probability, df);
        }

        double upperTail = 1.0 - probability;
        double t = StudentT.InvCDF(0.0, 1.0, df, probability);
        for (int i = 0; i < 4 && t > 0.0; i++)
        {
            double tail = 0.5 * SpecialFunctions.BetaRegularized(df / 2.0, 0.5, df / (df + t * t));
            t += (tail - upperTail) / StudentT.PDF(0.0, 1.0, df, t);
        }

        return t;
    }
}
