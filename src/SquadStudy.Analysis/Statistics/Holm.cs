namespace SquadStudy.Analysis.Statistics;

/// <summary>Holm's step-down correction for multiple comparisons.</summary>
public static class Holm
{
    /// <summary>
    /// Holm (1979) adjusted p-values, as statsmodels' <c>multipletests(method='holm')</c>:
    /// with the m defined p-values sorted ascending, p̃₍ᵢ₎ = min(1, max_{j ≤ i} (m − j + 1)·p₍ⱼ₎),
    /// returned in the input order. NaN entries (undefined tests) are not part of the family:
    /// they stay NaN and do not count towards m.
    /// </summary>
    public static double[] Adjust(IReadOnlyList<double> pValues)
    {
        ArgumentNullException.ThrowIfNull(pValues);
        var defined = new List<int>(pValues.Count);
        for (int i = 0; i < pValues.Count; i++)
        {
            double p = pValues[i];
            if (double.IsNaN(p))
            {
                continue;
            }

            if (p < 0.0 || p > 1.0)
            {
                throw new ArgumentOutOfRangeException(nameof(pValues), $"p-value #{i} = {p} is outside [0, 1].");
            }

            defined.Add(i);
        }

        var adjusted = new double[pValues.Count];
        Array.Fill(adjusted, double.NaN);
        // A stable sort keeps tied p-values in input order; ties get equal adjusted values anyway.
        int[] order = defined.OrderBy(i => pValues[i]).ToArray();
        int m = order.Length;
        double running = 0.0;
        for (int rank = 0; rank < m; rank++)
        {
            running = Math.Max(running, (m - rank) * pValues[order[rank]]);
            adjusted[order[rank]] = Math.Min(1.0, running);
        }

        return adjusted;
    }
}
