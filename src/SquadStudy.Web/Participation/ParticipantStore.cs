using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using SquadStudy.Data;
using SquadStudy.Data.Entities;

namespace SquadStudy.Web.Participation;

/// <summary>An answer to store: what <see cref="ParticipantSql.RecordAnswerAsync"/> writes in one transaction.</summary>
public sealed record AnswerWrite(
    long ParticipantId, long PlanItemId, int Position, bool Completes, long? StimulusId,
    string Choice, bool? IsCorrect, int? Score, int ResponseMs, DateTime ShownUtc, DateTime AnsweredUtc);

/// <summary>
/// What every question page reads and writes: the participant with their current question, the
/// question marked shown (GET), its answer stored (POST), and enrolment and abandonment, which
/// change the balance counts. On SQLite writes go through <see cref="SqliteWriteQueue"/> and reads
/// through <see cref="SqliteReadPool"/> (<see cref="SqliteParticipantStore"/>); on PostgreSQL
/// through <see cref="PostgresParticipantStore"/>. Both run the same statements (<see cref="ParticipantSql"/>).
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

    /// <summary>Records the first time a plan item was shown (later views keep it) and when the participant was last seen.</summary>
    Task MarkShownAsync(long participantId, long planItemId, DateTime nowUtc, CancellationToken cancellationToken);

    /// <summary>
    /// Enrols a consenting participant: frees the study's abandoned plans, draws the whole plan
    /// from the balance counts and reserves its stimuli, all in one transaction that no other
    /// enrolment of the study interleaves with. A recruiter id already enrolled gets its participant back.
    /// </summary>
    Task<ParticipantState> EnrolAsync(Enrolment enrolment, CancellationToken cancellationToken);

    /// <summary>Marks the study's participants idle since before the cutoff abandoned and frees their unanswered stimuli; returns how many.</summary>
    Task<int> ReleaseAbandonedAsync(long studyId, DateTime idleBeforeUtc, CancellationToken cancellationToken);
}

/// <summary>What an enrolment needs: the study, its plan definition, who came, and the abandonment cutoff.</summary>
public sealed record Enrolment(long StudyId, StudyDefinition Definition, RecruiterParameters Recruiter, DateTime NowUtc, DateTime IdleBeforeUtc);

/// <summary>
/// The per-question statements in the SQL both providers accept (the schema's names are the same
/// on both; see migrations/). Commands are kept per connection: on SQLite a kept command keeps its
/// prepared statement, so the writer does not parse the same SQL thousands of times a second.
/// </summary>
public sealed class ParticipantSql(DbConnection connection) : IDisposable
{
    private DbCommand? advance;
    private DbCommand? complete;
    private DbCommand? insertAnswer;
    private DbCommand? countAnswer;
    private DbCommand? markShown;
    private DbCommand? touch;
    private DbCommand? find;

