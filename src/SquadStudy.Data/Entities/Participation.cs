namespace SquadStudy.Data.Entities;

public static class ParticipantStatus
{
    public const string Active = "active";
    public const string Completed = "completed";
    /// <summary>Idle past the study's <c>abandon_after_minutes</c>: slots freed, may come back and resume.</summary>
    public const string Abandoned = "abandoned";
    /// <summary>Chose "return this study" (Prolific's RETURNED, MTurk's returned HIT): answers kept, slots freed, no resuming.</summary>
    public const string Returned = "returned";
    /// <summary>Past the study's <c>time_limit_minutes</c> since consent (Prolific's TIMED-OUT): answers kept, slots freed, no resuming.</summary>
    public const string TimedOut = "timed_out";
    /// <summary>Failed the comprehension gate (Prolific's SCREENED OUT): slots freed, no resuming.</summary>
    public const string ScreenedOut = "screened_out";

    /// <summary>Every status, in the order the dashboard lists them.</summary>
    public static IReadOnlyList<string> All { get; } = [Active, Completed, Abandoned, Returned, TimedOut, ScreenedOut];

    /// <summary>An ending before the plan was done: the participant cannot go on, and their unanswered slots were freed.</summary>
    public static bool IsEnded(string status) => status is Returned or TimedOut or ScreenedOut;

    /// <summary>The plan's unanswered positions were already given back (abandoned or ended).</summary>
    public static bool ReleasedRemaining(string status) => status == Abandoned || IsEnded(status);
}

/// <summary>
/// A participant who consented. Token and withdrawal code are random (≥ 128 bits) and unique;
/// deleting the row (withdrawal) deletes the plan and every answer with it.
/// </summary>
public sealed class Participant
{
    public long Id { get; set; }
    public long StudyId { get; set; }
    public required string Token { get; set; }
    public required string WithdrawalCode { get; set; }
    /// <summary><c>prolific</c>, <c>mturk</c> or <c>direct</c>.</summary>
    public required string Source { get; set; }
    public string? ProlificPid { get; set; }
    public string? ProlificStudyId { get; set; }
    public string? ProlificSessionId { get; set; }
    public string? MturkWorkerId { get; set; }
    public string? MturkAssignmentId { get; set; }
    public string? MturkHitId { get; set; }
    /// <summary>MTurk's <c>turkSubmitTo</c> named the worker sandbox: completion posts there.</summary>
    public bool MturkSandbox { get; set; }
    public string Status { get; set; } = ParticipantStatus.Active;
    /// <summary>Position (0-based) of the next plan item to answer; the server holds it.</summary>
    public int CurrentPosition { get; set; }
    public int PlanLength { get; set; }
    public DateTime ConsentedUtc { get; set; }
    public DateTime LastSeenUtc { get; set; }
    public DateTime? CompletedUtc { get; set; }
    /// <summary>When the participant returned, timed out or was screened out.</summary>
    public DateTime? EndedUtc { get; set; }
    /// <summary>Passed the study's comprehension gate (always false for a study without one).</summary>
    public bool GatePassed { get; set; }
    /// <summary>SHA-256 (hex) of the device cookie's random id at enrolment; null when the browser sent none and took none.</summary>
    public string? DeviceHash { get; set; }
    public List<PlanItem> Plan { get; set; } = [];
    public List<Answer> Answers { get; set; } = [];
}

public static class PlanItemKind
{
    public const string Question = "question";
    public const string Attention = "attention";
}

/// <summary>One position of a participant's plan, drawn whole at enrolment.</summary>
public sealed class PlanItem
{
    public long Id { get; set; }
    public long ParticipantId { get; set; }
    public int Position { get; set; }
    public required string Kind { get; set; }
    public long? StimulusId { get; set; }
    /// <summary>Option order (discrimination) or sides (trust, comparison): true = swapped.</summary>
    public bool Swapped { get; set; }
    public string? AttentionPrompt { get; set; }
    public string? AttentionAnswer { get; set; }
    /// <summary>The instructed-response options as a JSON array of strings, in display order.</summary>
    public string? AttentionOptions { get; set; }
    public Stimulus? Stimulus { get; set; }
}

/// <summary>An answer; unique per plan item and per (participant, position) in the database.</summary>
public sealed class Answer
{
    public long Id { get; set; }
    public long ParticipantId { get; set; }
    public long PlanItemId { get; set; }
    public int Position { get; set; }
    public long? StimulusId { get; set; }
    public required string Choice { get; set; }
    public bool? IsCorrect { get; set; }
    /// <summary>Trust: score for model A (+2 … −2); comparison: +1 A, 0 same, −1 B.</summary>
    public int? Score { get; set; }
    /// <summary>The confidence level chosen with the answer, 1 (least) … the scale's levels; null when the experiment asks none (study.json <c>confidence</c>).</summary>
    public int? Confidence { get; set; }
    /// <summary><see cref="AnsweredUtc"/> − <see cref="ShownUtc"/>, server-measured.</summary>
    public int ResponseMs { get; set; }
    /// <summary>When the page this answer was given on was rendered (a signed time in the form, docs/participants.md).</summary>
    public DateTime ShownUtc { get; set; }
    public DateTime AnsweredUtc { get; set; }
    /// <summary>What the page's quality script reported while the question was shown.</summary>
    public InputSignals Signals { get; set; }
}

/// <summary>What the question page's quality script (wwwroot/js/quality.js) saw while a question was shown.</summary>
[Flags]
public enum InputSignals
{
    None = 0,
    /// <summary>The page was hidden (another tab, minimised) or lost focus.</summary>
    Hidden = 1,
    /// <summary>Something was pasted.</summary>
    Pasted = 2,
    /// <summary>An input event not generated by the user (<c>isTrusted</c> false): a script clicked or typed.</summary>
    Untrusted = 4,
    /// <summary>The form was submitted without any trusted pointer or key event (or without the script running at all).</summary>
    NoTrustedInput = 8,
}

/// <summary>One answer to one comprehension-gate question in one attempt.</summary>
public sealed class GateAttempt
{
    public long Id { get; set; }
    public long ParticipantId { get; set; }
    /// <summary>1 for the first attempt.</summary>
    public int Attempt { get; set; }
    /// <summary>The question's index in study.json <c>comprehension.questions</c>.</summary>
    public int Question { get; set; }
    public required string Choice { get; set; }
    public bool IsCorrect { get; set; }
    public DateTime AnsweredUtc { get; set; }
}

public static class ResumeOutcome
{
    /// <summary>The right resume code: the device now holds the session.</summary>
    public const string Resumed = "resumed";
    /// <summary>A wrong resume code: nothing handed over.</summary>
    public const string WrongCode = "wrong_code";
}

/// <summary>Someone opened a recruiter id's study link on a device without its session and tried a resume code.</summary>
public sealed class ResumeAttempt
{
    public long Id { get; set; }
    public long StudyId { get; set; }
    public long ParticipantId { get; set; }
    public DateTime AttemptedUtc { get; set; }
    public required string Outcome { get; set; }
}
