using MathNet.Numerics;

namespace SquadStudy.Analysis.Statistics;

/// <summary>Fisher's exact test on a 2×2 table, two-sided, as <c>scipy.stats.fisher_exact</c>.</summary>
public static class FisherExact
{
    /// <summary>
    /// Relative tolerance for "as or less probable than the observed table". SciPy 1.10 uses
    /// 1 + 1e-14; tables whose probabilities are mathematically equal (symmetric margins) can
    /// differ by more than that after rounding in a different pmf implementation, so we use
    /// R's 1 + 1e-7. Distinct hypergeometric probabilities of integer tables are never that close
    /// for the table sizes of a study, so the two rules give the same set of tables.
    /// </summary>
    private const double RelativeTolerance = 1e-7;

    /// <summary>
    /// Two-sided p-value for the table [[a, b], [c, d]] (rows = groups, columns = outcomes):
    /// the sum of the hypergeometric probabilities of all tables with the same margins that are
    /// no more probable than the observed one (Fisher 1935; the "minimum likelihood" rule of
    /// SciPy and R). A table with an empty row or column gives p = 1, as SciPy does.
    /// </summary>
    public static double TwoSidedP(int a, int b, int c, int d)
    {
        if (a < 0 || b < 0 || c < 0 || d < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(a), $"Fisher table [[{a}, {b}], [{c}, {d}]] has a negative cell.");
        }

        int row1 = a + b, row2 = c + d, col1 = a + c, col2 = b + d;
        if (row1 == 0 || row2 == 0 || col1 == 0 || col2 == 0)
        {
            return 1.0;
        }

        int total = row1 + row2;
        int low = Math.Max(0, col1 - row2), high = Math.Min(row1, col1);
        double logObserved = LogHypergeometricPmf(a, total, row1, col1);
        // log(1 + ε) = ε − ε²/2: for ε = 1e-7 the ε² term (5e-15) does not matter.
        double threshold = logObserved + RelativeTolerance;
        double p = 0.0;
        for (int x = low; x <= high; x++)
        {
            double logPmf = LogHypergeometricPmf(x, total, row1, col1);
            if (logPmf <= threshold)
            {
                p += Math.Exp(logPmf);
            }
        }

        return Math.Min(1.0, p);
    }

    /// <summary>log P(X = x) for X ~ Hypergeometric(population, successes in population, draws).</summary>
    private static double LogHypergeometricPmf(int x, int population, int successStates, int draws) =>
        LogChoose(successStates, x) + LogChoose(population - successStates, draws - x) - LogChoose(population, draws);

    private static double LogChoose(int n, int k) =>
        SpecialFunctions.FactorialLn(n) - SpecialFunctions.FactorialLn(k) - SpecialFunctions.FactorialLn(n - k);
}
