using System.Text.Json;

namespace SquadStudy.Analysis.Tests;

public class ResultsJsonTests
{
    private static JsonElement Serialized()
    {
        var data = StudyAnalyzerTests.LoadStudy(Fixtures.Load("study.json")) with
        {
            Comparisons = [new ComparisonAnswer("P00", "img1", "vgg16", "gradcam", "squadcam", Preference.A)],
        };
        string json = ResultsJson.Serialize(StudyAnalyzer.Analyze(data, new AnalysisOptions { Permutations = 100 }));
        return JsonDocument.Parse(json).RootElement.Clone();
    }

    private static string[] Names(JsonElement obj) => obj.EnumerateObject().Select(p => p.Name).ToArray();

    [Fact]
    public void Serialize_UsesExactlyTheSnakeCaseFieldNames()
    {
        var root = Serialized();
        Names(root).ShouldBe(["settings", "exclusions", "accuracy", "comparisons", "trust", "power", "image_accuracy", "preferences", "calibration", "simulation"]);
        Names(root.GetProperty("accuracy")[0]).ShouldBe(["model", "method", "n", "correct", "accuracy", "ci_low", "ci_high", "bootstrap_low", "bootstrap_high"]);
        Names(root.GetProperty("comparisons")[0]).ShouldBe(
            ["method_a", "method_b", "model", "n_a", "n_b", "accuracy_a", "accuracy_b", "z_p", "fisher_p", "permutation_p", "holm_p", "cohens_h", "notes"]);
        Names(root.GetProperty("trust")[0]).ShouldBe(
            ["method", "model", "n", "mean", "sd", "ci_low", "ci_high", "t_p", "wilcoxon_p", "wilcoxon_method", "cohens_d", "notes"]);
        Names(root.GetProperty("power")[0]).ShouldBe(
            ["method_a", "method_b", "model", "n_a", "n_b", "baseline", "detectable_difference", "target_difference", "n_needed", "notes"]);
        Names(root.GetProperty("image_accuracy")[0]).ShouldBe(["image_id", "model", "method", "n", "correct", "accuracy", "ci_low", "ci_high"]);
        Names(root.GetProperty("preferences")[0]).ShouldBe(
            ["method_a", "method_b", "model", "n", "a_preferred", "b_preferred", "same", "sign_p", "holm_p", "notes"]);
        Names(root.GetProperty("exclusions")).ShouldBe(
            ["applied", "participants_before", "participants_after", "failed_attention_checks", "too_fast", "excluded",
             "unknown_participants", "answers_before", "answers_after", "max_failed_attention_checks", "min_median_response_ms", "by_flag"]);
        Names(root.GetProperty("settings")).ShouldBe(
            ["alpha", "confidence", "power", "permutations", "seed", "holm_test", "target_difference", "power_baseline", "bootstrap_resamples"]);
    }

    [Fact]
    public void Serialize_PooledModelIsNull_AndEnumsAreSnakeCaseStrings()
    {
        var root = Serialized();
        root.GetProperty("comparisons").EnumerateArray().ShouldContain(c => c.GetProperty("model").ValueKind == JsonValueKind.Null);
        root.GetProperty("settings").GetProperty("holm_test").GetString().ShouldBe("permutation");
    }

    [Fact]
    public void Report_SerializesBothVariants_AndRoundTrips()
    {
        var data = StudyAnalyzerTests.LoadStudy(Fixtures.Load("study.json"));
        var report = StudyAnalyzer.AnalyzeWithAndWithoutExclusions(data, new AnalysisOptions { Permutations = 50 });
        var root = JsonDocument.Parse(ResultsJson.Serialize(report)).RootElement;
        Names(root).ShouldBe(["with_exclusions", "without_exclusions"]);

        string one = ResultsJson.Serialize(report.WithExclusions);
        var back = ResultsJson.DeserializeResults(one);
        back.ShouldNotBeNull();
        ResultsJson.Serialize(back).ShouldBe(one);
    }
}
