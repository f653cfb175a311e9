using System.Globalization;
using System.Text.Json;
using SquadStudy.Data.Entities;

namespace SquadStudy.Web.Participation;

/// <summary>An answer option: the value posted and the text shown.</summary>
public sealed record QuestionOption(string Value, string Label);

/// <summary>An explanation image shown with a question, under its neutral caption.</summary>
public sealed record QuestionImage(string Caption, string? Url);

/// <summary>What the participant sees at one position.</summary>
public sealed record QuestionView(
    int Position, int PlanLength, string Kind, string Prompt,
    IReadOnlyList<QuestionImage> Images, IReadOnlyList<QuestionOption> Options)
{
    /// <summary>The confidence scale asked in the same form, or null when the experiment asks none.</summary>
    public ConfidenceScale? Confidence { get; init; }
}

/// <summary>A confidence question shown under the answer options: its prompt and levels, least confident first.</summary>
public sealed record ConfidenceScale(string Prompt, IReadOnlyList<QuestionOption> Levels);

/// <summary>An answer checked against its plan item, ready to store.</summary>
public sealed record EvaluatedAnswer(string Choice, bool? IsCorrect, int? Score)
{
    /// <summary>The confidence level chosen with it; null when none was asked.</summary>
    public int? Confidence { get; init; }
}

/// <summary>What a posted confidence level came to.</summary>
public enum ConfidenceOutcome
{
    /// <summary>A level of the scale, or nothing where none is asked.</summary>
    Valid,
    /// <summary>The scale is asked and nothing was chosen: the participant is asked again.</summary>
    Missing,
    /// <summary>Not a level of the scale, or a level where none is asked: a hand-made form, refused.</summary>
    Invalid,
}

/// <summary>
/// The three question types and the attention check: their options in the plan's order, and how a
/// posted choice becomes a stored answer. Stored scores are relative to the stimulus, not to the
/// screen: trust's <see cref="Answer.Score"/> is the score of the stimulus' model A (+2 … −2) on
/// whichever side it was shown; comparison's is +1 when method A was chosen, 0 for "same", −1 for
/// method B. <see cref="Answer.Choice"/> keeps what was clicked, relative to the displayed sides.
/// </summary>
public static class Questions
{
    public const string DiscriminationPrompt = "Which of the two object categories is depicted?";
    public const string TrustPrompt = "Which model seems more reliable?";
    public const string ComparisonPrompt = "Which explanation shows better why the model made its prediction?";
    public const string SimulationPrompt = "Which of the two categories did the model answer for this photo?";
    public const string ConfidencePrompt = "How confident are you in your answer?";

    /// <summary>
    /// The platform's confidence labels for 2 … <see cref="ConfidenceDefinition.BuiltInLevels"/> levels,
    /// least confident first (HIVE, Kim et al. 2022, asks on four: not at all … very confident).
    /// </summary>
    private static readonly string[][] ConfidenceLabelSets =
    [
        ["Not confident", "Confident"],
        ["Not confident", "Somewhat confident", "Very confident"],
        ["Not at all confident", "Slightly confident", "Fairly confident", "Very confident"],
        ["Not at all confident", "Slightly confident", "Moderately confident", "Fairly confident", "Very confident"],
    ];

    private static readonly QuestionOption[] TrustOptions =
    [
        new("2", "Model A is clearly more reliable"),
        new("1", "Model A is slightly more reliable"),
        new("0", "Both are equally reliable"),
        new("-1", "Model B is slightly more reliable"),
        new("-2", "Model B is clearly more reliable"),
    ];

    private static readonly QuestionOption[] ComparisonOptions =
    [
        new("A", "Explanation A is better"),
        new("same", "Both explain it equally well"),
        new("B", "Explanation B is better"),
    ];

    public static string Prompt(PlanItemView item) => item.Kind == PlanItemKind.Attention
        ? item.AttentionPrompt ?? ""
        : item.Stimulus?.Experiment switch
        {
            ExperimentKind.Discrimination => DiscriminationPrompt,
            ExperimentKind.Trust => TrustPrompt,
            ExperimentKind.Comparison => ComparisonPrompt,
            ExperimentKind.Simulation => SimulationPrompt,
            var other => throw new InvalidOperationException($"Plan item {item.Id} has a stimulus of unknown experiment '{other}'."),
        };

