using SquadStudy.Analysis.Statistics;

namespace SquadStudy.Analysis;

/// <summary>
/// Computes every results table of a study from plain answer records. Stateless and deterministic: answers are
/// sorted (ordinal) before use, so the same answers in any order and the same options give the same results.
/// </summary>
public static class StudyAnalyzer
{
    /// <summary>Analyses the study once with and once without the exclusion rules.</summary>
    public static StudyReport AnalyzeWithAndWithoutExclusions(StudyData data, AnalysisOptions? options = null)
    {
        options ??= new AnalysisOptions();
        return new StudyReport(
            Analyze(data, options with { ApplyExclusions = true }),
            Analyze(data, options with { ApplyExclusions = false }));
    }

    /// <summary>Applies (or only counts) the exclusion rules, then computes all tables.</summary>
    public static StudyResults Analyze(StudyData data, AnalysisOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        options ??= new AnalysisOptions();
        options.Validate();
        InputValidation.Validate(data);

        var (kept, exclusions) = Exclusions.Apply(data, options);
        var discrimination = Sorted(kept.Discrimination);
        var simulation = Sorted(kept.Simulation);
        var tables = AccuracyTables(discrimination, options);

        var settings = new AnalysisSettings(options.Alpha, 1.0 - options.Alpha, options.Power, options.Permutations,
            options.Seed, options.HolmTest, options.TargetDifference, options.PowerBaseline, options.BootstrapResamples);
        return new StudyResults(
            settings,
            exclusions,
            tables.Accuracy,
            tables.Comparisons,
            TrustTable(kept.Trust, options),
            tables.Power,
            tables.ImageAccuracy,
            PreferenceTable(kept.Comparisons))
        {
            Calibration =
            [
                .. CalibrationTable(ExperimentTypes.Discrimination, discrimination, kept.ConfidenceLevels, options),
                .. CalibrationTable(ExperimentTypes.Simulation, simulation, kept.ConfidenceLevels, options),
            ],
            Simulation = AccuracyTables(simulation, options),
        };
    }

    private static List<DiscriminationAnswer> Sorted(IEnumerable<DiscriminationAnswer> answers) => answers
        .OrderBy(a => a.ParticipantId, StringComparer.Ordinal)
        .ThenBy(a => a.ImageId, StringComparer.Ordinal)
        .ThenBy(a => a.Model, StringComparer.Ordinal)
        .ThenBy(a => a.Method, StringComparer.Ordinal)
        .ThenBy(a => a.Correct)
        .ToList();

    /// <summary>
    /// The tables of one experiment type whose answers are right or wrong: discrimination (the explained class chosen)
    /// and forward simulation (the model's prediction chosen) go through this one path.
    /// </summary>
    private static AccuracyTables AccuracyTables(List<DiscriminationAnswer> answers, AnalysisOptions options) => new(
        AccuracyTable(answers, options),
        ComparisonTable(answers, options),
        PowerTable(answers, options),
        ImageAccuracyTable(answers, options));

    /// <summary>
    /// Accuracy by confidence level (pooled over methods, then per method) and the mean confidence of correct and of
    /// incorrect answers, over the answers that carry a rating; none when no answer of the type does.
    /// </summary>
    private static List<CalibrationRow> CalibrationTable(string experiment, List<DiscriminationAnswer> answers,
        IReadOnlyDictionary<string, int> declaredLevels, AnalysisOptions options)
    {
        var rated = answers.Where(a => a.Confidence is not null).ToList();
        if (rated.Count == 0)
        {
            return [];
        }

        int levels = Math.Max(declaredLevels.GetValueOrDefault(experiment), rated.Max(a => a.Confidence!.Value));
        var rows = new List<CalibrationRow> { Calibration(experiment, null, levels, rated, options) };
        rows.AddRange(Distinct(rated.Select(a => a.Method)).Select(method => Calibration(experiment, method, levels, rated.Where(a => a.Method == method).ToList(), options)));
        return rows;
    }

    private static CalibrationRow Calibration(string experiment, string? method, int levels, List<DiscriminationAnswer> rated, AnalysisOptions options)
    {
        var byLevel = Enumerable.Range(1, levels).Select(level =>
        {
            var at = rated.Where(a => a.Confidence == level).ToList();
            int n = at.Count, correct = at.Count(a => a.Correct);
            var ci = Proportions.Wilson(correct, n, 1.0 - options.Alpha);
            return new CalibrationLevel(level, n, correct, Ratio(correct, n), Defined(ci.Low), Defined(ci.High));
        }).ToList();
        var right = rated.Where(a => a.Correct).Select(a => (double)a.Confidence!.Value).ToList();
        var wrong = rated.Where(a => !a.Correct).Select(a => (double)a.Confidence!.Value).ToList();
        return new CalibrationRow(experiment, method, levels, rated.Count, byLevel, right.Count, wrong.Count,
            right.Count == 0 ? null : right.Average(), wrong.Count == 0 ? null : wrong.Average());
    }

