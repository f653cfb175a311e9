using System.Text.Json;

namespace SquadStudy.Analysis.Tests;

public class StudyAnalyzerTests
{
    private static readonly AnalysisOptions FixtureOptions = new()
    {
        MaxFailedAttentionChecks = 0,
        MinMedianResponseMs = 1000.0,
        HolmTest = PrimaryTest.Fisher,
        Permutations = 500,
        Seed = 99,
    };

    internal static StudyData LoadStudy(JsonElement root) => new(
        root.Items("participants").Select(p => new ParticipantInfo(
            p.Text("participant_id")!, p.GetProperty("failed_attention_checks").GetInt32(), p.Number("median_response_ms"))).ToList(),
        root.Items("discrimination").Select(a => new DiscriminationAnswer(
            a.Text("participant_id")!, a.Text("image_id")!, a.Text("model")!, a.Text("method")!, a.GetProperty("correct").GetBoolean())).ToList(),
        root.Items("trust").Select(a => new TrustAnswer(
            a.Text("participant_id")!, a.Text("image_id")!, a.Text("method")!, a.Text("model_a")!, a.Text("model_b")!,
            a.GetProperty("score_for_a").GetInt32())).ToList(),
        []);

    [Fact]
    public void Exclusions_AFlagExcludesOnlyWhenChosen_AndIsCountedPerFlag()
    {
        var data = new StudyData(
            [new ParticipantInfo("p1", 0, 5000) { Flags = ["fast_answers", "page_hidden"] }, new ParticipantInfo("p2", 0, 5000) { Flags = ["page_hidden"] }, new ParticipantInfo("p3", 0, 5000)],
            [new("p1", "i1", "m", "x", true), new("p2", "i1", "m", "x", false), new("p3", "i2", "m", "x", true)], [], []);

        var flagsShown = StudyAnalyzer.Analyze(data, new AnalysisOptions { Permutations = 0 });
        var fastExcludes = StudyAnalyzer.Analyze(data, new AnalysisOptions { Permutations = 0, ExcludeFlags = ["fast_answers"] });

        flagsShown.Exclusions.Excluded.ShouldBe(0);
        flagsShown.Exclusions.ByFlag.ShouldBeEmpty();
        fastExcludes.Exclusions.Excluded.ShouldBe(1);
        fastExcludes.Exclusions.ParticipantsAfter.ShouldBe(2);
        fastExcludes.Exclusions.AnswersAfter.ShouldBe(2);
        fastExcludes.Exclusions.ByFlag.ShouldBe(new Dictionary<string, int> { ["fast_answers"] = 1 });
    }

    [Fact]
    public void Analyze_StudyFixture_AccuracyTableMatchesScipy()
    {
        var root = Fixtures.Load("study.json");
        var results = StudyAnalyzer.Analyze(LoadStudy(root), FixtureOptions);
        var expected = root.GetProperty("expected").Items("accuracy").ToList();
        results.Accuracy.Count.ShouldBe(expected.Count);
        foreach (var e in expected)
        {
            string? model = e.Text("model");
            string method = e.Text("method")!;
            var row = results.Accuracy.Single(r => r.Model == model && r.Method == method);
            row.N.ShouldBe(e.GetProperty("n").GetInt32());
            row.Correct.ShouldBe(e.GetProperty("correct").GetInt32());
            row.Accuracy.ShouldBe((double)row.Correct / row.N);
            Agree.Close(row.CiLow, e.Number("ci_low"), $"{model}/{method} ci low");
            Agree.Close(row.CiHigh, e.Number("ci_high"), $"{model}/{method} ci high");
        }

        results.Accuracy.ShouldContain(r => r.Accuracy == 0.0, "fixture has an all-wrong cell");
        results.Accuracy.ShouldContain(r => r.Accuracy == 1.0, "fixture has an all-correct cell");
    }

