using SquadStudy.Analysis.Statistics;

namespace SquadStudy.Analysis.Tests;

public class PermutationTests
{
    [Fact]
    public void Xoshiro256StarStar_MatchesReferenceOutputs()
    {
        // Outputs of the reference C implementation (prng.di.unimi.it) from the state {1, 2, 3, 4}.
        var g = new Xoshiro256(1, 2, 3, 4);
        g.NextUInt64().ShouldBe(11520UL);
        g.NextUInt64().ShouldBe(0UL);
        g.NextUInt64().ShouldBe(1509978240UL);
        g.NextUInt64().ShouldBe(1215971899390074240UL);
    }

    [Fact]
    public void SplitMix64_MatchesReferenceOutput()
    {
        ulong state = 0;
        Xoshiro256.SplitMix64(ref state).ShouldBe(0xE220A8397B1DCDAFUL);
    }

    [Fact]
    public void NextInt_IsUniformOverSmallBounds()
    {
        var g = new Xoshiro256(7);
        var counts = new int[6];
        for (int i = 0; i < 60_000; i++)
        {
            counts[g.NextInt(6)]++;
        }

        // Each expected 10 000 with SD ≈ 91; 5 SD bounds.
        counts.ShouldAllBe(c => c > 9_540 && c < 10_460);
    }

    [Fact]
    public void Analyze_MethodsNeverMixedWithinParticipant_PermutationPIsOneWithNote()
    {
        var answers = Enumerable.Range(0, 40)
            .Select(i => new DiscriminationAnswer($"p{i % 4}", $"i{i}", "vgg", i % 4 < 2 ? "gradcam" : "squadcam", i % 3 != 0))
            .ToList();
        var row = StudyAnalyzer.Analyze(new StudyData([], answers, [], []), new AnalysisOptions { Permutations = 200 }).Comparisons[0];
        row.PermutationP.ShouldBe(1.0);
        row.Notes.ShouldContain(n => n.Contains("No participant answered both methods"));
    }
}
