using SquadStudy.Analysis.Statistics;

namespace SquadStudy.Analysis.Tests;

/// <summary>Invariants on many seeded random inputs.</summary>
public class PropertyTests
{
    private const int Cases = 400;

    private static bool IsProbability(double p) => p >= 0.0 && p <= 1.0;

    [Fact]
    public void ProportionTests_PValuesInUnitInterval_SymmetricInAAndB_AndWilsonContainsEstimate()
    {
        var random = new Random(1);
        for (int i = 0; i < Cases; i++)
        {
            int nA = random.Next(1, 600), nB = random.Next(1, 600);
            int xA = random.Next(0, nA + 1), xB = random.Next(0, nB + 1);
            string what = $"{xA}/{nA} vs {xB}/{nB}";

            var z = Proportions.TwoProportionZTest(xA, nA, xB, nB);
            var zSwapped = Proportions.TwoProportionZTest(xB, nB, xA, nA);
            if (!double.IsNaN(z.PValue))
            {
                IsProbability(z.PValue).ShouldBeTrue(what);
                zSwapped.PValue.ShouldBe(z.PValue, 1e-15, what);
                zSwapped.Statistic.ShouldBe(-z.Statistic, 1e-12, what);
            }
            else
            {
                (xA + xB == 0 || xA + xB == nA + nB).ShouldBeTrue($"{what}: z undefined only when pooled is 0 or 1");
            }

            double fisher = FisherExact.TwoSidedP(xA, nA - xA, xB, nB - xB);
            IsProbability(fisher).ShouldBeTrue(what);
            FisherExact.TwoSidedP(xB, nB - xB, xA, nA - xA).ShouldBe(fisher, 1e-12, what);
            FisherExact.TwoSidedP(nA - xA, xA, nB - xB, xB).ShouldBe(fisher, 1e-12, $"{what}: swapping outcomes");

            Proportions.CohensH((double)xB / nB, (double)xA / nA).ShouldBe(-Proportions.CohensH((double)xA / nA, (double)xB / nB), 1e-15);

            var ci = Proportions.Wilson(xA, nA);
            double estimate = (double)xA / nA;
            ci.Low.ShouldBeLessThanOrEqualTo(estimate, what);
            ci.High.ShouldBeGreaterThanOrEqualTo(estimate, what);
            ci.Low.ShouldBeGreaterThanOrEqualTo(0.0);
            ci.High.ShouldBeLessThanOrEqualTo(1.0);
        }
    }

    [Fact]
    public void PermutationTest_PValueInUnitInterval_AndExactlySymmetricInAAndB()
    {
        var random = new Random(2);
        for (int i = 0; i < 60; i++)
        {
            int participants = random.Next(1, 12);
            double pA = random.NextDouble(), pB = random.NextDouble();
            var outcomes = new List<LabelledOutcome>();
            for (int p = 0; p < participants; p++)
            {
                int answers = random.Next(1, 9);
                for (int k = 0; k < answers; k++)
                {
                    bool isA = random.Next(2) == 0;
                    outcomes.Add(new LabelledOutcome($"p{p}", isA, random.NextDouble() < (isA ? pA : pB)));
                }
            }

            var r = PermutationTest.DifferenceInProportions(outcomes, 300, seed: i);
            var swapped = PermutationTest.DifferenceInProportions(outcomes.Select(o => o with { IsA = !o.IsA }).ToList(), 300, seed: i);
            if (double.IsNaN(r.PValue))
            {
                double.IsNaN(swapped.PValue).ShouldBeTrue();
                continue;
            }

            IsProbability(r.PValue).ShouldBeTrue();
            r.PValue.ShouldBeGreaterThanOrEqualTo(1.0 / 301);
            swapped.PValue.ShouldBe(r.PValue);
            swapped.Difference.ShouldBe(-r.Difference, 1e-15);
        }
    }

    [Fact]
    public void PermutationTest_SameSeed_SameP_AndNoParticipantMixing_GivesPOne()
    {
        var random = new Random(3);
        var outcomes = Enumerable.Range(0, 200)
            .Select(i => new LabelledOutcome($"p{i % 20}", random.Next(2) == 0, random.Next(3) > 0))
            .ToList();
        var first = PermutationTest.DifferenceInProportions(outcomes, 2000, 42);
        PermutationTest.DifferenceInProportions(outcomes, 2000, 42).PValue.ShouldBe(first.PValue);

        // Each participant answered only A or only B: within-participant relabeling changes nothing, so every
        // D* equals D_obs and p = 1.
        var separated = Enumerable.Range(0, 40).Select(i => new LabelledOutcome($"p{i % 4}", i % 4 < 2, i % 3 == 0)).ToList();
        PermutationTest.DifferenceInProportions(separated, 500, 1).PValue.ShouldBe(1.0);
    }