    [Fact]
    public void Analyze_StudyFixture_ComparisonsMatchScipy_WithHolmPerFamily()
    {
        var root = Fixtures.Load("study.json");
        var results = StudyAnalyzer.Analyze(LoadStudy(root), FixtureOptions);
        var expected = root.GetProperty("expected").Items("comparisons").ToList();
        results.Comparisons.Count.ShouldBe(expected.Count);
        foreach (var e in expected)
        {
            string? model = e.Text("model");
            string a = e.Text("method_a")!, b = e.Text("method_b")!;
            string what = $"{model ?? "pooled"} {a} vs {b}";
            var row = results.Comparisons.Single(r => r.Model == model && r.MethodA == a && r.MethodB == b);
            row.NA.ShouldBe(e.GetProperty("n_a").GetInt32(), what);
            row.NB.ShouldBe(e.GetProperty("n_b").GetInt32(), what);
            Agree.Close(row.ZP, e.Number("z_p"), $"{what} z p");
            Agree.Close(row.FisherP, e.Number("fisher_p"), $"{what} Fisher p");
            Agree.Close(row.CohensH, e.Number("cohens_h"), $"{what} h");
            Agree.Close(row.HolmP, e.Number("holm_fisher_p"), $"{what} Holm(Fisher)");
            row.PermutationP.ShouldNotBeNull(what);
            row.PermutationP.Value.ShouldBeInRange(1.0 / 501, 1.0, what);
        }
    }

    [Fact]
    public void Analyze_DefaultHolm_AdjustsPermutationPWithinEachModelFamily()
    {
        var results = StudyAnalyzer.Analyze(LoadStudy(Fixtures.Load("study.json")), FixtureOptions with { HolmTest = PrimaryTest.Permutation });
        var families = results.Comparisons.GroupBy(r => r.Model).ToList();
        families.Count.ShouldBe(3, "pooled, resnet50, vgg16");
        foreach (var family in families)
        {
            var rows = family.ToList();
            rows.Count.ShouldBe(3, "three method pairs");
            double[] expected = Statistics.Holm.Adjust(rows.Select(r => r.PermutationP!.Value).ToList());
            rows.Select(r => r.HolmP!.Value).ShouldBe(expected);
        }
    }

    [Fact]
    public void Analyze_StudyFixture_TrustTableMatchesScipy()
    {
        var root = Fixtures.Load("study.json");
        var results = StudyAnalyzer.Analyze(LoadStudy(root), FixtureOptions);
        var expected = root.GetProperty("expected").Items("trust").ToList();
        results.Trust.Count.ShouldBe(expected.Count);
        foreach (var e in expected)
        {
            string method = e.Text("method")!, model = e.Text("model")!;
            var row = results.Trust.Single(r => r.Method == method && r.Model == model);
            row.N.ShouldBe(e.GetProperty("n").GetInt32());
            Agree.Close(row.Mean, e.Number("mean"), $"{method}/{model} mean");
            Agree.Close(row.CiLow, e.Number("ci_low"), $"{method}/{model} ci low");
            Agree.Close(row.CiHigh, e.Number("ci_high"), $"{method}/{model} ci high");
            Agree.Close(row.TP, e.Number("t_p"), $"{method}/{model} t p");
            Agree.Close(row.WilcoxonP, e.Number("wilcoxon_p"), $"{method}/{model} Wilcoxon p");
            row.WilcoxonMethod.ShouldBe(e.Text("wilcoxon_method"));
        }
    }

    [Fact]
    public void Analyze_StudyFixture_ReportsExclusionsByRule()
    {
        var root = Fixtures.Load("study.json");
        var data = LoadStudy(root);
        var report = StudyAnalyzer.AnalyzeWithAndWithoutExclusions(data, FixtureOptions);
        int excluded = root.GetProperty("expected").GetProperty("excluded").GetArrayLength();

        var with = report.WithExclusions.Exclusions;
        with.Applied.ShouldBeTrue();
        with.ParticipantsBefore.ShouldBe(24);
        with.FailedAttentionChecks.ShouldBe(2);
        with.TooFast.ShouldBe(2);
        with.Excluded.ShouldBe(excluded);
        with.ParticipantsAfter.ShouldBe(24 - excluded);
        with.AnswersBefore.ShouldBe(data.Discrimination.Count + data.Trust.Count);
        with.AnswersAfter.ShouldBe(with.AnswersBefore - excluded * 9);

        var without = report.WithoutExclusions.Exclusions;
        without.Applied.ShouldBeFalse();
        without.Excluded.ShouldBe(excluded, "the rules are still counted when not applied");
        without.ParticipantsAfter.ShouldBe(24);
        report.WithoutExclusions.Accuracy.Where(r => r.Model is null).Sum(r => r.N).ShouldBe(data.Discrimination.Count);
        report.WithExclusions.Accuracy.Where(r => r.Model is null).Sum(r => r.N).ShouldBe(data.Discrimination.Count - excluded * 6);
    }

