using SquadStudy.Data.Entities;

namespace SquadStudy.Data.Participants;

/// <summary>A participant's server-held state.</summary>
public sealed record ParticipantState(
    long Id, long StudyId, string Token, string Status, int CurrentPosition, int PlanLength,
    string WithdrawalCode, string Source, string? MturkAssignmentId, bool MturkSandbox, bool GatePassed = false);

/// <summary>What a comprehension-gate attempt came to.</summary>
public enum GateOutcome
{
    /// <summary>Every answer was right: the gate is passed and the questions open.</summary>
    Passed,
    /// <summary>Some answer was wrong and attempts remain.</summary>
    Failed,
    /// <summary>Some answer was wrong in the last attempt: the participant is screened out, their slots freed.</summary>
    ScreenedOut,
    /// <summary>Nothing stored: not the next attempt (a repeated or stale POST), the gate already passed, or the participant not active.</summary>
    NotCurrent,
}

/// <summary>One answered gate question of an attempt.</summary>
public sealed record GateAnswer(int Question, string Choice, bool IsCorrect);

/// <summary>A comprehension-gate attempt to store: <see cref="Attempt"/> must be the participant's next (1 + those stored).</summary>
public sealed record GateAttemptWrite(long ParticipantId, int Attempt, int MaxAttempts, IReadOnlyList<GateAnswer> Answers, DateTime NowUtc);

public enum RecordOutcome
{
    /// <summary>The answer was stored and the position advanced.</summary>
    Recorded,
    /// <summary>The position had already moved on (a repeated, stale or concurrent POST): nothing stored.</summary>
    NotCurrent,
}

/// <summary>The stimulus of a plan item, as the question pages need it.</summary>
public sealed record StimulusView(
    long Id, string Experiment, long ImageId, int TargetClass, int? DistractorClass,
    long ModelAId, long? ModelBId, string MethodA, string? MethodB);

/// <summary>One plan position with what is needed to show and check it.</summary>
public sealed record PlanItemView(
    long Id, int Position, string Kind, bool Swapped,
    string? AttentionPrompt, string? AttentionAnswer, string? AttentionOptions, StimulusView? Stimulus);

/// <summary>An answer to store: what <see cref="ParticipantSql.RecordAnswerAsync"/> writes in one transaction.</summary>
public sealed record AnswerWrite(
    long ParticipantId, long PlanItemId, int Position, bool Completes, long? StimulusId,
    string Choice, bool? IsCorrect, int? Score, int ResponseMs, DateTime ShownUtc, DateTime AnsweredUtc)
{
    /// <summary>What the page's quality script reported (stored as a bit set).</summary>
    public InputSignals Signals { get; init; }

    /// <summary>The confidence level chosen with the answer; null when none was asked.</summary>
    public int? Confidence { get; init; }
}

/// <summary>What balanced assignment needs to know of a stimulus.</summary>
public readonly record struct StimulusSlot(long Id, string Experiment, long ImageId, int AssignedCount);

/// <summary>One plan position as stored: a question (stimulus, sides) or an attention check (prompt, answer, options as a JSON array).</summary>
public sealed record PlannedItem(string Kind, long? StimulusId, bool Swapped, string? AttentionPrompt, string? AttentionAnswer, string? AttentionOptionsJson);

/// <summary>
/// What an enrolment needs: the study, who came, the new participant's secrets, the abandonment
/// cutoff, and how to draw a plan from the study's balance counts. The store calls
/// <paramref name="DrawPlan"/> inside the enrolment's transaction, with counts no other enrolment
/// of the study can change until it commits.
/// </summary>
public sealed record Enrolment(
    long StudyId, RecruiterParameters Recruiter, string Token, string WithdrawalCode, DateTime NowUtc, DateTime IdleBeforeUtc,
    Func<IReadOnlyList<StimulusSlot>, IReadOnlyList<PlannedItem>> DrawPlan)
{
    /// <summary>The study's time-limit cutoff (consented before it = timed out), or null when the study has no limit.</summary>
    public DateTime? StartedBeforeUtc { get; init; }

    /// <summary>SHA-256 of the device cookie's id, stored with the participant (the duplicate-device flag).</summary>
    public string? DeviceHash { get; init; }
}

