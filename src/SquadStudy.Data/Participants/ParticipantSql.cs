using System.Data.Common;
using System.Globalization;
using SquadStudy.Data.Entities;
using static SquadStudy.Data.Participants.SqlCommands;

namespace SquadStudy.Data.Participants;

/// <summary>
/// The participant statements in the SQL both providers accept (the schema's names are the same
/// on both; see migrations/): every write of participants, plans and answers, and the reads the
/// question pages make. The balance counts change only through <see cref="Balance"/>. The
/// per-question commands are kept per connection: on SQLite a kept command keeps its prepared
/// statement, so the writer does not parse the same SQL thousands of times a second.
/// </summary>
public sealed class ParticipantSql(DbConnection connection) : IDisposable
{
    private DbCommand? advance;
    private DbCommand? complete;
    private DbCommand? insertAnswer;
    private DbCommand? find;

    /// <summary>The balance counts, changed in the same transactions as the rows they count.</summary>
    public StimulusBalance Balance { get; } = new(connection);

    public async Task<RecordOutcome> RecordAnswerAsync(DbTransaction transaction, AnswerWrite answer, CancellationToken cancellationToken)
    {
        // The guard: the position moves only from the position this answer is for, and only for an
        // active participant. Zero rows means another request got there first; store nothing.
        var move = answer.Completes
            ? Kept(connection, ref complete, """
                UPDATE participants SET current_position = @next, last_seen_utc = @now, status = @completed, completed_utc = @now
                WHERE id = @participant AND current_position = @position AND status = @active
                """)
            : Kept(connection, ref advance, """
                UPDATE participants SET current_position = @next, last_seen_utc = @now
                WHERE id = @participant AND current_position = @position AND status = @active
                """);
        (string, object?)[] guard =
            [("@next", answer.Position + 1), ("@now", answer.AnsweredUtc), ("@participant", answer.ParticipantId),
                ("@position", answer.Position), ("@active", ParticipantStatus.Active)];
        var moved = await ExecuteAsync(move, transaction, cancellationToken,
            answer.Completes ? [.. guard, ("@completed", ParticipantStatus.Completed)] : guard);
        if (moved == 0)
        {
            return RecordOutcome.NotCurrent;
        }
        await ExecuteAsync(Kept(connection, ref insertAnswer, """
            INSERT INTO answers (participant_id, plan_item_id, position, stimulus_id, choice, is_correct, score, response_ms, shown_utc, answered_utc, signals, confidence)
            VALUES (@participant, @item, @position, @stimulus, @choice, @correct, @score, @ms, @shown, @answered, @signals, @confidence)
            """), transaction, cancellationToken,
            ("@participant", answer.ParticipantId), ("@item", answer.PlanItemId), ("@position", answer.Position),
            ("@stimulus", answer.StimulusId), ("@choice", answer.Choice), ("@correct", answer.IsCorrect), ("@score", answer.Score),
            ("@ms", answer.ResponseMs), ("@shown", answer.ShownUtc), ("@answered", answer.AnsweredUtc), ("@signals", (int)answer.Signals),
            ("@confidence", answer.Confidence));
        if (answer.StimulusId is long stimulus)
        {
            await Balance.CountAnswerAsync(transaction, stimulus, cancellationToken);
        }
        return RecordOutcome.Recorded;
    }

