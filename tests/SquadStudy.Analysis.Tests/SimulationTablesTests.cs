namespace SquadStudy.Analysis.Tests;

/// <summary>Forward-simulation answers get the tables discrimination answers get, by the same code, and the same exclusions.</summary>
public class SimulationTablesTests
{
    private static List<DiscriminationAnswer> Answers()
    {
        var random = new Random(17);
        var answers = new List<DiscriminationAnswer>();
        for (int p = 0; p < 12; p++)
        {
            for (int i = 0; i < 10; i++)
            {
                string method = i % 2 == 0 ? "gradcam" : "squadcam";
                answers.Add(new DiscriminationAnswer($"p{p:D2}", $"img{i:D2}", i % 3 == 0 ? "weak" : "vgg", method, random.NextDouble() < (method == "gradcam" ? 0.6 : 0.8)));
            }
        }

        return answers;
    }

    [Fact]
    public void Simulation_TablesEqualThoseOfTheSameAnswersAsDiscrimination()
    {
        var options = new AnalysisOptions { Permutations = 500, BootstrapResamples = 200 };
        var asDiscrimination = StudyAnalyzer.Analyze(new StudyData([], Answers(), [], []), options);
        var asSimulation = StudyAnalyzer.Analyze(new StudyData([], [], [], []) { Simulation = Answers() }, options);

        asSimulation.Accuracy.ShouldBeEmpty();
        asSimulation.Simulation.Accuracy.ShouldBe(asDiscrimination.Accuracy);
        asSimulation.Simulation.Power.Select(r => (r.MethodA, r.MethodB, r.Model, r.NA, r.NB, r.DetectableDifference))
            .ShouldBe(asDiscrimination.Power.Select(r => (r.MethodA, r.MethodB, r.Model, r.NA, r.NB, r.DetectableDifference)));
        asSimulation.Simulation.Comparisons.Select(r => (r.Model, r.ZP, r.FisherP, r.PermutationP, r.HolmP, r.CohensH))
            .ShouldBe(asDiscrimination.Comparisons.Select(r => (r.Model, r.ZP, r.FisherP, r.PermutationP, r.HolmP, r.CohensH)));
        asSimulation.Simulation.ImageAccuracy.ShouldBe(asDiscrimination.ImageAccuracy);
        asSimulation.Simulation.Accuracy.ShouldAllBe(r => r.BootstrapLow != null);
        asDiscrimination.Simulation.Accuracy.ShouldBeEmpty();
    }

    [Fact]
    public void Simulation_ExcludedParticipantsAreLeftOut_AndCounted()
    {
        var answers = Answers();
        var participants = answers.Select(a => a.ParticipantId).Distinct()
            .Select(id => new ParticipantInfo(id, id == "p00" ? 1 : 0, 5000)).ToList();
        var data = new StudyData(participants, [], [], []) { Simulation = answers };

        var report = StudyAnalyzer.AnalyzeWithAndWithoutExclusions(data, new AnalysisOptions { Permutations = 0, BootstrapResamples = 0 });

        report.WithExclusions.Exclusions.AnswersBefore.ShouldBe(120);
        report.WithExclusions.Exclusions.AnswersAfter.ShouldBe(110);
        report.WithExclusions.Simulation.Accuracy.Where(r => r.Model is null).Sum(r => r.N).ShouldBe(110);
        report.WithoutExclusions.Simulation.Accuracy.Where(r => r.Model is null).Sum(r => r.N).ShouldBe(120);
    }

    [Fact]
    public void Simulation_WithConfidence_IsCalibratedUnderItsOwnType()
    {
        var data = new StudyData([], [], [], [])
        {
            Simulation = [new("p1", "i1", "vgg", "gradcam", true) { Confidence = 2 }, new("p1", "i2", "vgg", "gradcam", false) { Confidence = 1 }],
        };

        var rows = StudyAnalyzer.Analyze(data, new AnalysisOptions { Permutations = 0, BootstrapResamples = 0 }).Calibration;

        rows.ShouldAllBe(r => r.Experiment == "simulation");
        rows[0].ByLevel.Select(l => (l.N, l.Correct)).ShouldBe([(1, 0), (1, 1)]);
    }
}
