namespace SquadStudy.Analysis;

/// <summary>
/// One class-discrimination answer (was the explained class chosen?) or, in <see cref="StudyData.Simulation"/>, one
/// forward-simulation answer (was the model's prediction chosen?): both are right-or-wrong answers about one
/// model × method's explanation, analysed by the same tables.
/// </summary>
/// <param name="ImageId">The stimulus' image as the per-image table reports it (the site uses <c>stem:target class</c>).</param>
public sealed record DiscriminationAnswer(string ParticipantId, string ImageId, string Model, string Method, bool Correct)
{
    /// <summary>
    /// The image the cluster bootstrap resamples, when several stimuli share one (the site gives the image's stem,
    /// so the two target classes of one scene are one cluster); null means <see cref="ImageId"/>.
    /// </summary>
    public string? ClusterImage { get; init; }

    /// <summary>The confidence level the participant gave with the answer (1 = least confident); null when none was asked.</summary>
    public int? Confidence { get; init; }

    internal string Cluster => ClusterImage ?? ImageId;
}

/// <summary>
/// One trust answer: the participant compared model A and model B, both explained by <paramref name="Method"/>,
/// and rated A on the five-point scale +2 (A clearly more reliable) … −2 (A clearly less reliable).
/// The analysis stores the rating per model: A receives <paramref name="ScoreForA"/> and B its negation.
/// </summary>
public sealed record TrustAnswer(string ParticipantId, string ImageId, string Method, string ModelA, string ModelB, int ScoreForA);

/// <summary>The participant's choice in a method comparison.</summary>
public enum Preference
{
    A,
    B,
    Same,
}

/// <summary>One method-comparison answer: which of two methods' explanations explains the prediction better.</summary>
public sealed record ComparisonAnswer(string ParticipantId, string ImageId, string Model, string MethodA, string MethodB, Preference Choice);

/// <summary>The experiment types as the results name them (study.json's <c>type</c>).</summary>
public static class ExperimentTypes
{
    public const string Discrimination = "discrimination";
    public const string Simulation = "simulation";
}

/// <summary>What the exclusion rules need to know about a participant.</summary>
/// <param name="MedianResponseMs">Median time per answer in milliseconds; null when unknown (the speed rule then does not apply).</param>
public sealed record ParticipantInfo(string ParticipantId, int FailedAttentionChecks, double? MedianResponseMs)
{
    /// <summary>The quality flags raised for the participant (e.g. <c>fast_answers</c>); those in <see cref="AnalysisOptions.ExcludeFlags"/> exclude.</summary>
    public IReadOnlyList<string> Flags { get; init; } = [];
}

/// <summary>Everything a study analysis reads, as plain records (no database types).</summary>
public sealed record StudyData(
    IReadOnlyList<ParticipantInfo> Participants,
    IReadOnlyList<DiscriminationAnswer> Discrimination,
    IReadOnlyList<TrustAnswer> Trust,
    IReadOnlyList<ComparisonAnswer> Comparisons)
{
    public static StudyData Empty { get; } = new([], [], [], []);

    /// <summary>Forward-simulation answers (Hase &amp; Bansal 2020): correct when the participant chose the model's prediction.</summary>
    public IReadOnlyList<DiscriminationAnswer> Simulation { get; init; } = [];

    /// <summary>
    /// The levels of each experiment type's confidence scale (<c>discrimination</c>, …), so the calibration
    /// table lists every level, answered or not; a type not named here is tabled up to its highest answered level.
    /// </summary>
    public IReadOnlyDictionary<string, int> ConfidenceLevels { get; init; } = new Dictionary<string, int>();
}

/// <summary>Which comparison p-value Holm's correction adjusts (the family's primary test).</summary>
public enum PrimaryTest
{
    /// <summary>Within-participant permutation test (default: it respects repeated answers per participant).</summary>
    Permutation,
    Fisher,
    ZTest,
}

