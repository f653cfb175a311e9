using SquadStudy.Analysis.Statistics;

namespace SquadStudy.Analysis.Tests;

/// <summary>The confidence calibration table: accuracy by confidence level and mean confidence of correct and incorrect answers.</summary>
public class CalibrationTests
{
    private static readonly AnalysisOptions Fast = new() { Permutations = 0, BootstrapResamples = 0 };

    private static DiscriminationAnswer Answer(string participant, string method, bool correct, int? confidence) =>
        new(participant, $"img-{participant}-{method}-{confidence}-{correct}", "vgg", method, correct) { Confidence = confidence };

    [Fact]
    public void Calibration_CountsEachLevel_AndListsLevelsNobodyChose()
    {
        List<DiscriminationAnswer> answers =
        [
            Answer("p1", "gradcam", true, 4), Answer("p1", "gradcam", true, 4), Answer("p1", "gradcam", false, 4),
            Answer("p2", "gradcam", false, 1), Answer("p2", "squadcam", true, 1), Answer("p2", "squadcam", true, 2),
            Answer("p3", "squadcam", false, null),
        ];
        var data = new StudyData([], answers, [], []) { ConfidenceLevels = new Dictionary<string, int> { ["discrimination"] = 5 } };

        var rows = StudyAnalyzer.Analyze(data, Fast).Calibration;

        rows.Select(r => r.Method).ShouldBe([null, "gradcam", "squadcam"]);
        var pooled = rows[0];
        pooled.Experiment.ShouldBe("discrimination");
        pooled.Levels.ShouldBe(5);
        pooled.N.ShouldBe(6, "the answer without a rating is left out");
        pooled.ByLevel.Select(l => (l.Level, l.N, l.Correct)).ShouldBe([(1, 2, 1), (2, 1, 1), (3, 0, 0), (4, 3, 2), (5, 0, 0)]);
        pooled.ByLevel[3].Accuracy!.Value.ShouldBe(2.0 / 3.0, 1e-12);
        var wilson = Proportions.Wilson(2, 3);
        (pooled.ByLevel[3].CiLow, pooled.ByLevel[3].CiHigh).ShouldBe((wilson.Low, wilson.High));
        pooled.ByLevel[2].Accuracy.ShouldBeNull();
        pooled.ByLevel[2].CiLow.ShouldBeNull();
        (pooled.NCorrect, pooled.NIncorrect).ShouldBe((4, 2));
        pooled.MeanConfidenceCorrect!.Value.ShouldBe((4 + 4 + 1 + 2) / 4.0, 1e-12);
        pooled.MeanConfidenceIncorrect!.Value.ShouldBe((4 + 1) / 2.0, 1e-12);
        rows[1].ByLevel.Select(l => l.N).ShouldBe([1, 0, 0, 3, 0]);
        rows[2].MeanConfidenceIncorrect.ShouldBeNull("squadcam's only incorrect answer has no rating");
    }

    [Fact]
    public void Calibration_WithoutRatings_IsEmpty()
    {
        var data = new StudyData([], [Answer("p1", "gradcam", true, null)], [], []);

        StudyAnalyzer.Analyze(data, Fast).Calibration.ShouldBeEmpty();
    }

    [Fact]
    public void Calibration_WithoutDeclaredLevels_TablesUpToTheHighestAnswered()
    {
        var data = new StudyData([], [Answer("p1", "gradcam", true, 3)], [], []);

        StudyAnalyzer.Analyze(data, Fast).Calibration[0].ByLevel.Select(l => l.N).ShouldBe([0, 0, 1]);
    }

    [Fact]
    public void Calibration_LeavesOutExcludedParticipants()
    {
        List<DiscriminationAnswer> answers = [Answer("p1", "gradcam", true, 2), Answer("p2", "gradcam", false, 2)];
        var data = new StudyData([new ParticipantInfo("p1", 0, 5000), new ParticipantInfo("p2", 1, 5000)], answers, [], [])
        {
            ConfidenceLevels = new Dictionary<string, int> { ["discrimination"] = 2 },
        };

        var report = StudyAnalyzer.AnalyzeWithAndWithoutExclusions(data, Fast);

        report.WithExclusions.Calibration[0].ByLevel[1].N.ShouldBe(1);
        report.WithExclusions.Calibration[0].Levels.ShouldBe(2, "the declared levels survive the exclusions");
        report.WithoutExclusions.Calibration[0].ByLevel[1].N.ShouldBe(2);
    }

    [Fact]
    public void Analyze_ConfidenceBelowOne_IsRefused()
    {
        var data = new StudyData([], [Answer("p1", "gradcam", true, 0)], [], []);

        Should.Throw<ArgumentException>(() => StudyAnalyzer.Analyze(data, Fast)).Message.ShouldContain("Confidence = 0");
    }
}
