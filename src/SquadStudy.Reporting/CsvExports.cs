using System.Globalization;
using System.Text;
using CsvHelper;
using CsvHelper.Configuration;
using SquadStudy.Data.Entities;

namespace SquadStudy.Reporting;

/// <summary>The kinds of value a CSV column holds, as the codebook names them.</summary>
public static class ColumnType
{
    public const string Text = "text";
    public const string Integer = "integer";
    public const string Decimal = "decimal";
    public const string Boolean = "boolean";
    public const string Timestamp = "timestamp";
}

/// <summary>One column of an export: its header, type, meaning (for the codebook) and how a row fills it.</summary>
public sealed record ExportColumn<TRow>(string Name, string Type, string Meaning, Func<TRow, object?> Value);

/// <summary>A column as the codebook lists it.</summary>
public sealed record CodebookEntry(string Name, string Type, string Meaning);

/// <summary>
/// CSV files for researchers. One list of columns per file drives both the file and the codebook,
/// so the two cannot disagree.
///
/// Spreadsheet formula injection: a text cell that begins with <c>=</c>, <c>+</c>, <c>-</c>, <c>@</c>,
/// tab or carriage return is written with a leading apostrophe (<c>'=HYPERLINK(…)</c>), which spreadsheets
/// show as text. Numbers are never altered: numeric columns (such as a trust score of −2) are formatted by
/// the platform in the invariant culture, and a text cell that is a plain decimal number (<c>-2</c>,
/// <c>+1</c>, <c>0.5</c>) is left as it is too, since a spreadsheet reads it as a number and runs nothing.
/// So analysis scripts read numbers unchanged. Empty cells mean "no value".
/// </summary>
public static partial class CsvExports
{
    private static readonly char[] FormulaTriggers = ['=', '+', '-', '@', '\t', '\r'];