    private static List<AccuracyRow> AccuracyTable(List<DiscriminationAnswer> answers, AnalysisOptions options)
    {
        var rows = new List<AccuracyRow>();
        foreach (string method in Distinct(answers.Select(a => a.Method)))
        {
            var ofMethod = answers.Where(a => a.Method == method).ToList();
            rows.Add(Accuracy(null, method, ofMethod, options));
            foreach (string model in Distinct(ofMethod.Select(a => a.Model)))
            {
                rows.Add(Accuracy(model, method, ofMethod.Where(a => a.Model == model).ToList(), options));
            }
        }

        return WithBootstrapIntervals(rows, answers, options);
    }

    private static AccuracyRow Accuracy(string? model, string method, List<DiscriminationAnswer> cell, AnalysisOptions options)
    {
        int n = cell.Count, correct = cell.Count(a => a.Correct);
        var ci = Proportions.Wilson(correct, n, 1.0 - options.Alpha);
        return new AccuracyRow(model, method, n, correct, Ratio(correct, n), Defined(ci.Low), Defined(ci.High));
    }

    /// <summary>
    /// Adds the two-way cluster bootstrap interval to every accuracy row: one run over all the study's
    /// discrimination answers, so each resample draws the same participants and images for every row (a pooled
    /// row pools its models' cells within each resample).
    /// </summary>
    private static List<AccuracyRow> WithBootstrapIntervals(List<AccuracyRow> rows, List<DiscriminationAnswer> answers, AnalysisOptions options)
    {
        if (options.BootstrapResamples == 0 || answers.Count == 0)
        {
            return rows;
        }

        var participants = Index(answers.Select(a => a.ParticipantId));
        var images = Index(answers.Select(a => a.Cluster));
        var cells = answers.Select(a => (a.Model, a.Method)).Distinct()
            .Select((cell, i) => (cell, i)).ToDictionary(x => x.cell, x => x.i);
        var outcomes = answers
            .Select(a => new ClusteredOutcome(participants[a.ParticipantId], images[a.Cluster], cells[(a.Model, a.Method)], a.Correct))
            .ToList();
        var groups = rows
            .Select(r => cells.Where(c => c.Key.Method == r.Method && (r.Model is null || c.Key.Model == r.Model)).Select(c => c.Value).ToArray())
            .ToList();
        var resampled = ClusterBootstrap.Accuracies(outcomes, participants.Count, images.Count, cells.Count, groups, options.BootstrapResamples, options.Seed);
        return rows.Select((r, i) =>
        {
            var ci = ClusterBootstrap.Percentile(resampled[i], options.Alpha);
            return r with { BootstrapLow = Defined(ci.Low), BootstrapHigh = Defined(ci.High) };
        }).ToList();
    }

    /// <summary>Distinct values (ordinal order) numbered from 0.</summary>
    private static Dictionary<string, int> Index(IEnumerable<string> values) =>
        Distinct(values).Select((v, i) => (v, i)).ToDictionary(x => x.v, x => x.i, StringComparer.Ordinal);

    private static List<ImageAccuracyRow> ImageAccuracyTable(List<DiscriminationAnswer> answers, AnalysisOptions options) =>
        answers
            .GroupBy(a => (a.ImageId, a.Model, a.Method))
            .OrderBy(g => g.Key.ImageId, StringComparer.Ordinal)
            .ThenBy(g => g.Key.Model, StringComparer.Ordinal)
            .ThenBy(g => g.Key.Method, StringComparer.Ordinal)
            .Select(g =>
            {
                int n = g.Count(), correct = g.Count(a => a.Correct);
                var ci = Proportions.Wilson(correct, n, 1.0 - options.Alpha);
                return new ImageAccuracyRow(g.Key.ImageId, g.Key.Model, g.Key.Method, n, correct, Ratio(correct, n),
                    Defined(ci.Low), Defined(ci.High));
            })
            .ToList();

    /// <summary>Every method pair pooled over models, then per model; Holm within each of these families.</summary>
    private static List<ComparisonRow> ComparisonTable(List<DiscriminationAnswer> answers, AnalysisOptions options)
    {
        var rows = new List<ComparisonRow>();
        var families = new List<string?> { null };
        families.AddRange(Distinct(answers.Select(a => a.Model)));
        foreach (string? model in families)
        {
            var scope = model is null ? answers : answers.Where(a => a.Model == model).ToList();
            var family = MethodPairs(scope.Select(a => a.Method))
                .Select(pair => Compare(pair.A, pair.B, model, scope, options))
                .ToList();
            double[] holm = Statistics.Holm.Adjust(family.Select(r => PrimaryP(r, options.HolmTest) ?? double.NaN).ToList());
            rows.AddRange(family.Select((r, i) => r with { HolmP = Defined(holm[i]) }));
        }

        return rows;
    }

