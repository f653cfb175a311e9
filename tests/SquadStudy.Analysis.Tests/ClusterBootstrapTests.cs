using SquadStudy.Analysis.Statistics;

namespace SquadStudy.Analysis.Tests;

public class ClusterBootstrapTests
{
    private static readonly int[][] OneCell = [[0]];

    /// <summary>
    /// Answers of <paramref name="participants"/> participants, each on <paramref name="perParticipant"/> distinct images
    /// out of <paramref name="images"/>, correct with probability <paramref name="accuracy"/>(participant, image).
    /// </summary>
    private static List<DiscriminationAnswer> Simulate(int participants, int images, int perParticipant, Func<int, int, double> accuracy, int seed)
    {
        var random = new Random(seed);
        var answers = new List<DiscriminationAnswer>();
        for (int p = 0; p < participants; p++)
        {
            foreach (int i in Enumerable.Range(0, images).OrderBy(_ => random.Next()).Take(perParticipant))
            {
                answers.Add(new DiscriminationAnswer($"p{p:D3}", $"i{i:D3}", "vgg", "gradcam", random.NextDouble() < accuracy(p, i)));
            }
        }

        return answers;
    }

    private static AccuracyRow Cell(List<DiscriminationAnswer> answers, int resamples = 2000, int seed = 12345) =>
        StudyAnalyzer.Analyze(new StudyData([], answers, [], []), new AnalysisOptions { Permutations = 0, BootstrapResamples = resamples, Seed = seed })
            .Accuracy.Single(r => r.Model == "vgg");

    private static double BootstrapWidth(AccuracyRow row) => row.BootstrapHigh!.Value - row.BootstrapLow!.Value;

    private static double WilsonWidth(AccuracyRow row) => row.CiHigh!.Value - row.CiLow!.Value;

    [Fact]
    public void Accuracies_SameSeed_SameResamples_OtherSeedDiffers()
    {
        var outcomes = Simulate(20, 15, 10, (_, _) => 0.7, seed: 1)
            .Select(a => new ClusteredOutcome(int.Parse(a.ParticipantId[1..]), int.Parse(a.ImageId[1..]), 0, a.Correct)).ToList();

        var first = ClusterBootstrap.Accuracies(outcomes, 20, 15, 1, OneCell, 500, seed: 7);
        var again = ClusterBootstrap.Accuracies(outcomes, 20, 15, 1, OneCell, 500, seed: 7);
        var other = ClusterBootstrap.Accuracies(outcomes, 20, 15, 1, OneCell, 500, seed: 8);

        again[0].ShouldBe(first[0]);
        other[0].ShouldNotBe(first[0]);
    }

    [Fact]
    public void Analyze_SameAnswersAndSeed_SameInterval_InAnyInputOrder()
    {
        var answers = Simulate(30, 20, 10, (p, _) => p % 3 == 0 ? 0.4 : 0.8, seed: 2);
        var shuffled = answers.OrderBy(a => a.ImageId, StringComparer.Ordinal).Reverse().ToList();

        var row = Cell(answers);
        var again = Cell(shuffled);

        (again.BootstrapLow, again.BootstrapHigh).ShouldBe((row.BootstrapLow, row.BootstrapHigh));
        row.BootstrapLow!.Value.ShouldBeLessThan(row.Accuracy!.Value);
        row.BootstrapHigh!.Value.ShouldBeGreaterThan(row.Accuracy.Value);
        Cell(answers, seed: 54321).BootstrapLow.ShouldNotBe(row.BootstrapLow);
    }