    public static IReadOnlyList<QuestionOption> Options(PlanItemView item, IReadOnlyList<string> classNames)
    {
        if (item.Kind == PlanItemKind.Attention)
        {
            var options = item.AttentionOptions is null ? [] : JsonSerializer.Deserialize<string[]>(item.AttentionOptions) ?? [];
            return options.Select(o => new QuestionOption(o, o)).ToArray();
        }
        var stimulus = item.Stimulus ?? throw new InvalidOperationException($"Plan item {item.Id} is a question without a stimulus.");
        switch (stimulus.Experiment)
        {
            case ExperimentKind.Discrimination or ExperimentKind.Simulation:
                var distractor = stimulus.DistractorClass
                    ?? throw new InvalidOperationException($"The {stimulus.Experiment} stimulus {stimulus.Id} has no distractor class.");
                var target = new QuestionOption(stimulus.TargetClass.ToString(CultureInfo.InvariantCulture), ClassName(classNames, stimulus.TargetClass));
                var other = new QuestionOption(distractor.ToString(CultureInfo.InvariantCulture), ClassName(classNames, distractor));
                return item.Swapped ? [other, target] : [target, other];
            case ExperimentKind.Trust:
                return TrustOptions;
            case ExperimentKind.Comparison:
                return ComparisonOptions;
            default:
                throw new InvalidOperationException($"Stimulus {stimulus.Id} has unknown experiment '{stimulus.Experiment}'.");
        }
    }

    /// <summary>
    /// Whether the item's option labels are the platform's own text (translated for the participant)
    /// rather than the pack's: trust and comparison. A discrimination or simulation question's options are class
    /// names, an attention check's options (the defaults too) go with its prompt, which names the one
    /// to choose: both are shown as the pack wrote them.
    /// </summary>
    public static bool HasPlatformLabels(PlanItemView item) =>
        item.Kind != PlanItemKind.Attention && item.Stimulus?.Experiment is ExperimentKind.Trust or ExperimentKind.Comparison;

    /// <summary>The platform's texts of a question page, for the translation check (LanguageTests.EveryParticipantText_HasAGermanTranslation).</summary>
    public static IEnumerable<string> PlatformTexts =>
        [DiscriminationPrompt, TrustPrompt, ComparisonPrompt, SimulationPrompt, .. TrustOptions.Select(o => o.Label), .. ComparisonOptions.Select(o => o.Label),
            .. Captions(ExperimentKind.Trust), .. Captions(ExperimentKind.Comparison), .. Captions(ExperimentKind.Discrimination), .. Captions(ExperimentKind.Simulation),
            ConfidencePrompt, .. ConfidenceLabelSets.SelectMany(set => set)];

    /// <summary>
    /// The levels of a scale, values 1 … levels, least confident first, and whether their labels are
    /// the platform's (to be translated) rather than the pack's (shown as written).
    /// </summary>
    public static (IReadOnlyList<QuestionOption> Levels, bool PlatformLabels) ConfidenceLevels(ConfidenceDefinition scale)
    {
        var labels = scale.Labels ?? ConfidenceLabelSets[scale.Levels - 2];
        return (labels.Select((label, i) => new QuestionOption((i + 1).ToString(CultureInfo.InvariantCulture), label)).ToArray(), scale.Labels is null);
    }

    /// <summary>Reads the posted confidence level against the item's scale (null = none asked).</summary>
    public static ConfidenceOutcome ReadConfidence(ConfidenceDefinition? scale, string? posted, out int? level)
    {
        level = null;
        if (string.IsNullOrEmpty(posted))
        {
            return scale is null ? ConfidenceOutcome.Valid : ConfidenceOutcome.Missing;
        }
        if (scale is null || posted.Length > 2 || !int.TryParse(posted, NumberStyles.None, CultureInfo.InvariantCulture, out var chosen)
            || chosen < 1 || chosen > scale.Levels)
        {
            return ConfidenceOutcome.Invalid;
        }
        level = chosen;
        return ConfidenceOutcome.Valid;
    }

