namespace SquadStudy.Engine.Metrics;

/// <summary>Rank correlation of two maps, as <c>scipy.stats.spearmanr</c> computes it.</summary>
public static class RankCorrelation
{
    /// <summary>
    /// Spearman's ρ: the Pearson correlation of the two value lists' ranks, ties given their average
    /// rank. NaN when either list is constant (its ranks have no variance), as SciPy returns.
    /// </summary>
    public static double Spearman(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException($"The maps differ in size: {a.Length} and {b.Length} values.", nameof(b));
        }

        if (a.Length < 2)
        {
            throw new ArgumentException("A rank correlation needs at least two values.", nameof(a));
        }

        var ra = Ranks(a);
        var rb = Ranks(b);
        double ma = ra.Average(), mb = rb.Average();
        double sab = 0, saa = 0, sbb = 0;
        for (var i = 0; i < ra.Length; i++)
        {
            double da = ra[i] - ma, db = rb[i] - mb;
            sab += da * db;
            saa += da * da;
            sbb += db * db;
        }

        return saa == 0 || sbb == 0 ? double.NaN : Math.Clamp(sab / Math.Sqrt(saa * sbb), -1, 1);
    }

    /// <summary>1-based ranks, ties given the mean of the ranks they span (SciPy's <c>rankdata(method="average")</c>).</summary>
    public static double[] Ranks(ReadOnlySpan<float> values)
    {
        foreach (var v in values)
        {
            if (!float.IsFinite(v))
            {
                throw new ArgumentException("Ranked values must be finite.", nameof(values));
            }
        }

        var copy = values.ToArray();
        var order = Enumerable.Range(0, copy.Length).ToArray();
        Array.Sort(order, (x, y) => copy[x].CompareTo(copy[y]));
        var ranks = new double[copy.Length];
        for (var i = 0; i < order.Length;)
        {
            var j = i;
            while (j + 1 < order.Length && copy[order[j + 1]] == copy[order[i]])
            {
                j++;
            }

            var rank = (i + j) / 2.0 + 1;
            for (var k = i; k <= j; k++)
            {
                ranks[order[k]] = rank;
            }

            i = j + 1;
        }

        return ranks;
    }
}