    public static IReadOnlyList<ExportColumn<AnswerRow>> AnswerColumns { get; } =
    [
        new("participant", ColumnType.Text, "Anonymous participant identifier, stable for this study (not the participant's token or recruiter id).", r => r.Participant),
        new("position", ColumnType.Integer, "Place of the item in the participant's plan, 1 = first.", r => r.Answer.Position + 1),
        new("attention_check", ColumnType.Boolean, "true for an attention-check item; its experiment and stimulus columns are empty.", r => r.IsAttention),
        new("experiment", ColumnType.Text, "discrimination, trust, comparison or simulation (forward simulation: predict the model's answer); empty for attention checks.", r => r.Stimulus?.Experiment),
        new("stimulus_id", ColumnType.Integer, "The stimulus (see stimuli.csv).", r => r.Stimulus?.Id),
        new("image", ColumnType.Text, "Image stem (file name without extension) in the study pack.", r => r.Image?.Stem),
        new("model_a", ColumnType.Text, "Model key of the explanation (discrimination, comparison, simulation) or of model A (trust).", r => r.ModelA),
        new("model_b", ColumnType.Text, "Trust: model key of model B; empty otherwise.", r => r.ModelB),
        new("method_a", ColumnType.Text, "Explanation method (discrimination, trust, simulation) or method A (comparison).", r => r.Stimulus?.MethodA),
        new("method_b", ColumnType.Text, "Comparison: method B; empty otherwise.", r => r.Stimulus?.MethodB),
        new("target_class", ColumnType.Text, "Class the explanation is for (discrimination: the correct option; trust, comparison: the prediction; simulation: model_a's prediction, the correct option).", r => r.TargetClass),
        new("distractor_class", ColumnType.Text, "Discrimination, simulation: the other class offered (simulation: the image's label when the model is wrong); empty otherwise.", r => r.DistractorClass),
        new("correct_target", ColumnType.Text, "What a correct answer chose: explained_class (discrimination) or model_prediction (simulation: target_class is the model's prediction, not necessarily the truth); empty otherwise.", r => r.CorrectTarget),
        new("image_label", ColumnType.Text, "The image's ground-truth class (its largest box); empty for attention checks.", r => r.ImageLabel),
        new("model_correct", ColumnType.Boolean, "Simulation: whether model_a's prediction (target_class) is the image's label; empty otherwise.", r => r.ModelCorrect),
        new("swapped", ColumnType.Boolean, "Whether option order (discrimination, simulation) or sides (trust, comparison) were swapped from the stimulus' A/B order.", r => r.Stimulus is null ? null : r.Item?.Swapped),
        new("shown_first", ColumnType.Text, "What was shown first / on the left: a class name (discrimination, simulation), model key (trust) or method (comparison).", r => r.ShownFirst),
        new("shown_second", ColumnType.Text, "What was shown second / on the right, as shown_first.", r => r.ShownSecond),
        new("answer", ColumnType.Text, "The choice as recorded, relative to what was shown: discrimination, simulation: the chosen class index; trust: the score given to the model shown first (+2 … −2); comparison: A (shown first), same or B; attention check: the option chosen.", r => r.Answer.Choice),
        new("chosen_class", ColumnType.Text, "Discrimination, simulation: the name of the chosen class; empty otherwise.", r => r.ChosenClass),
        new("correct", ColumnType.Boolean, "Discrimination: the target class was chosen; simulation: the model's prediction was chosen (whatever the truth); attention check: passed; empty otherwise.", r => r.Correct),
        new("score", ColumnType.Integer, "Relative to the stimulus (not the screen): trust: score for model_a from +2 (clearly more reliable than model_b) to −2, model_b gets its negation; comparison: +1 method_a better, 0 same, −1 method_b better; empty otherwise.", r => r.Answer.Score),
        new("confidence", ColumnType.Integer, "The confidence level chosen with the answer, 1 (least confident) to the scale's levels (study.json experiments[].confidence); empty when the experiment asks for none.", r => r.Answer.Confidence),
        new("response_ms", ColumnType.Integer, "Milliseconds from showing the item to the answer.", r => r.Answer.ResponseMs),
        new("shown_utc", ColumnType.Timestamp, "When the page the answer was given on was shown (ISO 8601, UTC).", r => r.Answer.ShownUtc),
        new("answered_utc", ColumnType.Timestamp, "When the answer was recorded (ISO 8601, UTC).", r => r.Answer.AnsweredUtc),
        new("participant_excluded", ColumnType.Boolean, "Whether the study's exclusion rules exclude this participant (see participants.csv).", r => r.Excluded),
        new("page_hidden", ColumnType.Boolean, "The page was hidden (another tab, minimised) or lost focus while the item was shown.", r => r.Answer.Signals.HasFlag(InputSignals.Hidden)),
        new("pasted", ColumnType.Boolean, "Something was pasted on the page while the item was shown.", r => r.Answer.Signals.HasFlag(InputSignals.Pasted)),
        new("untrusted_input", ColumnType.Boolean, "An input event not made by the user (a script clicked or typed) was seen.", r => r.Answer.Signals.HasFlag(InputSignals.Untrusted)),
        new("no_trusted_input", ColumnType.Boolean, "The answer was submitted without any key press or pointer event of the user's own (or without the page's script running).", r => r.Answer.Signals.HasFlag(InputSignals.NoTrustedInput)),
    ];

