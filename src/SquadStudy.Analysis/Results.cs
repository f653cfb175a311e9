using System.Text.Json.Serialization;

namespace SquadStudy.Analysis;

// The results model shared by the dashboard and the JSON export. Undefined statistics are null
// (never NaN, which JSON cannot carry), and the row's Notes say why. Names whose snake_case form the
// naming policy cannot infer from the C# name (NA → "na") are given explicitly.

/// <summary>
/// Accuracy of one model × method cell; <see cref="Model"/> is null for the pooled row of a method. <see cref="CiLow"/> and
/// <see cref="CiHigh"/> are the Wilson interval; <see cref="BootstrapLow"/> and <see cref="BootstrapHigh"/> the percentile
/// interval of the two-way cluster bootstrap (participants and images resampled), null when it is disabled or the cell is empty.
/// </summary>
public sealed record AccuracyRow(string? Model, string Method, int N, int Correct, double? Accuracy, double? CiLow, double? CiHigh,
    double? BootstrapLow = null, double? BootstrapHigh = null);

/// <summary>Accuracy of one image in one model × method cell, with its Wilson interval.</summary>
public sealed record ImageAccuracyRow(string ImageId, string Model, string Method, int N, int Correct, double? Accuracy, double? CiLow, double? CiHigh);

/// <summary>
/// Comparison of the accuracies of two methods, pooled over models (<see cref="Model"/> null) or for one model.
/// <see cref="HolmP"/> adjusts the p-value of <see cref="AnalysisSettings.HolmTest"/> across the comparisons with the same <see cref="Model"/>.
/// </summary>
public sealed record ComparisonRow(
    string MethodA, string MethodB, string? Model,
    [property: JsonPropertyName("n_a")] int NA, [property: JsonPropertyName("n_b")] int NB, double? AccuracyA, double? AccuracyB,
    [property: JsonPropertyName("z_p")] double? ZP, double? FisherP, double? PermutationP, double? HolmP, double? CohensH,
    IReadOnlyList<string> Notes);

/// <summary>Trust scores of one model under one method (scores are per model: +s for A means −s for B).</summary>
public sealed record TrustRow(
    string Method, string Model, int N, double? Mean, double? Sd, double? CiLow, double? CiHigh,
    [property: JsonPropertyName("t_p")] double? TP, double? WilcoxonP, string? WilcoxonMethod, double? CohensD,
    IReadOnlyList<string> Notes);

/// <summary>Power of the two-proportion z-test for one method pair, pooled (<see cref="Model"/> null) or per model.</summary>
public sealed record PowerRow(
    string MethodA, string MethodB, string? Model,
    [property: JsonPropertyName("n_a")] int NA, [property: JsonPropertyName("n_b")] int NB, double? Baseline,
    double? DetectableDifference, double TargetDifference, int? NNeeded,
    IReadOnlyList<string> Notes);

/// <summary>Method-comparison answers for one method pair: counts and a sign test on the non-"same" answers.</summary>
public sealed record PreferenceRow(
    string MethodA, string MethodB, string? Model, int N, int APreferred, int BPreferred, int Same,
    double? SignP, double? HolmP, IReadOnlyList<string> Notes);

/// <summary>Accuracy of the answers given at one confidence level, with its Wilson interval.</summary>
public sealed record CalibrationLevel(int Level, int N, int Correct, double? Accuracy, double? CiLow, double? CiHigh);

/// <summary>
/// Calibration of the confidence ratings of one experiment type, pooled over methods (<see cref="Method"/> null) or for
/// one method: accuracy at each level 1 … <see cref="Levels"/>, and the mean level of the correct and of the incorrect
/// answers (a calibrated participant is more confident when right). Only answers with a rating count.
/// </summary>
public sealed record CalibrationRow(
    string Experiment, string? Method, int Levels, int N, IReadOnlyList<CalibrationLevel> ByLevel,
    int NCorrect, int NIncorrect, double? MeanConfidenceCorrect, double? MeanConfidenceIncorrect);

/// <summary>Exclusion counts. A participant can break several rules, so the rule counts may overlap.</summary>
public sealed record ExclusionReport(
    bool Applied,
    int ParticipantsBefore,
    int ParticipantsAfter,
    int FailedAttentionChecks,
    int TooFast,
    int Excluded,
    int UnknownParticipants,
    int AnswersBefore,
    int AnswersAfter,
    int MaxFailedAttentionChecks,
    double? MinMedianResponseMs)
{
    /// <summary>For each quality flag the study excludes by: how many participants have it (they may also break other rules).</summary>
    public IReadOnlyDictionary<string, int> ByFlag { get; init; } = new Dictionary<string, int>();
}

/// <summary>The settings the results were computed with, so that a JSON file documents itself.</summary>
public sealed record AnalysisSettings(
    double Alpha, double Confidence, double Power, int Permutations, int Seed, PrimaryTest HolmTest,
    double TargetDifference, double? PowerBaseline, int BootstrapResamples);

/// <summary>The accuracy tables of one experiment type whose answers are right or wrong, as for class discrimination.</summary>
public sealed record AccuracyTables(
    IReadOnlyList<AccuracyRow> Accuracy,
    IReadOnlyList<ComparisonRow> Comparisons,
    IReadOnlyList<PowerRow> Power,
    IReadOnlyList<ImageAccuracyRow> ImageAccuracy)
{
    public static AccuracyTables Empty { get; } = new([], [], [], []);
}

/// <summary>All tables of one analysis.</summary>
public sealed record StudyResults(
    AnalysisSettings Settings,
    ExclusionReport Exclusions,
    IReadOnlyList<AccuracyRow> Accuracy,
    IReadOnlyList<ComparisonRow> Comparisons,
    IReadOnlyList<TrustRow> Trust,
    IReadOnlyList<PowerRow> Power,
    IReadOnlyList<ImageAccuracyRow> ImageAccuracy,
    IReadOnlyList<PreferenceRow> Preferences)
{
    /// <summary>The confidence calibration of every experiment type that asked for confidence (empty when none did).</summary>
    public IReadOnlyList<CalibrationRow> Calibration { get; init; } = [];

    /// <summary>
    /// The forward-simulation tables (correct = the model's prediction chosen), computed as the discrimination
    /// tables above are: Wilson and cluster bootstrap intervals, method comparisons with Holm, power, per image.
    /// </summary>
    public AccuracyTables Simulation { get; init; } = AccuracyTables.Empty;
}

/// <summary>The same analysis with and without the exclusion rules.</summary>
public sealed record StudyReport(StudyResults WithExclusions, StudyResults WithoutExclusions);