/// <summary>Settings of an analysis. Defaults: α = 0.05 (95 % intervals), power 0.8, 10 000 permutations.</summary>
public sealed record AnalysisOptions
{
    /// <summary>Significance level of tests and power; intervals have confidence 1 − α.</summary>
    public double Alpha { get; init; } = 0.05;

    /// <summary>Target power 1 − β for the detectable difference and the n needed (0.5 ≤ power &lt; 1).</summary>
    public double Power { get; init; } = 0.8;

    /// <summary>Number B of random relabelings in the permutation test; 0 disables the test.</summary>
    public int Permutations { get; init; } = 10_000;

    /// <summary>Number of resamples of the two-way cluster bootstrap of each accuracy (participants × images); 0 disables it.</summary>
    public int BootstrapResamples { get; init; } = 2000;

    /// <summary>Seed of the permutation test's and the bootstrap's xoshiro256** generators: same answers and seed, same p and intervals.</summary>
    public int Seed { get; init; } = 12345;

    /// <summary>The comparison p-value that Holm's correction adjusts.</summary>
    public PrimaryTest HolmTest { get; init; } = PrimaryTest.Permutation;

    /// <summary>Difference in accuracy for which the n needed per group is reported.</summary>
    public double TargetDifference { get; init; } = 0.1;

    /// <summary>Baseline accuracy for power; null uses the observed pooled accuracy of the two methods.</summary>
    public double? PowerBaseline { get; init; }

    /// <summary>Whether the exclusion rules are applied (the report always counts them).</summary>
    public bool ApplyExclusions { get; init; } = true;

    /// <summary>A participant with more failed attention checks than this is excluded.</summary>
    public int MaxFailedAttentionChecks { get; init; }

    /// <summary>A participant whose median response time is below this (ms) is excluded; null disables the rule.</summary>
    public double? MinMedianResponseMs { get; init; } = 1000.0;

    /// <summary>Quality flags that exclude a participant who has them (none by default: flags are only reported).</summary>
    public IReadOnlyList<string> ExcludeFlags { get; init; } = [];

    internal void Validate()
    {
        if (!(Alpha > 0.0 && Alpha < 1.0))
        {
            throw new ArgumentOutOfRangeException(nameof(Alpha), $"AnalysisOptions.Alpha = {Alpha}: need 0 < α < 1.");
        }

        if (!(Power >= 0.5 && Power < 1.0))
        {
            throw new ArgumentOutOfRangeException(nameof(Power), $"AnalysisOptions.Power = {Power}: need 0.5 ≤ power < 1.");
        }

        if (Permutations < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Permutations), $"AnalysisOptions.Permutations = {Permutations}: need ≥ 0.");
        }

        if (BootstrapResamples < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(BootstrapResamples), $"AnalysisOptions.BootstrapResamples = {BootstrapResamples}: need ≥ 0.");
        }

        if (!(TargetDifference > 0.0 && TargetDifference <= 1.0))
        {
            throw new ArgumentOutOfRangeException(nameof(TargetDifference), $"AnalysisOptions.TargetDifference = {TargetDifference}: need 0 < δ ≤ 1.");
        }

        if (PowerBaseline is { } b && !(b >= 0.0 && b <= 1.0))
        {
            throw new ArgumentOutOfRangeException(nameof(PowerBaseline), $"AnalysisOptions.PowerBaseline = {b}: need a proportion in [0, 1].");
        }

        if (MaxFailedAttentionChecks < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxFailedAttentionChecks), $"AnalysisOptions.MaxFailedAttentionChecks = {MaxFailedAttentionChecks}: need ≥ 0.");
        }

        if (MinMedianResponseMs is { } ms && !(ms >= 0.0))
        {
            throw new ArgumentOutOfRangeException(nameof(MinMedianResponseMs), $"AnalysisOptions.MinMedianResponseMs = {ms}: need ≥ 0.");
        }
    }
}