    public static IReadOnlyList<ExportColumn<ParticipantSummary>> ParticipantColumns { get; } =
    [
        new("participant", ColumnType.Text, "Anonymous participant identifier, as in answers.csv.", p => p.AnonymousId),
        new("status", ColumnType.Text, "active (still answering), completed, abandoned (idle past abandon_after_minutes; may resume), returned (chose \"return this study\"; answers kept), timed_out (past time_limit_minutes) or screened_out (failed the comprehension gate).", p => p.Participant.Status),
        new("ended_utc", ColumnType.Timestamp, "When the participant returned, timed out or was screened out (ISO 8601, UTC); empty otherwise.", p => p.Participant.EndedUtc),
        new("source", ColumnType.Text, "How the participant arrived: prolific, mturk or direct.", p => p.Participant.Source),
        new("consented_utc", ColumnType.Timestamp, "When the participant gave consent and was enrolled (ISO 8601, UTC).", p => p.Participant.ConsentedUtc),
        new("last_seen_utc", ColumnType.Timestamp, "The participant's last request (ISO 8601, UTC).", p => p.Participant.LastSeenUtc),
        new("completed_utc", ColumnType.Timestamp, "When the last answer was recorded; empty when not completed.", p => p.Participant.CompletedUtc),
        new("plan_length", ColumnType.Integer, "Items in the participant's plan, attention checks included.", p => p.Participant.PlanLength),
        new("answers", ColumnType.Integer, "Answers recorded, attention checks included.", p => p.QuestionsAnswered + p.AttentionChecks),
        new("questions_answered", ColumnType.Integer, "Answers to real questions.", p => p.QuestionsAnswered),
        new("attention_checks", ColumnType.Integer, "Attention checks answered.", p => p.AttentionChecks),
        new("attention_failures", ColumnType.Integer, "Attention checks failed.", p => p.AttentionFailures),
        new("median_response_ms", ColumnType.Decimal, "Median response time over all the participant's answers, in milliseconds.", p => p.MedianResponseMs),
        new("excluded", ColumnType.Boolean, "Whether the study's exclusion rules (study.json \"exclusions\") exclude the participant.", p => p.Excluded),
        new("exclusion_reason", ColumnType.Text, "failed_attention, too_fast (median response below the study's minimum) or the quality flag that excluded (one of exclusions.flags); empty when kept.", p => p.ExclusionReason),
        new("gate_passed", ColumnType.Boolean, "Passed the comprehension gate (false also for a study without one).", p => p.Participant.GatePassed),
        new("gate_attempts", ColumnType.Integer, "Comprehension-gate attempts made (gate_attempts.csv has each answer).", p => p.GateAttempts),
        new("flags", ColumnType.Text, "The quality flags raised, separated by ';' (fast_answers, identical_run, page_hidden, scripted_input, duplicate_device); empty when none. Flags exclude only when exclusions.flags names them.", p => string.Join(';', p.Flags)),
        new("flag_fast_answers", ColumnType.Boolean, "At least quality.fast_answer_count answers faster than quality.fast_answer_ms.", p => p.HasFlag(QualityFlags.FastAnswers)),
        new("flag_identical_run", ColumnType.Boolean, "At least quality.identical_run answers in a row in the same screen position.", p => p.HasFlag(QualityFlags.IdenticalRun)),
        new("flag_page_hidden", ColumnType.Boolean, "Some item was answered after the page was hidden or lost focus.", p => p.HasFlag(QualityFlags.PageHidden)),
        new("flag_scripted_input", ColumnType.Boolean, "Some item had pasted or untrusted input, or no input of the user's own.", p => p.HasFlag(QualityFlags.ScriptedInput)),
        new("flag_duplicate_device", ColumnType.Boolean, "Another participant of this study enrolled from the same browser (device cookie).", p => p.HasFlag(QualityFlags.DuplicateDevice)),
        new("fast_answers", ColumnType.Integer, "Answers faster than quality.fast_answer_ms.", p => p.Evidence.FastAnswers),
        new("longest_identical_run", ColumnType.Integer, "The longest run of consecutive answers in the same screen position.", p => p.Evidence.LongestIdenticalRun),
        new("hidden_answers", ColumnType.Integer, "Answers given after the page was hidden or lost focus.", p => p.Evidence.HiddenAnswers),
        new("scripted_answers", ColumnType.Integer, "Answers with pasted or untrusted input or none of the user's own.", p => p.Evidence.ScriptedAnswers),
        new("same_device_participants", ColumnType.Integer, "Other participants of this study from the same browser.", p => p.Evidence.SameDevice),
    ];

    public static IReadOnlyList<ExportColumn<GateAttemptRow>> GateAttemptColumns { get; } =
    [
        new("participant", ColumnType.Text, "Anonymous participant identifier, as in participants.csv.", r => r.Participant),
        new("attempt", ColumnType.Integer, "The attempt, from 1.", r => r.Attempt.Attempt),
        new("question", ColumnType.Integer, "The question's number in study.json comprehension.questions, from 1.", r => r.Attempt.Question + 1),
        new("prompt", ColumnType.Text, "The question as shown.", r => r.Prompt),
        new("choice", ColumnType.Text, "The option chosen.", r => r.Attempt.Choice),
        new("correct", ColumnType.Boolean, "Whether it was the right answer.", r => r.Attempt.IsCorrect),
        new("answered_utc", ColumnType.Timestamp, "When the attempt was submitted (ISO 8601, UTC).", r => r.Attempt.AnsweredUtc),
    ];