    public async Task<RecordOutcome> RecordAnswerAsync(DbTransaction transaction, AnswerWrite answer, CancellationToken cancellationToken)
    {
        // The guard: the position moves only from the position this answer is for, and only for an
        // active participant. Zero rows means another request got there first; store nothing.
        var move = answer.Completes
            ? Command(ref complete, """
                UPDATE participants SET current_position = @next, last_seen_utc = @now, status = @completed, completed_utc = @now
                WHERE id = @participant AND current_position = @position AND status = @active
                """)
            : Command(ref advance, """
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
        await ExecuteAsync(Command(ref insertAnswer, """
            INSERT INTO answers (participant_id, plan_item_id, position, stimulus_id, choice, is_correct, score, response_ms, shown_utc, answered_utc)
            VALUES (@participant, @item, @position, @stimulus, @choice, @correct, @score, @ms, @shown, @answered)
            """), transaction, cancellationToken,
            ("@participant", answer.ParticipantId), ("@item", answer.PlanItemId), ("@position", answer.Position),
            ("@stimulus", answer.StimulusId), ("@choice", answer.Choice), ("@correct", answer.IsCorrect), ("@score", answer.Score),
            ("@ms", answer.ResponseMs), ("@shown", answer.ShownUtc), ("@answered", answer.AnsweredUtc));
        if (answer.StimulusId is long stimulus)
        {
            await ExecuteAsync(Command(ref countAnswer, "UPDATE stimuli SET answered_count = answered_count + 1 WHERE id = @stimulus"),
                transaction, cancellationToken, ("@stimulus", stimulus));
        }
        return RecordOutcome.Recorded;
    }

    public async Task MarkShownAsync(DbTransaction transaction, long participantId, long planItemId, DateTime nowUtc, CancellationToken cancellationToken)
    {
        await ExecuteAsync(Command(ref markShown, "UPDATE plan_items SET shown_utc = @now WHERE id = @item AND participant_id = @participant AND shown_utc IS NULL"),
            transaction, cancellationToken, ("@now", nowUtc), ("@item", planItemId), ("@participant", participantId));
        await ExecuteAsync(Command(ref touch, "UPDATE participants SET last_seen_utc = @now WHERE id = @participant"),
            transaction, cancellationToken, ("@now", nowUtc), ("@participant", participantId));
    }

    /// <summary>
    /// The participant holding <paramref name="token"/> in the study, with the plan item at their
    /// current position (null once the plan is done): one query for what every question page needs.
    /// </summary>
    public async Task<(ParticipantState Participant, PlanItemView? Current)?> FindParticipantAsync(long studyId, string token, CancellationToken cancellationToken)
    {
        var read = Command(ref find, """
            SELECT p.id, p.status, p.current_position, p.plan_length, p.withdrawal_code, p.source, p.mturk_assignment_id, p.mturk_sandbox,
                i.id, i.kind, i.swapped, i.shown_utc, i.attention_prompt, i.attention_answer, i.attention_options,
                s.id, s.experiment, s.image_id, s.target_class, s.distractor_class, s.model_a_id, s.model_b_id, s.method_a, s.method_b
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
            r.GetString(4), r.GetString(5), Text(6), r.GetBoolean(7));
        if (r.IsDBNull(8))
        {
            return (participant, null);
        }
        var stimulus = r.IsDBNull(15) ? null : new StimulusView(r.GetInt64(15), r.GetString(16), r.GetInt64(17), r.GetInt32(18),
            r.IsDBNull(19) ? null : r.GetInt32(19), r.GetInt64(20), r.IsDBNull(21) ? null : r.GetInt64(21), r.GetString(22), Text(23));
        // SQLite returns stored times without a kind; every time in the schema is UTC.
        var shown = r.IsDBNull(11) ? (DateTime?)null : DateTime.SpecifyKind(r.GetDateTime(11), DateTimeKind.Utc);
        var item = new PlanItemView(r.GetInt64(8), participant.CurrentPosition, r.GetString(9), r.GetBoolean(10), shown,
            Text(12), Text(13), Text(14), stimulus);
        return (participant, item);
    }

