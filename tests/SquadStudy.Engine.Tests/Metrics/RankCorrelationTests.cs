using SquadStudy.Engine.Metrics;

namespace SquadStudy.Engine.Tests.Metrics;

public class RankCorrelationTests
{
    [Fact]
    public void Spearman_MatchesSciPy_WithAndWithoutTies()
    {
        var cases = MetricsReference.Load().Root.GetProperty("spearman").EnumerateArray().ToList();
        cases.Count.ShouldBe(3);
        foreach (var c in cases)
        {
            var a = c.GetProperty("a").EnumerateArray().Select(e => e.GetSingle()).ToArray();
            var b = c.GetProperty("b").EnumerateArray().Select(e => e.GetSingle()).ToArray();

            RankCorrelation.Spearman(a, b).ShouldBe(c.GetProperty("rho").GetDouble(), 1e-9);
        }
    }

    [Fact]
    public void Ranks_AverageTies()
    {
        RankCorrelation.Ranks([3f, 1f, 3f, 2f, 3f]).ShouldBe([4.0, 1.0, 4.0, 2.0, 4.0]);
    }

    [Fact]
    public void Spearman_IsOneForMonotoneMaps_NaNForAConstantOne_AndChecksSizes()
    {
        RankCorrelation.Spearman([1f, 2f, 3f, 10f], [0f, 0.1f, 5f, 6f]).ShouldBe(1, 1e-12);
        RankCorrelation.Spearman([1f, 2f, 3f], [3f, 2f, 1f]).ShouldBe(-1, 1e-12);
        double.IsNaN(RankCorrelation.Spearman([1f, 1f, 1f], [1f, 2f, 3f])).ShouldBeTrue();
        Should.Throw<ArgumentException>(() => RankCorrelation.Spearman([1f, 2f], [1f, 2f, 3f]));
    }
}