    /// <summary>
    /// The participant holding <paramref name="token"/> in the study, with the plan item at their
    /// current position (null once the plan is done): one query for what every question page needs.
    /// </summary>
    public async Task<(ParticipantState Participant, PlanItemView? Current)?> FindParticipantAsync(long studyId, string token, CancellationToken cancellationToken)
    {
        var read = Kept(connection, ref find, """
            SELECT p.id, p.status, p.current_position, p.plan_length, p.withdrawal_code, p.source, p.mturk_assignment_id, p.mturk_sandbox,
                i.id, i.kind, i.swapped, i.attention_prompt, i.attention_answer, i.attention_options,
                s.id, s.experiment, s.image_id, s.target_class, s.distractor_class, s.model_a_id, s.model_b_id, s.method_a, s.method_b,
                p.gate_passed
            FROM participants p
            LEFT JOIN plan_items i ON i.participant_id = p.id AND i.position = p.current_position
            LEFT JOIN stimuli s ON s.id = i.stimulus_id
            WHERE p.token = @token AND p.study_id = @study
            """);
        read.Transaction = null;
        SetParameters(read, ("@token", token), ("@study", studyId));
        await using var r = await read.ExecuteReaderAsync(cancellationToken);
        if (!await r.ReadAsync(cancellationToken))
        {
            return null;
        }
        string? Text(int i) => r.IsDBNull(i) ? null : r.GetString(i);
        var participant = new ParticipantState(r.GetInt64(0), studyId, token, r.GetString(1), r.GetInt32(2), r.GetInt32(3),
            r.GetString(4), r.GetString(5), Text(6), r.GetBoolean(7), r.GetBoolean(23));
        if (r.IsDBNull(8))
        {
            return (participant, null);
        }
        var stimulus = r.IsDBNull(14) ? null : new StimulusView(r.GetInt64(14), r.GetString(15), r.GetInt64(16), r.GetInt32(17),
            r.IsDBNull(18) ? null : r.GetInt32(18), r.GetInt64(19), r.IsDBNull(20) ? null : r.GetInt64(20), r.GetString(21), Text(22));
        var item = new PlanItemView(r.GetInt64(8), participant.CurrentPosition, r.GetString(9), r.GetBoolean(10),
            Text(11), Text(12), Text(13), stimulus);
        return (participant, item);
    }