    /// <summary>Recruiter identifiers: added to participants.csv only when the researcher asks (<c>include_ids=true</c>).</summary>
    public static IReadOnlyList<ExportColumn<ParticipantSummary>> RecruiterIdColumns { get; } =
    [
        new("prolific_pid", ColumnType.Text, "Prolific participant id (only with include_ids=true).", p => p.Participant.ProlificPid),
        new("prolific_study_id", ColumnType.Text, "Prolific study id (only with include_ids=true).", p => p.Participant.ProlificStudyId),
        new("prolific_session_id", ColumnType.Text, "Prolific session id (only with include_ids=true).", p => p.Participant.ProlificSessionId),
        new("mturk_worker_id", ColumnType.Text, "MTurk worker id (only with include_ids=true).", p => p.Participant.MturkWorkerId),
        new("mturk_assignment_id", ColumnType.Text, "MTurk assignment id (only with include_ids=true).", p => p.Participant.MturkAssignmentId),
        new("mturk_hit_id", ColumnType.Text, "MTurk HIT id (only with include_ids=true).", p => p.Participant.MturkHitId),
    ];

    public static IReadOnlyList<ExportColumn<StimulusRow>> StimulusColumns { get; } =
    [
        new("stimulus_id", ColumnType.Integer, "The stimulus, as in answers.csv.", r => r.Stimulus.Id),
        new("experiment", ColumnType.Text, "discrimination, trust, comparison or simulation.", r => r.Stimulus.Experiment),
        new("image", ColumnType.Text, "Image stem in the study pack.", r => r.Image?.Stem),
        new("image_label", ColumnType.Text, "Class of the image's largest ground-truth box.", r => r.ImageLabel),
        new("test_split", ColumnType.Boolean, "Whether the image is in the pack's test split.", r => r.Image?.IsTestSplit),
        new("model_a", ColumnType.Text, "Model key (discrimination, comparison) or model A (trust).", r => r.ModelA),
        new("model_b", ColumnType.Text, "Trust: model B's key; empty otherwise.", r => r.ModelB),
        new("method_a", ColumnType.Text, "Method (discrimination, trust) or method A (comparison).", r => r.Stimulus.MethodA),
        new("method_b", ColumnType.Text, "Comparison: method B; empty otherwise.", r => r.Stimulus.MethodB),
        new("target_class", ColumnType.Text, "Class the explanations are for.", r => r.TargetClass),
        new("distractor_class", ColumnType.Text, "Discrimination, simulation: the other class offered; empty otherwise.", r => r.DistractorClass),
        new("assigned", ColumnType.Integer, "Live plans holding the stimulus (what balanced assignment keeps even).", r => r.Stimulus.AssignedCount),
        new("answered", ColumnType.Integer, "Answers recorded for the stimulus.", r => r.Stimulus.AnsweredCount),
        new("correct_answers", ColumnType.Integer, "Discrimination, simulation: answers that chose the target class (simulation: the model's prediction); empty otherwise.", r => r.CorrectAnswers),
    ];

    public static byte[] Answers(StudySnapshot snapshot) => Write(AnswerColumns, AnswerRow.From(snapshot));

    public static byte[] Participants(StudySnapshot snapshot, bool includeRecruiterIds) =>
        Write(includeRecruiterIds ? [.. ParticipantColumns, .. RecruiterIdColumns] : ParticipantColumns, snapshot.Participants);

    public static byte[] Stimuli(StudySnapshot snapshot) => Write(StimulusColumns, StimulusRow.From(snapshot));

    public static byte[] GateAttempts(StudySnapshot snapshot) => Write(GateAttemptColumns, GateAttemptRow.From(snapshot));

    /// <summary>The codebook: every column of every export with its type and meaning.</summary>
    public static IReadOnlyList<(string File, IReadOnlyList<CodebookEntry> Columns)> Codebook() =>
    [
        ("answers.csv", Entries(AnswerColumns)),
        ("participants.csv", Entries([.. ParticipantColumns, .. RecruiterIdColumns])),
        ("stimuli.csv", Entries(StimulusColumns)),
        ("gate_attempts.csv", Entries(GateAttemptColumns)),
    ];