    [Fact]
    public void Analyze_ParticipantsWithoutInfo_AreKeptAndCountedAsUnknown()
    {
        var data = new StudyData(
            [new ParticipantInfo("p1", 3, 5000)],
            [new("p1", "i1", "m", "x", true), new("p2", "i1", "m", "x", false), new("p2", "i2", "m", "y", true)],
            [], []);
        var results = StudyAnalyzer.Analyze(data);
        results.Exclusions.UnknownParticipants.ShouldBe(1);
        results.Exclusions.Excluded.ShouldBe(1);
        results.Accuracy.Where(r => r.Model is null).Sum(r => r.N).ShouldBe(2);
    }

    [Fact]
    public void Analyze_SpeedRule_IsOffWhenThresholdIsNull()
    {
        var data = new StudyData([new ParticipantInfo("p1", 0, 10)], [new("p1", "i1", "m", "x", true)], [], []);
        StudyAnalyzer.Analyze(data).Exclusions.TooFast.ShouldBe(1);
        StudyAnalyzer.Analyze(data, new AnalysisOptions { MinMedianResponseMs = null }).Exclusions.TooFast.ShouldBe(0);
    }

    [Fact]
    public void Analyze_SameDataTwice_GivesIdenticalJson_AndInputOrderDoesNotMatter()
    {
        var data = LoadStudy(Fixtures.Load("study.json"));
        var shuffled = data with { Discrimination = data.Discrimination.Reverse().ToList(), Trust = data.Trust.Reverse().ToList() };
        string first = ResultsJson.Serialize(StudyAnalyzer.Analyze(data, FixtureOptions));
        string second = ResultsJson.Serialize(StudyAnalyzer.Analyze(data, FixtureOptions));
        string reversed = ResultsJson.Serialize(StudyAnalyzer.Analyze(shuffled, FixtureOptions));
        second.ShouldBe(first);
        reversed.ShouldBe(first);
    }

    [Fact]
    public void Analyze_DifferentSeed_ChangesOnlyPermutationP()
    {
        var data = LoadStudy(Fixtures.Load("study.json"));
        var a = StudyAnalyzer.Analyze(data, FixtureOptions);
        var b = StudyAnalyzer.Analyze(data, FixtureOptions with { Seed = 100 });
        a.Comparisons.Select(r => r.FisherP).ShouldBe(b.Comparisons.Select(r => r.FisherP));
        a.Comparisons.Select(r => r.PermutationP).ShouldNotBe(b.Comparisons.Select(r => r.PermutationP));
    }

    [Fact]
    public void Analyze_TrustScores_AreStoredPerModelWithOppositeSigns()
    {
        var data = new StudyData([], [],
            [new("p1", "i1", "gradcam", "vgg", "resnet", 2), new("p2", "i1", "gradcam", "resnet", "vgg", 1)], []);
        var trust = StudyAnalyzer.Analyze(data).Trust;
        trust.Single(r => r.Model == "vgg").Mean.ShouldBe(0.5);
        trust.Single(r => r.Model == "resnet").Mean.ShouldBe(-0.5);
    }