    [Fact]
    public void OneSampleTests_PValuesInUnitInterval_IntervalContainsMean_AndSignFlipInvariant()
    {
        var random = new Random(4);
        for (int i = 0; i < Cases; i++)
        {
            int n = random.Next(1, 120);
            bool likert = random.Next(2) == 0;
            double shift = random.NextDouble() - 0.5;
            double[] values = Enumerable.Range(0, n)
                .Select(_ => likert ? random.Next(-2, 3) : Math.Round(shift + random.NextDouble() * 2 - 1, 3))
                .Select(v => (double)v)
                .ToArray();
            double[] negated = values.Select(v => -v).ToArray();
            string what = $"case {i}: n = {n}, likert = {likert}";

            var t = OneSample.TTest(values);
            if (!double.IsNaN(t.PValue))
            {
                IsProbability(t.PValue).ShouldBeTrue(what);
                OneSample.TTest(negated).PValue.ShouldBe(t.PValue, 1e-14, what);
            }

            var ci = OneSample.MeanInterval(values);
            if (!double.IsNaN(ci.Low))
            {
                double mean = values.Average();
                ci.Low.ShouldBeLessThanOrEqualTo(mean + 1e-12, what);
                ci.High.ShouldBeGreaterThanOrEqualTo(mean - 1e-12, what);
            }

            var w = Wilcoxon.SignedRank(values);
            if (w.Method != WilcoxonMethod.None)
            {
                IsProbability(w.PValue).ShouldBeTrue(what);
                var wn = Wilcoxon.SignedRank(negated);
                wn.PValue.ShouldBe(w.PValue, 1e-14, what);
                wn.Method.ShouldBe(w.Method, what);
            }
        }
    }

    [Fact]
    public void Holm_AdjustedAtLeastRaw_AtMostOne_AndMonotoneInRawOrder()
    {
        var random = new Random(5);
        for (int i = 0; i < Cases; i++)
        {
            double[] p = Enumerable.Range(0, random.Next(1, 30)).Select(_ => Math.Pow(random.NextDouble(), 3)).ToArray();
            if (random.Next(4) == 0)
            {
                p[random.Next(p.Length)] = p[0]; // ties
            }

            double[] adjusted = Holm.Adjust(p);
            for (int a = 0; a < p.Length; a++)
            {
                adjusted[a].ShouldBeGreaterThanOrEqualTo(p[a]);
                adjusted[a].ShouldBeLessThanOrEqualTo(1.0);
                for (int b = 0; b < p.Length; b++)
                {
                    if (p[a] <= p[b])
                    {
                        adjusted[a].ShouldBeLessThanOrEqualTo(adjusted[b]);
                    }
                }
            }
        }
    }

    [Fact]
    public void Holm_NaNEntries_AreLeftOutOfTheFamily()
    {
        double[] adjusted = Holm.Adjust([0.01, double.NaN, 0.02]);
        adjusted[0].ShouldBe(0.02, 1e-15);
        double.IsNaN(adjusted[1]).ShouldBeTrue();
        adjusted[2].ShouldBe(0.02, 1e-15);
    }

    [Fact]
    public void Power_DetectableDifference_ShrinksWithN_AndRoundTripsThroughSampleSize()
    {
        var random = new Random(6);
        for (int i = 0; i < Cases; i++)
        {
            double baseline = 0.05 + 0.9 * random.NextDouble();
            int n = random.Next(5, 5000);
            double d = Power.DetectableDifference(baseline, n);
            double dMore = Power.DetectableDifference(baseline, n * 2);
            if (double.IsNaN(d))
            {
                continue;
            }

            dMore.ShouldBeLessThan(d);
            Power.ExactSampleSize(baseline, d, 0.05, 0.8).ShouldBe(n, 1e-6 * n);
            Power.SampleSizePerGroup(baseline, d)!.Value.ShouldBeInRange(n, n + 1);
        }
    }
}