    /// <summary>The confidence scale a plan item asks: its experiment's (study.json), none for attention checks.</summary>
    public static ConfidenceDefinition? ConfidenceOf(StudyDefinition definition, PlanItemView item) =>
        item.Kind == PlanItemKind.Attention ? null : definition.ConfidenceFor(item.Stimulus?.Experiment);

    /// <summary>The stored answer for a posted choice, or null when the choice is not one of the item's options.</summary>
    public static EvaluatedAnswer? Evaluate(PlanItemView item, string? choice)
    {
        if (string.IsNullOrEmpty(choice) || choice.Length > 200)
        {
            return null;
        }
        if (item.Kind == PlanItemKind.Attention)
        {
            var options = item.AttentionOptions is null ? [] : JsonSerializer.Deserialize<string[]>(item.AttentionOptions) ?? [];
            return options.Contains(choice, StringComparer.Ordinal)
                ? new EvaluatedAnswer(choice, string.Equals(choice, item.AttentionAnswer, StringComparison.Ordinal), null)
                : null;
        }
        var stimulus = item.Stimulus;
        if (stimulus is null)
        {
            return null;
        }
        switch (stimulus.Experiment)
        {
            // Right when the target is chosen: the explained class (discrimination) or the model's
            // stored prediction (simulation), whatever the image's label.
            case ExperimentKind.Discrimination or ExperimentKind.Simulation:
                if (!int.TryParse(choice, NumberStyles.None, CultureInfo.InvariantCulture, out var chosen)
                    || (chosen != stimulus.TargetClass && chosen != stimulus.DistractorClass))
                {
                    return null;
                }
                return new EvaluatedAnswer(chosen.ToString(CultureInfo.InvariantCulture), chosen == stimulus.TargetClass, null);
            case ExperimentKind.Trust:
                var shown = choice switch { "2" => 2, "1" => 1, "0" => 0, "-1" => -1, "-2" => -2, _ => (int?)null };
                // The left image is the stimulus' model A unless the sides were swapped.
                return shown is int s ? new EvaluatedAnswer(choice, null, item.Swapped ? -s : s) : null;
            case ExperimentKind.Comparison:
                var side = choice switch { "A" => 1, "same" => 0, "B" => -1, _ => (int?)null };
                return side is int c ? new EvaluatedAnswer(choice, null, item.Swapped ? -c : c) : null;
            default:
                return null;
        }
    }

    /// <summary>The (model, method) of each displayed image, left to right, in the plan's sides.</summary>
    public static IReadOnlyList<(long Model, string Method)> DisplayedExplanations(StimulusView stimulus, bool swapped)
    {
        (long, string) a = (stimulus.ModelAId, stimulus.MethodA);
        switch (stimulus.Experiment)
        {
            case ExperimentKind.Trust:
                (long, string) modelB = (stimulus.ModelBId ?? throw new InvalidOperationException($"Trust stimulus {stimulus.Id} has no model B."), stimulus.MethodA);
                return swapped ? [modelB, a] : [a, modelB];
            case ExperimentKind.Comparison:
                (long, string) methodB = (stimulus.ModelAId, stimulus.MethodB ?? throw new InvalidOperationException($"Comparison stimulus {stimulus.Id} has no method B."));
                return swapped ? [methodB, a] : [a, methodB];
            default:
                return [a];
        }
    }

    public static IReadOnlyList<string> Captions(string experiment) => experiment switch
    {
        ExperimentKind.Trust => ["Model A", "Model B"],
        ExperimentKind.Comparison => ["Explanation A", "Explanation B"],
        // The photo itself, then the explanation of the model's answer (StudyContent.ExplanationUrlsAsync).
        ExperimentKind.Simulation => ["Photo", "Explanation"],
        _ => ["Explanation"],
    };

    private static string ClassName(IReadOnlyList<string> names, int index) =>
        index >= 0 && index < names.Count ? names[index] : $"class {index}";
}