    public static string CodebookMarkdown(string studyTitle)
    {
        var builder = new StringBuilder();
        builder.Append("# Codebook: ").AppendLine(studyTitle).AppendLine();
        builder.AppendLine("CSV files are UTF-8 without a byte-order mark, comma-separated, with a header row; numbers use a dot as the decimal separator.");
        builder.AppendLine("Empty cells mean \"no value\". Text cells that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, tab or carriage return, and not a plain number such as `-2`) are prefixed with an apostrophe `'`; numbers are never altered.");
        foreach (var (file, columns) in Codebook())
        {
            builder.AppendLine().Append("## ").AppendLine(file).AppendLine();
            builder.AppendLine("| column | type | meaning |").AppendLine("| --- | --- | --- |");
            foreach (var column in columns)
            {
                builder.Append("| ").Append(column.Name).Append(" | ").Append(column.Type).Append(" | ").Append(column.Meaning.Replace("|", "\\|", StringComparison.Ordinal)).AppendLine(" |");
            }
        }
        return builder.ToString();
    }

    /// <summary>Prefixes an apostrophe to text a spreadsheet would run as a formula (see the class comment).</summary>
    public static string NeutraliseText(string text) =>
        text.Length > 0 && Array.IndexOf(FormulaTriggers, text[0]) >= 0 && !PlainNumber().IsMatch(text) ? "'" + text : text;

    [System.Text.RegularExpressions.GeneratedRegex(@"^[+-]?[0-9]+(\.[0-9]+)?$")]
    private static partial System.Text.RegularExpressions.Regex PlainNumber();

    /// <summary>Formats one cell: numbers and times in the invariant culture, text neutralised.</summary>
    public static string Format(object? value) => value switch
    {
        null => "",
        string text => NeutraliseText(text),
        bool flag => flag ? "true" : "false",
        DateTime time => DateTime.SpecifyKind(time, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        double number => number.ToString("R", CultureInfo.InvariantCulture),
        IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
        _ => NeutraliseText(value.ToString() ?? ""),
    };

    private static IReadOnlyList<CodebookEntry> Entries<TRow>(IEnumerable<ExportColumn<TRow>> columns) =>
        columns.Select(c => new CodebookEntry(c.Name, c.Type, c.Meaning)).ToList();

    private static byte[] Write<TRow>(IReadOnlyList<ExportColumn<TRow>> columns, IEnumerable<TRow> rows)
    {
        // Injection handling is ours (text cells only, see the class comment), so CsvHelper's own is off.
        var configuration = new CsvConfiguration(CultureInfo.InvariantCulture) { InjectionOptions = InjectionOptions.None, NewLine = "\n" };
        using var stream = new MemoryStream();
        using (var writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), leaveOpen: true))
        using (var csv = new CsvWriter(writer, configuration))
        {
            foreach (var column in columns)
            {
                csv.WriteField(column.Name);
            }
            csv.NextRecord();
            foreach (var row in rows)
            {
                foreach (var column in columns)
                {
                    csv.WriteField(Format(column.Value(row)));
                }
                csv.NextRecord();
            }
        }
        return stream.ToArray();
    }
}