    private static double? PrimaryP(ComparisonRow row, PrimaryTest test) => test switch
    {
        PrimaryTest.Permutation => row.PermutationP,
        PrimaryTest.Fisher => row.FisherP,
        PrimaryTest.ZTest => row.ZP,
        _ => throw new ArgumentOutOfRangeException(nameof(test), test, "Unknown primary test."),
    };

    private static ComparisonRow Compare(string methodA, string methodB, string? model, List<DiscriminationAnswer> scope, AnalysisOptions options)
    {
        var a = scope.Where(x => x.Method == methodA).ToList();
        var b = scope.Where(x => x.Method == methodB).ToList();
        int nA = a.Count, nB = b.Count, cA = a.Count(x => x.Correct), cB = b.Count(x => x.Correct);
        var notes = new List<string>();

        var z = Proportions.TwoProportionZTest(cA, nA, cB, nB);
        if (double.IsNaN(z.PValue))
        {
            notes.Add("z-test undefined: the pooled accuracy is 0 or 1, so the standard error is 0.");
        }

        double fisher = FisherExact.TwoSidedP(cA, nA - cA, cB, nB - cB);
        var outcomes = scope
            .Where(x => x.Method == methodA || x.Method == methodB)
            .Select(x => new LabelledOutcome(x.ParticipantId, x.Method == methodA, x.Correct))
            .ToList();
        var permutation = PermutationTest.DifferenceInProportions(outcomes, options.Permutations, options.Seed);
        if (options.Permutations == 0)
        {
            notes.Add("Permutation test disabled (0 permutations).");
        }
        else if (nA > 0 && nB > 0 && permutation.MixedParticipants == 0)
        {
            notes.Add("No participant answered both methods: within-participant relabeling cannot change anything, so the permutation p is 1.");
        }

        double h = Proportions.CohensH((double)cA / nA, (double)cB / nB);
        return new ComparisonRow(methodA, methodB, model, nA, nB, Ratio(cA, nA), Ratio(cB, nB),
            Defined(z.PValue), fisher, Defined(permutation.PValue), null, h, notes);
    }

    private static List<PowerRow> PowerTable(List<DiscriminationAnswer> answers, AnalysisOptions options)
    {
        var rows = new List<PowerRow>();
        var families = new List<string?> { null };
        families.AddRange(Distinct(answers.Select(a => a.Model)));
        foreach (string? model in families)
        {
            var scope = model is null ? answers : answers.Where(a => a.Model == model).ToList();
            foreach (var (methodA, methodB) in MethodPairs(scope.Select(a => a.Method)))
            {
                var pair = scope.Where(x => x.Method == methodA || x.Method == methodB).ToList();
                int nA = pair.Count(x => x.Method == methodA), nB = pair.Count - nA;
                double baseline = options.PowerBaseline ?? (double)pair.Count(x => x.Correct) / pair.Count;
                var notes = new List<string>();
                double detectable = Statistics.Power.DetectableDifference(baseline, Statistics.Power.EffectiveNPerGroup(nA, nB), options.Alpha, options.Power);
                if (double.IsNaN(detectable))
                {
                    notes.Add($"No difference around baseline {baseline:0.####} that stays within [0, 1] is detectable with this n.");
                }

                int? needed = Statistics.Power.SampleSizePerGroup(baseline, options.TargetDifference, options.Alpha, options.Power);
                if (needed is null)
                {
                    notes.Add($"Target difference {options.TargetDifference} does not fit around baseline {baseline:0.####} within [0, 1].");
                }

                rows.Add(new PowerRow(methodA, methodB, model, nA, nB, baseline, Defined(detectable), options.TargetDifference, needed, notes));
            }
        }

        return rows;
    }

    /// <summary>Per method and model: each trust answer gives model A its score and model B the negated score.</summary>
    private static List<TrustRow> TrustTable(IReadOnlyList<TrustAnswer> answers, AnalysisOptions options)
    {
        var scores = answers
            .OrderBy(a => a.ParticipantId, StringComparer.Ordinal)
            .ThenBy(a => a.ImageId, StringComparer.Ordinal)
            .ThenBy(a => a.Method, StringComparer.Ordinal)
            .ThenBy(a => a.ModelA, StringComparer.Ordinal)
            .ThenBy(a => a.ModelB, StringComparer.Ordinal)
            .ThenBy(a => a.ScoreForA)
            .SelectMany(a => new[] { (a.Method, Model: a.ModelA, Score: (double)a.ScoreForA), (a.Method, Model: a.ModelB, Score: (double)-a.ScoreForA) })
            .ToList();

        var rows = new List<TrustRow>();
        foreach (string method in Distinct(scores.Select(s => s.Method)))
        {
            foreach (string model in Distinct(scores.Where(s => s.Method == method).Select(s => s.Model)))
            {
                var values = scores.Where(s => s.Method == method && s.Model == model).Select(s => s.Score).ToList();
                rows.Add(Trust(method, model, values, options));
            }
        }

        return rows;
    }

