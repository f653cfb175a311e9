using System.Globalization;
using SquadStudy.Data.Entities;

namespace SquadStudy.Reporting;

/// <summary>
/// The quality flags of one participant (docs/participants.md "Quality flags"), computed from their
/// stored answers with the study's thresholds (study.json <c>quality</c>). A flag is shown and
/// exported; it excludes only when the study's <c>exclusions.flags</c> names it.
/// </summary>
public static class QualityFlagRules
{
    public static QualityEvidence Evidence(IReadOnlyList<Answer> answers, IReadOnlyDictionary<long, PlanItem> planItems,
        IReadOnlyDictionary<long, Stimulus> stimuli, QualityDefinition quality, int sameDevice)
    {
        int fast = 0, hidden = 0, scripted = 0, run = 0, longest = 0;
        string? previous = null;
        foreach (var answer in answers.OrderBy(a => a.Position))
        {
            if (answer.ResponseMs < quality.FastAnswerMs)
            {
                fast++;
            }
            if (answer.Signals.HasFlag(InputSignals.Hidden))
            {
                hidden++;
            }
            if ((answer.Signals & (InputSignals.Pasted | InputSignals.Untrusted | InputSignals.NoTrustedInput)) != 0)
            {
                scripted++;
            }
            var key = ScreenPosition(answer, planItems, stimuli);
            run = key == previous ? run + 1 : 1;
            previous = key;
            longest = Math.Max(longest, run);
        }
        return new QualityEvidence(fast, longest, hidden, scripted, sameDevice);
    }

    public static IReadOnlyList<string> Flags(QualityEvidence evidence, QualityDefinition quality)
    {
        var flags = new List<string>();
        if (evidence.FastAnswers >= quality.FastAnswerCount)
        {
            flags.Add(QualityFlags.FastAnswers);
        }
        if (evidence.LongestIdenticalRun >= quality.IdenticalRun)
        {
            flags.Add(QualityFlags.IdenticalRun);
        }
        if (evidence.HiddenAnswers > 0)
        {
            flags.Add(QualityFlags.PageHidden);
        }
        if (evidence.ScriptedAnswers > 0)
        {
            flags.Add(QualityFlags.ScriptedInput);
        }
        if (evidence.SameDevice > 0)
        {
            flags.Add(QualityFlags.DuplicateDevice);
        }
        return flags;
    }

    /// <summary>
    /// The answer as a place on the screen, so that always pressing the same button counts as a run
    /// whatever the options meant: a discrimination or simulation answer is "first" or "second" option shown (the
    /// stored class index mapped through the plan's order); trust, comparison and attention answers
    /// are stored relative to the screen already.
    /// </summary>
    private static string ScreenPosition(Answer answer, IReadOnlyDictionary<long, PlanItem> planItems, IReadOnlyDictionary<long, Stimulus> stimuli)
    {
        if (answer.StimulusId is { } id && stimuli.TryGetValue(id, out var stimulus) && ExperimentKind.ChoosesClass(stimulus.Experiment)
            && planItems.TryGetValue(answer.PlanItemId, out var item)
            && int.TryParse(answer.Choice, NumberStyles.None, CultureInfo.InvariantCulture, out var chosen))
        {
            var first = item.Swapped ? stimulus.DistractorClass : stimulus.TargetClass;
            return chosen == first ? "first" : "second";
        }
        return answer.Choice;
    }
}