    [Fact]
    public void Accuracies_TwoParticipantsTwoImages_FollowTheExactBootstrapDistribution()
    {
        // Fully crossed 2 × 2: p0 is right on both images, p1 only on image 1. Each resample draws (n0, 2 − n0)
        // copies of the participants and (m0, 2 − m0) of the images, n0, m0 ~ Binomial(2, ½), and the accuracy is
        // Σ n·m·correct / Σ n·m. Enumerated here by hand from those 16 equally likely ordered draws.
        bool[,] correct = { { true, true }, { false, true } };
        var outcomes = new List<ClusteredOutcome>();
        for (int p = 0; p < 2; p++)
        {
            for (int i = 0; i < 2; i++)
            {
                outcomes.Add(new ClusteredOutcome(p, i, 0, correct[p, i]));
            }
        }

        var exact = new Dictionary<double, double>();
        int[][] draws = [[0, 0], [0, 1], [1, 0], [1, 1]];
        foreach (var pd in draws)
        {
            foreach (var id in draws)
            {
                double w = 0, h = 0;
                foreach (var o in outcomes)
                {
                    double weight = pd.Count(d => d == o.Participant) * id.Count(d => d == o.Image);
                    w += weight;
                    h += o.Correct ? weight : 0;
                }

                double value = Math.Round(h / w, 12);
                exact[value] = exact.GetValueOrDefault(value) + 1.0 / 16;
            }
        }

        // Values: 1 (p0 twice, or image 1 twice), ¾ (both of each), ½ (p1 twice, both images), 2/3 is impossible, 0 (p1 twice, image 0 twice).
        exact.Keys.Order().ShouldBe([0.0, 0.5, 0.75, 1.0]);

        const int resamples = 40_000;
        var resampled = ClusterBootstrap.Accuracies(outcomes, 2, 2, 1, OneCell, resamples, seed: 3)[0];
        foreach (var (value, probability) in exact)
        {
            double observed = resampled.Count(v => Math.Abs(v - value) < 1e-12) / (double)resamples;
            double sd = Math.Sqrt(probability * (1 - probability) / resamples);
            Math.Abs(observed - probability).ShouldBeLessThan(5 * sd, $"P(accuracy = {value})");
        }

        resampled.ShouldAllBe(v => exact.ContainsKey(Math.Round(v, 12)));
    }

    [Fact]
    public void Accuracies_AgreeWithAnIndependentNumpyBootstrap()
    {
        // tests/fixtures/stats/cluster_bootstrap.json (scripts/make_bootstrap_fixture.py): 120 answers of 15
        // participants on 12 images, two models; NumPy's own pigeonhole bootstrap over 400 000 resamples. Ours
        // draws other random numbers, so the two agree within Monte-Carlo error: the SD's relative standard error
        // at 40 000 resamples is about 0.4 % (3 % allowed); the quantiles sit on a lattice of attainable
        // accuracies a few hundredths apart, so they may fall on a neighbouring value (0.025 allowed).
        var fixture = Fixtures.Load("cluster_bootstrap.json");
        var answers = fixture.Items("answers").Select(a => (Participant: a.Text("participant")!, Image: a.Text("image")!,
            Model: a.Text("model")!, Correct: a.GetProperty("correct").GetBoolean())).ToList();
        var participants = answers.Select(a => a.Participant).Distinct().Order(StringComparer.Ordinal).ToList();
        var images = answers.Select(a => a.Image).Distinct().Order(StringComparer.Ordinal).ToList();
        var outcomes = answers.Select(a => new ClusteredOutcome(participants.IndexOf(a.Participant), images.IndexOf(a.Image),
            a.Model == "vgg" ? 0 : 1, a.Correct)).ToList();
        string[] names = ["vgg", "weak", "pooled"];

        var resampled = ClusterBootstrap.Accuracies(outcomes, participants.Count, images.Count, 2, [[0], [1], [0, 1]], 40_000, seed: 11);

        for (int g = 0; g < names.Length; g++)
        {
            var expected = fixture.GetProperty("expected").GetProperty(names[g]);
            double mean = resampled[g].Average();
            double sd = Math.Sqrt(resampled[g].Sum(v => (v - mean) * (v - mean)) / resampled[g].Length);
            sd.ShouldBe(expected.Number("sd"), 0.03 * expected.Number("sd"), $"{names[g]} sd");
            var ci = ClusterBootstrap.Percentile(resampled[g], 0.05);
            ci.Low.ShouldBe(expected.Number("q025"), 0.025, $"{names[g]} 2.5 %");
            ci.High.ShouldBe(expected.Number("q975"), 0.025, $"{names[g]} 97.5 %");
        }
    }

    [Fact]
    public void Percentile_InterpolatesAsNumpy_AndSkipsUndrawnResamples()
    {
        // numpy.percentile(range(1, 11), [5, 95]) = [1.45, 9.55] (linear interpolation, type 7).
        var ci = ClusterBootstrap.Percentile([10, 3, 1, 2, 5, 4, 6, double.NaN, 8, 7, 9], alpha: 0.1);
        ci.Low.ShouldBe(1.45, 1e-12);
        ci.High.ShouldBe(9.55, 1e-12);
        double.IsNaN(ClusterBootstrap.Percentile([double.NaN], 0.05).Low).ShouldBeTrue();
    }

    [Fact]
    public void Analyze_OneImage_IsTheParticipantBootstrap_CloseToWilsonWithoutClustering()
    {
        // With one image only participants are resampled; with no participant effect that is the binomial variance.
        var random = new Random(10);
        var answers = Enumerable.Range(0, 200).SelectMany(p => Enumerable.Range(0, 5)
            .Select(_ => new DiscriminationAnswer($"p{p:D3}", "only", "vgg", "gradcam", random.NextDouble() < 0.7))).ToList();
        var row = Cell(answers);

        (BootstrapWidth(row) / WilsonWidth(row)).ShouldBeInRange(0.85, 1.15);
    }

