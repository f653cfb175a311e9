using MathNet.Numerics.Distributions;

namespace SquadStudy.Analysis.Statistics;

/// <summary>
/// Power of the two-sided two-proportion z-test by the standard normal approximation
/// (Fleiss, Levin &amp; Paik 2003, eq. 4.14, without continuity correction):
/// n per group = (z_{1−α/2}·√(2p̄q̄) + z_{1−β}·√(p₁q₁ + p₂q₂))² / (p₁ − p₂)².
/// The two proportions are placed symmetrically around a baseline p₀: p₁,₂ = p₀ ∓ δ/2, so p̄ = p₀ and the
/// result does not depend on which method is called A. Then p₁q₁ + p₂q₂ = 2p₀q₀ − δ²/2.
/// </summary>
public static class Power
{
    /// <summary>n per group (rounded up) to detect a difference δ around p₀; null when p₀ ∓ δ/2 leaves [0, 1].</summary>
    public static int? SampleSizePerGroup(double baseline, double difference, double alpha = 0.05, double power = 0.8)
    {
        Validate(baseline, alpha, power);
        if (!(difference > 0.0 && difference <= 1.0))
        {
            throw new ArgumentOutOfRangeException(nameof(difference), $"difference = {difference}: need 0 < δ ≤ 1.");
        }

        if (difference > MaxDifference(baseline))
        {
            return null;
        }

        return (int)Math.Ceiling(ExactSampleSize(baseline, difference, alpha, power) - 1e-9);
    }

    /// <summary>Unrounded n per group of the formula (for tests and for solving δ).</summary>
    public static double ExactSampleSize(double baseline, double difference, double alpha, double power)
    {
        var (zAlpha, zBeta) = Quantiles(alpha, power);
        double s2 = 2.0 * baseline * (1.0 - baseline);
        double root = zAlpha * Math.Sqrt(s2) + zBeta * Math.Sqrt(Math.Max(0.0, s2 - difference * difference / 2.0));
        return root * root / (difference * difference);
    }

    /// <summary>
    /// Smallest δ (p₀ ∓ δ/2) that n per group detect with the given power: the root of
    /// √n·δ = z_{1−α/2}√(2p₀q₀) + z_{1−β}√(2p₀q₀ − δ²/2), found by bisection to 1e-14.
    /// NaN when even the largest δ that fits in [0, 1] is not detectable, or n is 0.
    /// </summary>
    public static double DetectableDifference(double baseline, double nPerGroup, double alpha = 0.05, double power = 0.8)
    {
        Validate(baseline, alpha, power);
        if (!(nPerGroup >= 0.0) || double.IsInfinity(nPerGroup))
        {
            throw new ArgumentOutOfRangeException(nameof(nPerGroup), $"nPerGroup = {nPerGroup}: need a finite n ≥ 0.");
        }

        double max = MaxDifference(baseline);
        if (nPerGroup == 0.0 || max == 0.0)
        {
            return double.NaN;
        }

        var (zAlpha, zBeta) = Quantiles(alpha, power);
        double s2 = 2.0 * baseline * (1.0 - baseline);
        double rootN = Math.Sqrt(nPerGroup);
        // f increases with δ for power ≥ 0.5 (z_{1−β} ≥ 0), and f(0) < 0.
        double F(double d) => rootN * d - zAlpha * Math.Sqrt(s2) - zBeta * Math.Sqrt(Math.Max(0.0, s2 - d * d / 2.0));
        if (F(max) < 0.0)
        {
            return double.NaN;
        }

        double lo = 0.0, hi = max;
        while (hi - lo > 1e-14)
        {
            double mid = 0.5 * (lo + hi);
            if (F(mid) < 0.0)
            {
                lo = mid;
            }
            else
            {
                hi = mid;
            }
        }

        return 0.5 * (lo + hi);
    }

    /// <summary>
    /// The equal-group n equivalent to groups of n_A and n_B: their harmonic mean 2n_An_B/(n_A + n_B), which
    /// keeps the null variance term p̄q̄(1/n_A + 1/n_B) of the z-test unchanged.
    /// </summary>
    public static double EffectiveNPerGroup(int nA, int nB) =>
        nA <= 0 || nB <= 0 ? 0.0 : 2.0 * nA * (double)nB / (nA + nB);

    private static double MaxDifference(double baseline) => 2.0 * Math.Min(baseline, 1.0 - baseline);

    private static (double ZAlpha, double ZBeta) Quantiles(double alpha, double power) =>
        (Normal.InvCDF(0.0, 1.0, 1.0 - alpha / 2.0), Normal.InvCDF(0.0, 1.0, power));

    private static void Validate(double baseline, double alpha, double power)
    {
        Proportions.ValidateProbability(baseline, nameof(baseline));
        if (!(alpha > 0.0 && alpha < 1.0))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), $"alpha = {alpha}: need 0 < α < 1.");
        }

        if (!(power >= 0.5 && power < 1.0))
        {
            throw new ArgumentOutOfRangeException(nameof(power), $"power = {power}: need 0.5 ≤ power < 1.");
        }
    }
}