    public async Task<ParticipantState> EnrolAsync(DbTransaction transaction, Enrolment enrolment, CancellationToken cancellationToken)
    {
        if (await FindByRecruiterAsync(transaction, enrolment.StudyId, enrolment.Recruiter, cancellationToken) is { } existing)
        {
            return existing;
        }
        await ReleaseAbandonedAsync(transaction, enrolment.StudyId, enrolment.IdleBeforeUtc, enrolment.StartedBeforeUtc, enrolment.NowUtc, cancellationToken);
        var drawn = enrolment.DrawPlan(await Balance.SlotsAsync(transaction, enrolment.StudyId, cancellationToken));
        var recruiter = enrolment.Recruiter;
        var prolific = recruiter.ProlificPid is not null;
        var mturk = recruiter.MturkWorkerId is not null;
        var completed = drawn.Count == 0;
        var token = enrolment.Token;
        var withdrawalCode = enrolment.WithdrawalCode;
        var status = completed ? ParticipantStatus.Completed : ParticipantStatus.Active;
        long participantId;
        await using (var insert = connection.CreateCommand())
        {
            insert.Transaction = transaction;
            insert.CommandText = """
                INSERT INTO participants (study_id, token, withdrawal_code, source, prolific_pid, prolific_study_id, prolific_session_id,
                    mturk_worker_id, mturk_assignment_id, mturk_hit_id, mturk_sandbox, status, current_position, plan_length,
                    consented_utc, last_seen_utc, completed_utc, device_hash)
                VALUES (@study, @token, @code, @source, @pid, @pstudy, @psession, @worker, @assignment, @hit, @sandbox, @status, 0, @length,
                    @now, @now, @completed, @device)
                RETURNING id
                """;
            AddParameter(insert, "@study", enrolment.StudyId);
            AddParameter(insert, "@token", token);
            AddParameter(insert, "@code", withdrawalCode);
            AddParameter(insert, "@source", recruiter.Source);
            AddParameter(insert, "@pid", recruiter.ProlificPid);
            AddParameter(insert, "@pstudy", prolific ? recruiter.ProlificStudyId : null);
            AddParameter(insert, "@psession", prolific ? recruiter.ProlificSessionId : null);
            AddParameter(insert, "@worker", recruiter.MturkWorkerId);
            AddParameter(insert, "@assignment", mturk ? recruiter.MturkAssignmentId : null);
            AddParameter(insert, "@hit", mturk ? recruiter.MturkHitId : null);
            AddParameter(insert, "@sandbox", mturk && recruiter.MturkSandbox);
            AddParameter(insert, "@status", status);
            AddParameter(insert, "@length", drawn.Count);
            AddParameter(insert, "@now", enrolment.NowUtc);
            AddParameter(insert, "@completed", completed ? enrolment.NowUtc : null);
            AddParameter(insert, "@device", enrolment.DeviceHash);
            participantId = Convert.ToInt64(await insert.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
        }
        await ExecuteRowsAsync(connection, transaction,
            "INSERT INTO plan_items (participant_id, position, kind, stimulus_id, swapped, attention_prompt, attention_answer, attention_options) VALUES ",
            "(@participant{0}, @position{0}, @kind{0}, @stimulus{0}, @swapped{0}, @prompt{0}, @answer{0}, @options{0})", ", ", "",
            drawn.Select((item, position) => new object?[]
            {
                participantId, position, item.Kind, item.StimulusId, item.Swapped, item.AttentionPrompt, item.AttentionAnswer, item.AttentionOptionsJson,
            }).ToList(), cancellationToken);
        await Balance.ReserveAsync(transaction, drawn.Where(d => d.StimulusId is not null).Select(d => d.StimulusId!.Value).Distinct().ToList(), cancellationToken);
        return new ParticipantState(participantId, enrolment.StudyId, token, status, 0, drawn.Count, withdrawalCode,
            recruiter.Source, mturk ? recruiter.MturkAssignmentId : null, mturk && recruiter.MturkSandbox);
    }

    /// <summary>The participant a Prolific or MTurk id already enrolled in the study, if any.</summary>
    public async Task<ParticipantState?> FindByRecruiterAsync(DbTransaction? transaction, long studyId, RecruiterParameters recruiter, CancellationToken cancellationToken)
    {
        var (column, id) = recruiter switch
        {
            { ProlificPid: string pid } => ("prolific_pid", pid),
            { MturkWorkerId: string worker } => ("mturk_worker_id", worker),
            _ => (null, null),
        };
        if (column is null)
        {
            return null;
        }
        await using var read = connection.CreateCommand();
        read.Transaction = transaction;
        read.CommandText = $"""
            SELECT id, token, status, current_position, plan_length, withdrawal_code, source, mturk_assignment_id, mturk_sandbox, gate_passed
            FROM participants WHERE study_id = @study AND {column} = @id
            """;
        AddParameter(read, "@study", studyId);
        AddParameter(read, "@id", id);
        await using var reader = await read.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        return new ParticipantState(reader.GetInt64(0), studyId, reader.GetString(1), reader.GetString(2), reader.GetInt32(3), reader.GetInt32(4),
            reader.GetString(5), reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetString(7), reader.GetBoolean(8), reader.GetBoolean(9));
    }

    /// <summary>
    /// Marks the study's active participants last seen before the cutoff abandoned and gives back the
    /// stimuli of their unanswered positions. A participant who answered meanwhile (position moved)
    /// is left alone. With a time limit, active and abandoned participants who consented before
    /// <paramref name="startedBeforeUtc"/> are timed out first (<see cref="EndAsync"/>).
    /// </summary>
    public async Task<int> ReleaseAbandonedAsync(DbTransaction transaction, long studyId, DateTime idleBeforeUtc, DateTime? startedBeforeUtc, DateTime nowUtc, CancellationToken cancellationToken)
    {
        var released = 0;
        if (startedBeforeUtc is { } started)
        {
            var late = new List<long>();
            await using (var read = Create(connection, transaction,
                "SELECT id FROM participants WHERE study_id = @study AND status IN (@active, @abandoned) AND consented_utc < @cutoff",
                ("@study", studyId), ("@active", ParticipantStatus.Active), ("@abandoned", ParticipantStatus.Abandoned), ("@cutoff", started)))
            await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    late.Add(reader.GetInt64(0));
                }
            }
            foreach (var id in late)
            {
                released += await EndAsync(transaction, id, ParticipantStatus.TimedOut, nowUtc, cancellationToken) ? 1 : 0;
            }
        }
        var idle = new List<(long Id, int Position)>();
        await using (var read = connection.CreateCommand())
        {
            read.Transaction = transaction;
            read.CommandText = "SELECT id, current_position FROM participants WHERE study_id = @study AND status = @active AND last_seen_utc < @cutoff";
            AddParameter(read, "@study", studyId);
            AddParameter(read, "@active", ParticipantStatus.Active);
            AddParameter(read, "@cutoff", idleBeforeUtc);
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                idle.Add((reader.GetInt64(0), reader.GetInt32(1)));
            }
        }
        foreach (var (id, position) in idle)
        {
            await using var mark = connection.CreateCommand();
            mark.Transaction = transaction;
            mark.CommandText = "UPDATE participants SET status = @abandoned WHERE id = @participant AND status = @active AND current_position = @position";
            AddParameter(mark, "@abandoned", ParticipantStatus.Abandoned);
            AddParameter(mark, "@participant", id);
            AddParameter(mark, "@active", ParticipantStatus.Active);
            AddParameter(mark, "@position", position);
            if (await mark.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                continue;
            }
            released++;
            await Balance.ReleaseRemainingAsync(transaction, id, position, cancellationToken);
        }
        return released;
    }

    /// <summary>
    /// Ends an active or abandoned participant's plan with <paramref name="status"/> at
    /// <paramref name="nowUtc"/> (for a time-out: when the sweep found it): answers kept, the unanswered stimuli an active plan still held given back. The
    /// update is guarded by the status and position read, so a concurrent answer or a second request
    /// changes nothing twice. False if they had already finished or ended.
    /// </summary>
    public async Task<bool> EndAsync(DbTransaction transaction, long participantId, string status, DateTime nowUtc, CancellationToken cancellationToken)
    {
        string was;
        int position;
        await using (var read = Create(connection, transaction, "SELECT status, current_position FROM participants WHERE id = @participant",
            ("@participant", participantId)))
        await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
        {
            if (!await reader.ReadAsync(cancellationToken))
            {
                return false;
            }
            (was, position) = (reader.GetString(0), reader.GetInt32(1));
        }
        if (was is not (ParticipantStatus.Active or ParticipantStatus.Abandoned))
        {
            return false;
        }
        var changed = await ExecuteOnceAsync(connection, transaction, """
            UPDATE participants SET status = @status, ended_utc = @ended
            WHERE id = @participant AND status = @was AND current_position = @position
            """, cancellationToken, ("@status", status), ("@ended", nowUtc), ("@participant", participantId), ("@was", was), ("@position", position));
        if (changed == 0)
        {
            return false;
        }
        if (was == ParticipantStatus.Active)
        {
            await Balance.ReleaseRemainingAsync(transaction, participantId, position, cancellationToken);
        }
        return true;
    }

    /// <summary>
    /// Stores one comprehension-gate attempt if it is the participant's next one and they are active
    /// and have not passed yet; all answers right passes the gate, a wrong answer in the last allowed
    /// attempt screens the participant out (<see cref="EndAsync"/>). All in the caller's transaction.
    /// </summary>
    public async Task<GateOutcome> RecordGateAttemptAsync(DbTransaction transaction, GateAttemptWrite attempt, CancellationToken cancellationToken)
    {
        await using (var read = Create(connection, transaction, """
            SELECT p.status, p.gate_passed, (SELECT COALESCE(MAX(a.attempt), 0) FROM gate_attempts a WHERE a.participant_id = p.id)
            FROM participants p WHERE p.id = @participant
            """, ("@participant", attempt.ParticipantId)))
        await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
        {
            if (!await reader.ReadAsync(cancellationToken) || reader.GetString(0) != ParticipantStatus.Active || reader.GetBoolean(1)
                || Convert.ToInt32(reader.GetValue(2), CultureInfo.InvariantCulture) + 1 != attempt.Attempt || attempt.Attempt > attempt.MaxAttempts)
            {
                return GateOutcome.NotCurrent;
            }
        }
        await ExecuteRowsAsync(connection, transaction,
            "INSERT INTO gate_attempts (participant_id, attempt, question, choice, is_correct, answered_utc) VALUES ",
            "(@participant{0}, @attempt{0}, @question{0}, @choice{0}, @correct{0}, @now{0})", ", ", "",
            attempt.Answers.Select(a => new object?[] { attempt.ParticipantId, attempt.Attempt, a.Question, a.Choice, a.IsCorrect, attempt.NowUtc }).ToList(),
            cancellationToken);
        if (attempt.Answers.All(a => a.IsCorrect))
        {
            await ExecuteOnceAsync(connection, transaction, "UPDATE participants SET gate_passed = @passed, last_seen_utc = @now WHERE id = @participant",
                cancellationToken, ("@passed", true), ("@now", attempt.NowUtc), ("@participant", attempt.ParticipantId));
            return GateOutcome.Passed;
        }
        if (attempt.Attempt < attempt.MaxAttempts)
        {
            return GateOutcome.Failed;
        }
        await EndAsync(transaction, attempt.ParticipantId, ParticipantStatus.ScreenedOut, attempt.NowUtc, cancellationToken);
        return GateOutcome.ScreenedOut;
    }

    /// <summary>An abandoned participant goes on: active again, their unanswered stimuli reserved again. False if they were not abandoned.</summary>
    public async Task<bool> ResumeAsync(DbTransaction transaction, long participantId, DateTime nowUtc, CancellationToken cancellationToken)
    {
        int position;
        await using (var resume = Create(connection, transaction, """
            UPDATE participants SET status = @active, last_seen_utc = @now WHERE id = @participant AND status = @abandoned
            RETURNING current_position
            """, ("@active", ParticipantStatus.Active), ("@now", nowUtc), ("@participant", participantId), ("@abandoned", ParticipantStatus.Abandoned)))
        {
            if (await resume.ExecuteScalarAsync(cancellationToken) is not { } moved || moved is DBNull)
            {
                return false;
            }
            position = Convert.ToInt32(moved, CultureInfo.InvariantCulture);
        }
        await Balance.ReserveRemainingAsync(transaction, participantId, position, cancellationToken);
        return true;
    }

    /// <summary>The study a participant belongs to; null if there is no such participant.</summary>
    public async Task<long?> StudyOfAsync(DbTransaction? transaction, long participantId, CancellationToken cancellationToken)
    {
        await using var read = Create(connection, transaction, "SELECT study_id FROM participants WHERE id = @participant", ("@participant", participantId));
        return await read.ExecuteScalarAsync(cancellationToken) is { } study and not DBNull ? Convert.ToInt64(study, CultureInfo.InvariantCulture) : null;
    }

    /// <summary>
    /// Deletes the participant and, by cascade, their plan and answers; gives back the balance
    /// counts their plan held and counts the withdrawal. False if they were already gone.
    /// </summary>
    public async Task<bool> WithdrawAsync(DbTransaction transaction, long participantId, CancellationToken cancellationToken)
    {
        long studyId;
        string status;
        int position;
        await using (var read = Create(connection, transaction, "SELECT study_id, status, current_position FROM participants WHERE id = @participant",
            ("@participant", participantId)))
        await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
        {
            if (!await reader.ReadAsync(cancellationToken))
            {
                return false;
            }
            (studyId, status, position) = (reader.GetInt64(0), reader.GetString(1), reader.GetInt32(2));
        }
        // An abandoned or ended (returned, timed-out, screened-out) plan already gave back its unanswered positions.
        await Balance.ReleaseWithdrawnAsync(transaction, participantId, ParticipantStatus.ReleasedRemaining(status) ? position : int.MaxValue, cancellationToken);
        await ExecuteOnceAsync(connection, transaction, "DELETE FROM participants WHERE id = @participant", cancellationToken, ("@participant", participantId));
        await ExecuteOnceAsync(connection, transaction, "UPDATE studies SET withdrawal_count = withdrawal_count + 1 WHERE id = @study", cancellationToken,
            ("@study", studyId));
        return true;
    }

    /// <summary>Counts a decline of the study.</summary>
    public Task DeclineAsync(DbTransaction transaction, long studyId, CancellationToken cancellationToken) =>
        ExecuteOnceAsync(connection, transaction, "UPDATE studies SET decline_count = decline_count + 1 WHERE id = @study", cancellationToken, ("@study", studyId));

    public Task RecordResumeAttemptAsync(DbTransaction transaction, long studyId, long participantId, string outcome, DateTime nowUtc, CancellationToken cancellationToken) =>
        ExecuteOnceAsync(connection, transaction,
            "INSERT INTO resume_attempts (study_id, participant_id, attempted_utc, outcome) VALUES (@study, @participant, @now, @outcome)",
            cancellationToken, ("@study", studyId), ("@participant", participantId), ("@now", nowUtc), ("@outcome", outcome));

    public void Dispose()
    {
        foreach (var command in new[] { advance, complete, insertAnswer, find })
        {
            command?.Dispose();
        }
        Balance.Dispose();
    }
}