/// <summary>
/// Every read and write of participants, their plans and answers that the participant pages make,
/// with the balance counts those writes change (<see cref="StimulusBalance"/>, the one place that
/// changes them). On SQLite writes go through <see cref="SqliteWriteQueue"/> and reads through
/// <see cref="SqliteReadPool"/> (<see cref="SqliteParticipantStore"/>); on PostgreSQL through
/// <see cref="PostgresParticipantStore"/>. Both run the same statements (<see cref="ParticipantSql"/>).
/// </summary>
public interface IParticipantStore
{
    /// <summary>The participant holding the token in the study, with the plan item at their current position (null once the plan is done).</summary>
    Task<(ParticipantState Participant, PlanItemView? Current)?> FindParticipantAsync(long studyId, string token, CancellationToken cancellationToken);

    /// <summary>The participant a Prolific or MTurk id already enrolled in the study, if any.</summary>
    Task<ParticipantState?> FindByRecruiterAsync(long studyId, RecruiterParameters recruiter, CancellationToken cancellationToken);

    /// <summary>
    /// Stores the answer and advances the participant's position in one transaction, only if the
    /// position still equals the answer's (so a repeated, stale or concurrent POST stores nothing).
    /// Returns once the transaction has committed.
    /// </summary>
    Task<RecordOutcome> RecordAnswerAsync(AnswerWrite answer, CancellationToken cancellationToken);

    /// <summary>
    /// Enrols a consenting participant: frees the study's abandoned plans, draws the whole plan
    /// from the balance counts and reserves its stimuli, all in one transaction that no other
    /// enrolment of the study interleaves with. A recruiter id already enrolled gets its participant back.
    /// </summary>
    Task<ParticipantState> EnrolAsync(Enrolment enrolment, CancellationToken cancellationToken);

    /// <summary>
    /// Marks the study's participants idle since before the cutoff abandoned and, when
    /// <paramref name="startedBeforeUtc"/> is given, those who consented before it timed out; frees
    /// their unanswered stimuli; returns how many changed.
    /// </summary>
    Task<int> ReleaseAbandonedAsync(long studyId, DateTime idleBeforeUtc, DateTime? startedBeforeUtc, DateTime nowUtc, CancellationToken cancellationToken);

    /// <summary>
    /// Ends an active or abandoned participant's plan with <paramref name="status"/> (returned, timed out,
    /// screened out): answers kept, unanswered stimuli freed. False if they had already finished or
    /// ended (nothing changed), so a repeated request is harmless.
    /// </summary>
    Task<bool> EndAsync(long participantId, string status, DateTime nowUtc, CancellationToken cancellationToken);

    /// <summary>Stores a comprehension-gate attempt and its verdict in one transaction (see <see cref="GateOutcome"/>).</summary>
    Task<GateOutcome> RecordGateAttemptAsync(GateAttemptWrite attempt, CancellationToken cancellationToken);

    /// <summary>
    /// An abandoned participant who comes back and goes on: active again, and their unanswered
    /// stimuli reserved again. False if they were not abandoned (nothing changed).
    /// </summary>
    Task<bool> ResumeAsync(long studyId, long participantId, DateTime nowUtc, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes a participant with their plan and answers, gives back the balance counts their plan
    /// held and counts the withdrawal. False if they were already gone.
    /// </summary>
    Task<bool> WithdrawAsync(long participantId, CancellationToken cancellationToken);

    /// <summary>Counts a decline of the study; nothing else about the person is stored.</summary>
    Task DeclineAsync(long studyId, CancellationToken cancellationToken);

    /// <summary>Logs a try to resume a recruiter id's session on a device without its cookie (resume_attempts).</summary>
    Task RecordResumeAttemptAsync(long studyId, long participantId, string outcome, DateTime nowUtc, CancellationToken cancellationToken);
}
