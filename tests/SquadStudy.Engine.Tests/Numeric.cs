namespace SquadStudy.Engine.Tests;

internal static class Numeric
{
    public static double Pearson(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double ma = 0, mb = 0;
        for (int i = 0; i < a.Length; i++) { ma += a[i]; mb += b[i]; }
        ma /= a.Length; mb /= b.Length;
        double sab = 0, saa = 0, sbb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double da = a[i] - ma, db = b[i] - mb;
            sab += da * db; saa += da * da; sbb += db * db;
        }
        return sab / Math.Sqrt(saa * sbb);
    }

    public static double MaxAbsDifference(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double m = 0;
        for (int i = 0; i < a.Length; i++) m = Math.Max(m, Math.Abs((double)a[i] - b[i]));
        return m;
    }

    /// <summary>
    /// The parity criterion of DESIGN.md: Pearson r ≥ 0.999 and max |a − ref| ≤ 1e-3·(max ref − min ref).
    /// A constant reference (e.g. an all-zero map) must be matched to within 1e-6 absolute.
    /// </summary>
    public static void ShouldMatchMap(float[] actual, float[] expected, string what)
    {
        actual.Length.ShouldBe(expected.Length, what);
        foreach (var v in actual) float.IsFinite(v).ShouldBeTrue($"{what}: non-finite value");
        float range = expected.Max() - expected.Min();
        double err = MaxAbsDifference(actual, expected);
        if (range == 0)
        {
            err.ShouldBeLessThanOrEqualTo(1e-6, $"{what}: reference is constant {expected[0]}");
            return;
        }
        err.ShouldBeLessThanOrEqualTo(1e-3 * range, $"{what}: max abs error {err:G4} vs range {range:G4}");
        double r = Pearson(actual, expected);
        r.ShouldBeGreaterThanOrEqualTo(0.999, $"{what}: Pearson r");
    }
}
