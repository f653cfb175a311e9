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
/// The two writes every question makes: marking the question shown (GET) and storing its answer
/// (POST). On SQLite they go through <see cref="SqliteWriteQueue"/>, on PostgreSQL through
/// <see cref="PostgresParticipantWrites"/>; both run the same statements (<see cref="ParticipantSql"/>).
/// </summary>
public interface IParticipantWrites
{
    /// <summary>
    /// Stores the answer and advances the participant's position in one transaction, only if the
    /// position still equals the answer's (so a repeated, stale or concurrent POST stores nothing).
    /// Returns once the transaction has committed.
    /// </summary>
    Task<RecordOutcome> RecordAnswerAsync(AnswerWrite answer, CancellationToken cancellationToken);

    /// <summary>Records the first time a plan item was shown (later views keep it) and when the participant was last seen.</summary>
    Task MarkShownAsync(long participantId, long planItemId, DateTime nowUtc, CancellationToken cancellationToken);
}

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
        var moved = await ExecuteAsync(move, transaction, cancellationToken,
            ("@next", answer.Position + 1), ("@now", answer.AnsweredUtc), ("@completed", ParticipantStatus.Completed),
            ("@participant", answer.ParticipantId), ("@position", answer.Position), ("@active", ParticipantStatus.Active));
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
        foreach (var (name, value) in values)
        {
            if (!command.CommandText.Contains(name, StringComparison.Ordinal))
            {
                continue;
            }
            var index = command.Parameters.IndexOf(name);
            var parameter = index >= 0 ? command.Parameters[index] : command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value switch
            {
                null => DBNull.Value,
                DateTime t when t.Kind != DateTimeKind.Utc => throw new ArgumentException($"{name} must be a UTC time.", nameof(values)),
                _ => value,
            };
            if (index < 0)
            {
                command.Parameters.Add(parameter);
            }
        }
        return command.ExecuteNonQueryAsync(cancellationToken);
    }

    public void Dispose()
    {
        foreach (var command in new[] { advance, complete, insertAnswer, countAnswer, markShown, touch })
        {
            command?.Dispose();
        }
    }
}

/// <summary>
/// PostgreSQL runs the per-question writes on the request's own connection, each in its own
/// transaction: it has row locks, so concurrent participants write at once, and the guard's
/// <c>UPDATE … WHERE current_position = @position</c> makes a concurrent duplicate wait for the
/// first and then find the position moved.
/// </summary>
public sealed class PostgresParticipantWrites(SquadStudyDbContext db) : IParticipantWrites
{
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

    private async Task<T> InTransactionAsync<T>(Func<ParticipantSql, DbTransaction, Task<T>> work)
    {
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(CancellationToken.None);
        try
        {
            await using var transaction = await connection.BeginTransactionAsync(CancellationToken.None);
            using var sql = new ParticipantSql(connection);
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