    [Fact]
    public void Analyze_OneParticipant_IsTheImageBootstrap_CloseToWilsonWithoutClustering()
    {
        var answers = Simulate(1, 600, 600, (_, _) => 0.7, seed: 4);
        var row = Cell(answers);

        (BootstrapWidth(row) / WilsonWidth(row)).ShouldBeInRange(0.85, 1.15);
    }

    [Fact]
    public void Analyze_OneParticipantOneImage_IntervalIsThePoint()
    {
        var answers = new List<DiscriminationAnswer>
        {
            new("p", "i", "vgg", "gradcam", true), new("p", "i", "vgg", "gradcam", false), new("p", "i", "vgg", "gradcam", true),
        };
        var row = Cell(answers, resamples: 50);

        row.BootstrapLow!.Value.ShouldBe(2.0 / 3, 1e-12);
        row.BootstrapHigh!.Value.ShouldBe(2.0 / 3, 1e-12);
    }

    [Fact]
    public void Analyze_NoClustering_TwoWayIntervalIsConservativeByOwensFactor()
    {
        // Owen (2007) §3: the pigeonhole bootstrap counts the residual variance about three times, so without any
        // participant or image effect its interval is about √3 ≈ 1.73 times the binomial one.
        var answers = Simulate(90, 100, 30, (_, _) => 0.7, seed: 5);
        var row = Cell(answers);

        (BootstrapWidth(row) / WilsonWidth(row)).ShouldBeInRange(1.45, 2.0);
    }

    [Fact]
    public void Analyze_StronglyClusteredAnswers_GiveAWiderIntervalThanUnclustered()
    {
        // Same design and mean accuracy (0.7); in the clustered data a third of the participants and a third of the
        // images are at chance, the others nearly always right.
        var plain = Cell(Simulate(90, 100, 30, (_, _) => 0.7, seed: 6));
        var clustered = Cell(Simulate(90, 100, 30, (p, i) => p % 3 == 0 || i % 3 == 0 ? 0.45 : 0.95, seed: 6));

        BootstrapWidth(clustered).ShouldBeGreaterThan(1.5 * BootstrapWidth(plain));
        (BootstrapWidth(clustered) / WilsonWidth(clustered)).ShouldBeGreaterThan(3.0);
    }

    [Fact]
    public void Analyze_PooledRow_ResamplesItsModelsTogether_AndZeroResamplesDisables()
    {
        var answers = Simulate(40, 30, 12, (_, _) => 0.8, seed: 7)
            .Concat(Simulate(40, 30, 12, (_, _) => 0.5, seed: 8).Select(a => a with { Model = "weak" })).ToList();
        var results = StudyAnalyzer.Analyze(new StudyData([], answers, [], []), new AnalysisOptions { Permutations = 0 });
        var pooled = results.Accuracy.Single(r => r.Model is null);
        var vgg = results.Accuracy.Single(r => r.Model == "vgg");
        var weak = results.Accuracy.Single(r => r.Model == "weak");

        pooled.BootstrapLow!.Value.ShouldBeGreaterThan(weak.BootstrapHigh!.Value);
        pooled.BootstrapHigh!.Value.ShouldBeLessThan(vgg.BootstrapLow!.Value);
        results.Settings.BootstrapResamples.ShouldBe(2000);

        var off = StudyAnalyzer.Analyze(new StudyData([], answers, [], []), new AnalysisOptions { Permutations = 0, BootstrapResamples = 0 });
        off.Accuracy.ShouldAllBe(r => r.BootstrapLow == null && r.BootstrapHigh == null);
        Should.Throw<ArgumentOutOfRangeException>(() => StudyAnalyzer.Analyze(new StudyData([], answers, [], []), new AnalysisOptions { BootstrapResamples = -1 }));
    }

    [Fact]
    public void Analyze_ClusterImage_GroupsStimuliOfOneImage()
    {
        // Two target classes of each scene: clustering on the scene (ClusterImage) must give the same interval as
        // answers that name the scene itself as their image.
        var answers = Simulate(30, 40, 20, (p, i) => i % 2 == 0 ? 0.9 : 0.5, seed: 9);
        var byStimulus = answers.Select(a => a with { ImageId = $"{a.ImageId}:{a.Correct}", ClusterImage = a.ImageId }).ToList();

        var row = Cell(answers);
        var clustered = Cell(byStimulus);

        (clustered.BootstrapLow, clustered.BootstrapHigh).ShouldBe((row.BootstrapLow, row.BootstrapHigh));
    }
}
