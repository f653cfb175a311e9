namespace SquadStudy.Analysis.Tests;

/// <summary>
/// Feeds answers with the (stand-in) proportions of the Squad-CAM report's Table 1 and the trust distributions of
/// its Table 2 (tests/fixtures/stats/paper_tables.json) and checks that the analysis reproduces the tables.
/// </summary>
public class PaperTablesTests
{
    private const int Participants = 90;

    private static StudyData BuildStudy(System.Text.Json.JsonElement root)
    {
        var discrimination = new List<DiscriminationAnswer>();
        foreach (var cell in root.Items("table1"))
        {
            string model = cell.Text("model")!, method = cell.Text("method")!;
            int n = cell.GetProperty("n").GetInt32(), correct = cell.GetProperty("correct").GetInt32();
            for (int i = 0; i < n; i++)
            {
                // Correct answers are spread over participants (i mod 90), not given to the first few.
                discrimination.Add(new DiscriminationAnswer($"P{i % Participants:00}", $"img{i / Participants:000}", model, method,
                    (i * 7919 % n) < correct));
            }
        }

        var trust = new List<TrustAnswer>();
        foreach (var row in root.Items("table2").Where(r => r.Text("model") == "ResNet-50"))
        {
            string method = row.Text("method")!;
            int[] counts = row.GetProperty("counts").EnumerateArray().Select(c => c.GetInt32()).ToArray();
            int i = 0;
            for (int score = -2; score <= 2; score++)
            {
                for (int k = 0; k < counts[score + 2]; k++, i++)
                {
                    // Sides alternate as the study randomises them; the score is always ResNet-50's.
                    trust.Add(i % 2 == 0
                        ? new TrustAnswer($"P{i % Participants:00}", $"img{i:000}", method, "ResNet-50", "VGG-16", score)
                        : new TrustAnswer($"P{i % Participants:00}", $"img{i:000}", method, "VGG-16", "ResNet-50", -score));
                }
            }
        }

        var participants = Enumerable.Range(0, Participants).Select(p => new ParticipantInfo($"P{p:00}", 0, 4000)).ToList();
        return new StudyData(participants, discrimination, trust, []);
    }

    [Fact]
    public void Table1_AccuracyAndWilsonIntervals_AreReproduced()
    {
        var root = Fixtures.Load("paper_tables.json");
        var results = StudyAnalyzer.Analyze(BuildStudy(root), new AnalysisOptions { Permutations = 200 });
        foreach (var cell in root.Items("table1"))
        {
            string model = cell.Text("model")!, method = cell.Text("method")!;
            var row = results.Accuracy.Single(r => r.Model == model && r.Method == method);
            row.N.ShouldBe(450);
            row.Correct.ShouldBe(cell.GetProperty("correct").GetInt32());
            Agree.Close(row.Accuracy, cell.Number("accuracy"), $"{model}/{method} accuracy");
            Agree.Close(row.CiLow, cell.Number("ci_low"), $"{model}/{method} ci low");
            Agree.Close(row.CiHigh, cell.Number("ci_high"), $"{model}/{method} ci high");
        }

        results.Exclusions.Excluded.ShouldBe(0);
        results.Comparisons.Count.ShouldBe(9, "3 method pairs pooled and for each of 2 models");
        results.Accuracy.Single(r => r.Model is null && r.Method == "Grad-CAM").N.ShouldBe(900);
    }

    [Fact]
    public void Table2_TrustMeansIntervalsAndTests_AreReproduced()
    {
        var root = Fixtures.Load("paper_tables.json");
        var results = StudyAnalyzer.Analyze(BuildStudy(root), new AnalysisOptions { Permutations = 0 });
        foreach (var expected in root.Items("table2"))
        {
            string method = expected.Text("method")!, model = expected.Text("model")!;
            var row = results.Trust.Single(r => r.Method == method && r.Model == model);
            row.N.ShouldBe(expected.GetProperty("n").GetInt32());
            Agree.Close(row.Mean, expected.Number("mean"), $"{method}/{model} mean");
            Agree.Close(row.CiLow, expected.Number("ci_low"), $"{method}/{model} ci low");
            Agree.Close(row.CiHigh, expected.Number("ci_high"), $"{method}/{model} ci high");
            Agree.Close(row.TP, expected.Number("t_p"), $"{method}/{model} t p");
            Agree.Close(row.WilcoxonP, expected.Number("wilcoxon_p"), $"{method}/{model} Wilcoxon p");
            row.WilcoxonMethod.ShouldBe("approx", "Likert scores have ties and zeros");
        }
    }
}
