namespace SquadStudy.Analysis.Statistics;

/// <summary>One answer for the cluster bootstrap: its participant and image (cluster indices), its cell and its outcome.</summary>
public readonly record struct ClusteredOutcome(int Participant, int Image, int Cell, bool Correct);

/// <summary>
/// Two-way cluster bootstrap of accuracies (the pigeonhole bootstrap, Owen 2007, "The pigeonhole bootstrap",
/// Ann. Appl. Stat. 1(2)): each resample draws the P participants with replacement and, independently, the
/// I images with replacement; an answer of participant p on image i then counts w = (times p was drawn) ×
/// (times i was drawn). A cell's resampled accuracy is Σ w·correct / Σ w. Answers of one participant, and
/// answers on one image, so stay together, which is what repeated answers need.
/// <para>
/// Owen's §3: for a mean over a crossed design the expected bootstrap variance counts the participant and
/// image variance components once and the residual about three times, so the interval is conservative:
/// on answers with no participant or image effect at all it is about √3 times as wide as the binomial
/// one; with one participant (or one image) only the other factor is resampled, and it is the ordinary
/// one-way cluster bootstrap.
/// </para>
/// Draws come from <see cref="Xoshiro256"/>: per resample first the participants (indices in [0, P)), then
/// the images (in [0, I)), so a seed fixes every interval.
/// </summary>
public static class ClusterBootstrap
{
    /// <summary>
    /// The resampled accuracies of groups of cells, <c>result[g][b]</c> for group <c>groups[g]</c> (the cells
    /// whose answers it pools) and resample b; NaN where resample b drew no answer of the group.
    /// </summary>
    public static double[][] Accuracies(
        IReadOnlyList<ClusteredOutcome> outcomes, int participants, int images, int cells,
        IReadOnlyList<int[]> groups, int resamples, long seed)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentOutOfRangeException.ThrowIfNegative(resamples);
        foreach (var o in outcomes)
        {
            if ((uint)o.Participant >= (uint)participants || (uint)o.Image >= (uint)images || (uint)o.Cell >= (uint)cells)
            {
                throw new ArgumentOutOfRangeException(nameof(outcomes),
                    $"Outcome {o} lies outside {participants} participants, {images} images, {cells} cells.");
            }
        }

        if (groups.SelectMany(g => g).Any(c => (uint)c >= (uint)cells))
        {
            throw new ArgumentOutOfRangeException(nameof(groups), $"A group names a cell outside [0, {cells}).");
        }

        var rng = new Xoshiro256(seed);
        var result = groups.Select(_ => new double[resamples]).ToArray();
        var pCount = new int[participants];
        var iCount = new int[images];
        var weight = new double[cells];
        var hits = new double[cells];
        for (int b = 0; b < resamples; b++)
        {
            Array.Clear(pCount);
            Array.Clear(iCount);
            Array.Clear(weight);
            Array.Clear(hits);
            for (int k = 0; k < participants; k++)
            {
                pCount[rng.NextInt(participants)]++;
            }

            for (int k = 0; k < images; k++)
            {
                iCount[rng.NextInt(images)]++;
            }

            foreach (var o in outcomes)
            {
                double w = (double)pCount[o.Participant] * iCount[o.Image];
                weight[o.Cell] += w;
                if (o.Correct)
                {
                    hits[o.Cell] += w;
                }
            }

            for (int g = 0; g < groups.Count; g++)
            {
                double sumWeight = 0.0, sumHits = 0.0;
                foreach (int c in groups[g])
                {
                    sumWeight += weight[c];
                    sumHits += hits[c];
                }

                result[g][b] = sumWeight > 0 ? sumHits / sumWeight : double.NaN;
            }
        }

        return result;
    }

    /// <summary>
    /// Percentile interval of the defined (non-NaN) values at the quantiles α/2 and 1 − α/2, with linear
    /// interpolation between order statistics (Hyndman &amp; Fan type 7, NumPy's default); undefined (NaN) when
    /// no value is defined.
    /// </summary>
    public static Interval Percentile(IEnumerable<double> values, double alpha)
    {
        double[] sorted = values.Where(v => !double.IsNaN(v)).Order().ToArray();
        return sorted.Length == 0 ? Interval.Undefined : new Interval(Quantile(sorted, alpha / 2), Quantile(sorted, 1 - alpha / 2));
    }

    private static double Quantile(double[] sorted, double q)
    {
        double h = (sorted.Length - 1) * q;
        int lo = (int)Math.Floor(h);
        int hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }
}