/// <summary>One answer with the design variables answers.csv reports beside it.</summary>
public sealed record AnswerRow(
    string Participant, Answer Answer, PlanItem? Item, Stimulus? Stimulus, StudyImage? Image,
    string? ModelA, string? ModelB, string? TargetClass, string? DistractorClass,
    string? ShownFirst, string? ShownSecond, bool? Correct, bool Excluded)
{
    public bool IsAttention => Item?.Kind == PlanItemKind.Attention;

    /// <summary>Discrimination and simulation answers store the chosen class index; this is its name.</summary>
    public string? ChosenClass { get; init; }

    /// <summary>What a correct answer chose: the explained class (discrimination) or the model's prediction (simulation).</summary>
    public string? CorrectTarget => Stimulus?.Experiment switch
    {
        ExperimentKind.Discrimination => "explained_class",
        ExperimentKind.Simulation => "model_prediction",
        _ => null,
    };

    /// <summary>The image's ground-truth class name.</summary>
    public string? ImageLabel { get; init; }

    /// <summary>Simulation: whether the model's prediction (the target) is the image's label.</summary>
    public bool? ModelCorrect => Stimulus?.Experiment == ExperimentKind.Simulation && Image is not null ? Stimulus.TargetClass == Image.LabelClass : null;

    public static IEnumerable<AnswerRow> From(StudySnapshot snapshot)
    {
        var participants = snapshot.Participants.ToDictionary(p => p.Participant.Id);
        foreach (var answer in snapshot.Answers)
        {
            var summary = participants[answer.ParticipantId];
            snapshot.PlanItems.TryGetValue(answer.PlanItemId, out var item);
            var stimulusId = answer.StimulusId ?? item?.StimulusId;
            Stimulus? stimulus = stimulusId is { } id && snapshot.Stimuli.TryGetValue(id, out var s) ? s : null;
            if (item?.Kind == PlanItemKind.Attention || stimulus is null)
            {
                var passed = item is not null && item.Kind == PlanItemKind.Attention ? StudySnapshot.PassedAttention(answer, item) : answer.IsCorrect;
                yield return new AnswerRow(summary.AnonymousId, answer, item, null, null, null, null, null, null, null, null, passed, summary.Excluded);
                continue;
            }
            snapshot.Images.TryGetValue(stimulus.ImageId, out var image);
            var modelA = ModelKey(snapshot, stimulus.ModelAId);
            var modelB = stimulus.ModelBId is { } b ? ModelKey(snapshot, b) : null;
            var target = snapshot.ClassName(stimulus.TargetClass);
            var distractor = stimulus.DistractorClass is { } d ? snapshot.ClassName(d) : null;
            var swapped = item?.Swapped ?? false;
            var (first, second) = stimulus.Experiment switch
            {
                ExperimentKind.Discrimination or ExperimentKind.Simulation => (target, distractor),
                ExperimentKind.Trust => (modelA, modelB),
                _ => (stimulus.MethodA, stimulus.MethodB),
            };
            if (swapped)
            {
                (first, second) = (second, first);
            }
            yield return new AnswerRow(summary.AnonymousId, answer, item, stimulus, image, modelA, modelB, target, distractor,
                first, second, answer.IsCorrect, summary.Excluded)
            {
                ImageLabel = image is null ? null : snapshot.ClassName(image.LabelClass),
                ChosenClass = ExperimentKind.ChoosesClass(stimulus.Experiment)
                    && int.TryParse(answer.Choice, NumberStyles.None, CultureInfo.InvariantCulture, out var chosen)
                        ? snapshot.ClassName(chosen)
                        : null,
            };
        }
    }

    internal static string? ModelKey(StudySnapshot snapshot, long id) => snapshot.Models.TryGetValue(id, out var m) ? m.Key : null;
}

/// <summary>One answer to a comprehension-gate question, with the participant's anonymous id and the question's prompt.</summary>
public sealed record GateAttemptRow(string Participant, GateAttempt Attempt, string? Prompt)
{
    public static IEnumerable<GateAttemptRow> From(StudySnapshot snapshot)
    {
        var participants = snapshot.Participants.ToDictionary(p => p.Participant.Id, p => p.AnonymousId);
        var questions = StudyDefinition.Parse(snapshot.Study.DefinitionJson).Comprehension?.Questions ?? [];
        return snapshot.GateAttempts.Select(a => new GateAttemptRow(participants[a.ParticipantId], a,
            a.Question < questions.Count ? questions[a.Question].Prompt : null));
    }
}

/// <summary>One stimulus with names resolved and its correct answers counted.</summary>
public sealed record StimulusRow(Stimulus Stimulus, StudyImage? Image, string? ImageLabel, string? ModelA, string? ModelB,
    string TargetClass, string? DistractorClass, int? CorrectAnswers)
{
    public static IEnumerable<StimulusRow> From(StudySnapshot snapshot)
    {
        var correct = snapshot.Answers.Where(a => a.StimulusId is not null && a.IsCorrect == true)
            .GroupBy(a => a.StimulusId!.Value).ToDictionary(g => g.Key, g => g.Count());
        foreach (var stimulus in snapshot.Stimuli.Values.OrderBy(s => s.Id))
        {
            snapshot.Images.TryGetValue(stimulus.ImageId, out var image);
            yield return new StimulusRow(
                stimulus, image, image is null ? null : snapshot.ClassName(image.LabelClass),
                AnswerRow.ModelKey(snapshot, stimulus.ModelAId),
                stimulus.ModelBId is { } b ? AnswerRow.ModelKey(snapshot, b) : null,
                snapshot.ClassName(stimulus.TargetClass),
                stimulus.DistractorClass is { } d ? snapshot.ClassName(d) : null,
                ExperimentKind.ChoosesClass(stimulus.Experiment) ? correct.GetValueOrDefault(stimulus.Id) : null);
        }
    }
}