    [Fact]
    public void Analyze_UndefinedStatistics_AreNullWithANote()
    {
        var data = new StudyData([], [new("p1", "i1", "m", "x", true), new("p1", "i2", "m", "y", true)],
            [new("p1", "i1", "gradcam", "vgg", "resnet", 0)], []);
        var results = StudyAnalyzer.Analyze(data);
        var comparison = results.Comparisons.First();
        comparison.ZP.ShouldBeNull();
        comparison.FisherP.ShouldBe(1.0);
        comparison.Notes.ShouldContain(n => n.Contains("z-test undefined"));
        var trust = results.Trust.First();
        trust.TP.ShouldBeNull();
        trust.WilcoxonP.ShouldBeNull();
        trust.WilcoxonMethod.ShouldBeNull();
        trust.Notes.ShouldContain(n => n.Contains("n < 2"));
        trust.Notes.ShouldContain(n => n.Contains("Wilcoxon test is undefined"));
    }

    [Fact]
    public void Analyze_PowerRows_AgreeWithPowerFormulas()
    {
        var data = LoadStudy(Fixtures.Load("study.json"));
        var results = StudyAnalyzer.Analyze(data, FixtureOptions with { TargetDifference = 0.2 });
        results.Power.Count.ShouldBe(results.Comparisons.Count);
        foreach (var row in results.Power)
        {
            double effectiveN = Statistics.Power.EffectiveNPerGroup(row.NA, row.NB);
            row.NNeeded.ShouldBe(Statistics.Power.SampleSizePerGroup(row.Baseline!.Value, 0.2));
            if (row.DetectableDifference is { } d)
            {
                Statistics.Power.ExactSampleSize(row.Baseline.Value, d, 0.05, 0.8).ShouldBe(effectiveN, 1e-6);
            }
        }
    }

    [Fact]
    public void Analyze_Preferences_CountChoicesAndNormaliseMethodOrder()
    {
        var data = new StudyData([], [], [],
        [
            new("p1", "i1", "vgg", "squadcam", "gradcam", Preference.A),
            new("p2", "i1", "vgg", "gradcam", "squadcam", Preference.B),
            new("p3", "i2", "vgg", "gradcam", "squadcam", Preference.Same),
            new("p4", "i2", "resnet", "gradcam", "squadcam", Preference.A),
        ]);
        var rows = StudyAnalyzer.Analyze(data).Preferences;
        var pooled = rows.Single(r => r.Model is null);
        (pooled.MethodA, pooled.MethodB).ShouldBe(("gradcam", "squadcam"));
        (pooled.N, pooled.APreferred, pooled.BPreferred, pooled.Same).ShouldBe((4, 1, 2, 1));
        pooled.SignP.ShouldBe(1.0);
        rows.Single(r => r.Model == "vgg").BPreferred.ShouldBe(2);
    }

    [Theory]
    [InlineData("participant")]
    [InlineData("score")]
    [InlineData("samemodel")]
    [InlineData("duplicate")]
    public void Analyze_BadInput_ThrowsNamingTheField(string fault)
    {
        var good = new TrustAnswer("p1", "i1", "gradcam", "vgg", "resnet", 1);
        var data = fault switch
        {
            "participant" => new StudyData([], [new("", "i1", "m", "x", true)], [], []),
            "score" => new StudyData([], [], [good with { ScoreForA = 3 }], []),
            "samemodel" => new StudyData([], [], [good with { ModelB = "vgg" }], []),
            _ => new StudyData([new ParticipantInfo("p1", 0, null), new ParticipantInfo("p1", 1, null)], [], [], []),
        };
        var ex = Should.Throw<ArgumentException>(() => StudyAnalyzer.Analyze(data));
        ex.Message.ShouldContain(fault switch
        {
            "participant" => "Discrimination[0].ParticipantId",
            "score" => "Trust[0].ScoreForA",
            "samemodel" => "Trust[0]",
            _ => "Participants[1].ParticipantId",
        });
    }

    [Fact]
    public void Analyze_BadOptions_ThrowNamingTheOption()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => StudyAnalyzer.Analyze(StudyData.Empty, new AnalysisOptions { Alpha = 0 }))
            .Message.ShouldContain("AnalysisOptions.Alpha");
        Should.Throw<ArgumentOutOfRangeException>(() => StudyAnalyzer.Analyze(StudyData.Empty, new AnalysisOptions { Permutations = -1 }))
            .Message.ShouldContain("AnalysisOptions.Permutations");
    }
}