    private static TrustRow Trust(string method, string model, List<double> values, AnalysisOptions options)
    {
        var summary = SampleSummary.Of(values);
        var ci = OneSample.MeanInterval(values, 1.0 - options.Alpha);
        var t = OneSample.TTest(values);
        var w = Wilcoxon.SignedRank(values);
        var notes = new List<string>();
        if (summary.N < 2)
        {
            notes.Add("n < 2: no standard deviation, interval or t-test.");
        }
        else if (summary.StandardDeviation == 0.0)
        {
            notes.Add(summary.Mean == 0.0
                ? "All scores are 0: the t-test is undefined."
                : "All scores are equal and non-zero: zero variance gives t = ±∞ and p = 0 (as SciPy).");
        }

        if (w.Method == WilcoxonMethod.None)
        {
            notes.Add("All scores are 0: the Wilcoxon test is undefined.");
        }
        else if (w.Method == WilcoxonMethod.Approx && w.NonZero < 10)
        {
            notes.Add($"Wilcoxon normal approximation with only {w.NonZero} non-zero scores (ties or zeros rule out the exact test).");
        }

        string? wilcoxonMethod = w.Method switch
        {
            WilcoxonMethod.Exact => "exact",
            WilcoxonMethod.Approx => "approx",
            _ => null,
        };
        return new TrustRow(method, model, summary.N, Defined(summary.Mean), Defined(summary.StandardDeviation),
            Defined(ci.Low), Defined(ci.High), Defined(t.PValue), Defined(w.PValue), wilcoxonMethod,
            Defined(OneSample.CohensD(values)), notes);
    }

    /// <summary>Method comparisons per pair (normalised so that A &lt; B ordinally), pooled and per model; Holm per family.</summary>
    private static List<PreferenceRow> PreferenceTable(IReadOnlyList<ComparisonAnswer> answers)
    {
        var normalised = answers.Select(a => string.CompareOrdinal(a.MethodA, a.MethodB) < 0
            ? a
            : a with { MethodA = a.MethodB, MethodB = a.MethodA, Choice = a.Choice switch { Preference.A => Preference.B, Preference.B => Preference.A, _ => a.Choice } })
            .ToList();

        var rows = new List<PreferenceRow>();
        var families = new List<string?> { null };
        families.AddRange(Distinct(normalised.Select(a => a.Model)));
        foreach (string? model in families)
        {
            var scope = model is null ? normalised : normalised.Where(a => a.Model == model).ToList();
            var family = scope
                .GroupBy(a => (a.MethodA, a.MethodB))
                .OrderBy(g => g.Key.MethodA, StringComparer.Ordinal)
                .ThenBy(g => g.Key.MethodB, StringComparer.Ordinal)
                .Select(g =>
                {
                    int aWins = g.Count(x => x.Choice == Preference.A), bWins = g.Count(x => x.Choice == Preference.B);
                    int same = g.Count() - aWins - bWins;
                    var notes = new List<string>();
                    if (aWins + bWins == 0)
                    {
                        notes.Add("Every answer was \"same\": no sign test.");
                    }

                    return new PreferenceRow(g.Key.MethodA, g.Key.MethodB, model, g.Count(), aWins, bWins, same,
                        Defined(SignTest.TwoSidedP(aWins, aWins + bWins)), null, notes);
                })
                .ToList();
            double[] holm = Statistics.Holm.Adjust(family.Select(r => r.SignP ?? double.NaN).ToList());
            rows.AddRange(family.Select((r, i) => r with { HolmP = Defined(holm[i]) }));
        }

        return rows;
    }

    private static IEnumerable<(string A, string B)> MethodPairs(IEnumerable<string> methods)
    {
        var list = Distinct(methods);
        for (int i = 0; i < list.Count; i++)
        {
            for (int j = i + 1; j < list.Count; j++)
            {
                yield return (list[i], list[j]);
            }
        }
    }

    private static List<string> Distinct(IEnumerable<string> values) =>
        values.Distinct(StringComparer.Ordinal).OrderBy(v => v, StringComparer.Ordinal).ToList();

    private static double? Ratio(int numerator, int denominator) => denominator == 0 ? null : (double)numerator / denominator;

    internal static double? Defined(double value) => double.IsFinite(value) ? value : null;
}