    public async Task<ParticipantState> EnrolAsync(DbTransaction transaction, Enrolment enrolment, CancellationToken cancellationToken)
    {
        if (await FindByRecruiterAsync(transaction, enrolment.StudyId, enrolment.Recruiter, cancellationToken) is { } existing)
        {
            return existing;
        }
        await ReleaseAbandonedAsync(transaction, enrolment.StudyId, enrolment.IdleBeforeUtc, cancellationToken);
        var slots = new List<StimulusSlot>();
        await using (var read = connection.CreateCommand())
        {
            read.Transaction = transaction;
            read.CommandText = "SELECT id, experiment, image_id, assigned_count FROM stimuli WHERE study_id = @study ORDER BY id";
            AddParameter(read, "@study", enrolment.StudyId);
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                slots.Add(new StimulusSlot(reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt32(3)));
            }
        }
        var drawn = PlanDrawer.Draw(enrolment.Definition, slots, Random.Shared);
        var recruiter = enrolment.Recruiter;
        var prolific = recruiter.ProlificPid is not null;
        var mturk = recruiter.MturkWorkerId is not null;
        var completed = drawn.Count == 0;
        var token = Secrets.NewToken();
        var withdrawalCode = Secrets.NewWithdrawalCode();
        var status = completed ? ParticipantStatus.Completed : ParticipantStatus.Active;
        long participantId;
        await using (var insert = connection.CreateCommand())
        {
            insert.Transaction = transaction;
            insert.CommandText = """
                INSERT INTO participants (study_id, token, withdrawal_code, source, prolific_pid, prolific_study_id, prolific_session_id,
                    mturk_worker_id, mturk_assignment_id, mturk_hit_id, mturk_sandbox, status, current_position, plan_length,
                    consented_utc, last_seen_utc, completed_utc)
                VALUES (@study, @token, @code, @source, @pid, @pstudy, @psession, @worker, @assignment, @hit, @sandbox, @status, 0, @length,
                    @now, @now, @completed)
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
            participantId = Convert.ToInt64(await insert.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        }
        await ExecuteRowsAsync(transaction,
            "INSERT INTO plan_items (participant_id, position, kind, stimulus_id, swapped, attention_prompt, attention_answer, attention_options) VALUES ",
            "(@participant{0}, @position{0}, @kind{0}, @stimulus{0}, @swapped{0}, @prompt{0}, @answer{0}, @options{0})", ", ", "",
            drawn.Select((item, position) => new object?[]
            {
                participantId, position, item.Kind, item.StimulusId, item.Swapped, item.Check?.Prompt, item.Check?.Answer,
                item.Check is null ? null : System.Text.Json.JsonSerializer.Serialize(item.Check.Options),
            }).ToList(), cancellationToken);
        var chosen = drawn.Where(d => d.StimulusId is not null).Select(d => (object?[])[d.StimulusId!.Value]).DistinctBy(v => v[0]).ToList();
        await ExecuteRowsAsync(transaction, "UPDATE stimuli SET assigned_count = assigned_count + 1 WHERE id IN (", "@id{0}", ", ", ")", chosen, cancellationToken);
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
            SELECT id, token, status, current_position, plan_length, withdrawal_code, source, mturk_assignment_id, mturk_sandbox
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
            reader.GetString(5), reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetString(7), reader.GetBoolean(8));
    }

    /// <summary>
    /// Marks the study's active participants last seen before the cutoff abandoned and gives back the
    /// stimuli of their unanswered positions. A participant who answered meanwhile (position moved)
    /// is left alone.
    /// </summary>
    public async Task<int> ReleaseAbandonedAsync(DbTransaction transaction, long studyId, DateTime idleBeforeUtc, CancellationToken cancellationToken)
    {
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
        var released = 0;
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
            await using var free = connection.CreateCommand();
            free.Transaction = transaction;
            free.CommandText = """
                UPDATE stimuli SET assigned_count = assigned_count - 1
                WHERE id IN (SELECT stimulus_id FROM plan_items WHERE participant_id = @participant AND position >= @position AND stimulus_id IS NOT NULL)
                """;
            AddParameter(free, "@participant", id);
            AddParameter(free, "@position", position);
            await free.ExecuteNonQueryAsync(cancellationToken);
        }
        return released;
    }

    /// <summary>
    /// Runs <c>head + row(0) + separator + row(1) … + tail</c> for the rows, several rows per
    /// statement on PostgreSQL (one round trip) but one row per statement on SQLite, where binding
    /// a parameter by name scans every name of the statement (hundreds of parameters cost
    /// quadratically) and one kept statement re-executed is cheapest. <paramref name="row"/> holds
    /// <c>{0}</c> where each parameter name takes the row's number within the statement.
    /// </summary>
    private async Task ExecuteRowsAsync(DbTransaction transaction, string head, string row, string separator, string tail,
        IReadOnlyList<object?[]> rows, CancellationToken cancellationToken)
    {
        var rowsPerStatement = connection is Microsoft.Data.Sqlite.SqliteConnection ? 1 : 200;
        DbCommand? command = null;
        var commandRows = 0;
        try
        {
            for (var start = 0; start < rows.Count; start += rowsPerStatement)
            {
                var count = Math.Min(rowsPerStatement, rows.Count - start);
                if (command is null || commandRows != count)
                {
                    command?.Dispose();
                    command = connection.CreateCommand();
                    command.Transaction = transaction;
                    command.CommandText = head + string.Join(separator, Enumerable.Range(0, count)
                        .Select(r => string.Format(System.Globalization.CultureInfo.InvariantCulture, row, r))) + tail;
                    commandRows = count;
                    for (var r = 0; r < count; r++)
                    {
                        foreach (var name in ParameterNames(row, r))
                        {
                            AddParameter(command, name, null);
                        }
                    }
                }
                var index = 0;
                for (var r = 0; r < count; r++)
                {
                    foreach (var value in rows[start + r])
                    {
                        command.Parameters[index].Value = Value(command.Parameters[index].ParameterName, value);
                        index++;
                    }
                }
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
        }
        finally
        {
            command?.Dispose();
        }
    }

    /// <summary>The parameter names of one row template, in order of appearance.</summary>
    private static IEnumerable<string> ParameterNames(string row, int number) =>
        System.Text.RegularExpressions.Regex.Matches(string.Format(System.Globalization.CultureInfo.InvariantCulture, row, number), @"@\w+")
            .Select(m => m.Value);

    private static void AddParameter(DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = Value(name, value);
        command.Parameters.Add(parameter);
    }

    private static object Value(string name, object? value) => value switch
    {
        null => DBNull.Value,
        DateTime t when t.Kind != DateTimeKind.Utc => throw new ArgumentException($"{name} must be a UTC time.", nameof(value)),
        _ => value,
    };

    private DbCommand Command(ref DbCommand? slot, string sql)
    {
        if (slot is null)
        {
            slot = connection.CreateCommand();
            slot.CommandText = sql;
        }
        return slot;
    }

    private static Task<int> ExecuteAsync(DbCommand command, DbTransaction transaction, CancellationToken cancellationToken, params (string Name, object? Value)[] values)
    {
        command.Transaction = transaction;
        SetParameters(command, values);
        return command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Sets a kept command's parameters: added the first time, then updated in place by position
    /// (each kept command is always called with the same names in the same order).
    /// </summary>
    private static void SetParameters(DbCommand command, params (string Name, object? Value)[] values)
    {
        if (command.Parameters.Count == 0)
        {
            foreach (var (name, value) in values)
            {
                AddParameter(command, name, value);
            }
            return;
        }
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = Value(values[i].Name, values[i].Value);
        }
    }

    public void Dispose()
    {
        foreach (var command in new[] { advance, complete, insertAnswer, countAnswer, markShown, touch, find })
        {
            command?.Dispose();
        }
    }
}

/// <summary>
/// PostgreSQL runs the per-question reads and writes on the request's own connection, the writes each in its own
/// transaction: it has row locks, so concurrent participants write at once, and the guard's
/// <c>UPDATE … WHERE current_position = @position</c> makes a concurrent duplicate wait for the
/// first and then find the position moved.
/// </summary>
public sealed class PostgresParticipantStore(SquadStudyDbContext db) : IParticipantStore
{
    public Task<(ParticipantState Participant, PlanItemView? Current)?> FindParticipantAsync(long studyId, string token, CancellationToken cancellationToken) =>
        ReadAsync(sql => sql.FindParticipantAsync(studyId, token, cancellationToken), cancellationToken);

    public Task<ParticipantState?> FindByRecruiterAsync(long studyId, RecruiterParameters recruiter, CancellationToken cancellationToken) =>
        ReadAsync(sql => sql.FindByRecruiterAsync(null, studyId, recruiter, cancellationToken), cancellationToken);

    private async Task<T> ReadAsync<T>(Func<ParticipantSql, Task<T>> read, CancellationToken cancellationToken)
    {
        // Kept open until the request's context is disposed (EF counts the opens).
        await db.Database.OpenConnectionAsync(cancellationToken);
        using var sql = new ParticipantSql(db.Database.GetDbConnection());
        return await read(sql);
    }

    public async Task<RecordOutcome> RecordAnswerAsync(AnswerWrite answer, CancellationToken cancellationToken)
    {
        // Once started, the transaction runs to its end even if the request goes away.
        return await InTransactionAsync((sql, transaction) => sql.RecordAnswerAsync(transaction, answer, CancellationToken.None));
    }

    public Task MarkShownAsync(long participantId, long planItemId, DateTime nowUtc, CancellationToken cancellationToken) =>
        InTransactionAsync(async (sql, transaction) =>
        {
            await sql.MarkShownAsync(transaction, participantId, planItemId, nowUtc, CancellationToken.None);
            return true;
        });

    // Every instance takes the study's lock first, so a recruiter id cannot be enrolled twice
    // between the check and the insert; the unique index would refuse it if it were.
    public Task<ParticipantState> EnrolAsync(Enrolment enrolment, CancellationToken cancellationToken) =>
        InTransactionAsync((sql, transaction) => sql.EnrolAsync(transaction, enrolment, CancellationToken.None), enrolment.StudyId);

    public Task<int> ReleaseAbandonedAsync(long studyId, DateTime idleBeforeUtc, CancellationToken cancellationToken) =>
        InTransactionAsync((sql, transaction) => sql.ReleaseAbandonedAsync(transaction, studyId, idleBeforeUtc, CancellationToken.None), studyId);

    private async Task<T> InTransactionAsync<T>(Func<ParticipantSql, DbTransaction, Task<T>> work, long? studyLock = null)
    {
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(CancellationToken.None);
        try
        {
            await using var transaction = await connection.BeginTransactionAsync(CancellationToken.None);
            using var sql = new ParticipantSql(connection);
            if (studyLock is long studyId)
            {
                // Enrolments and releases of one study, across every instance, one at a time: each
                // draw must see the counts the previous one committed.
                await using var takeLock = connection.CreateCommand();
                takeLock.Transaction = transaction;
                takeLock.CommandText = $"SELECT pg_advisory_xact_lock({WriteGate.StudyLockKey(studyId)})";
                await takeLock.ExecuteNonQueryAsync(CancellationToken.None);
            }
            var result = await work(sql, transaction);
            await transaction.CommitAsync(CancellationToken.None);
            return result;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }
}
