using System.Data.Common;
using Microsoft.EntityFrameworkCore;

namespace SquadStudy.Data.Participants;

/// <summary>
/// PostgreSQL runs the participant reads and writes on the request's own connection, the writes each in its own
/// transaction: it has row locks, so concurrent participants write at once, and the guard's
/// <c>UPDATE … WHERE current_position = @position</c> makes a concurrent duplicate wait for the
/// first and then find the position moved. Writes that change a study's balance counts outside an
/// answer (enrolment, abandonment, resuming, withdrawal) take the study's advisory lock first, so
/// each enrolment's draw sees the counts the previous one committed, across every instance.
/// </summary>
public sealed class PostgresParticipantStore(SquadStudyDbContext db) : IParticipantStore
{
    /// <summary>The <c>pg_advisory_xact_lock</c> key of a study's enrolments and balance changes: a fixed high part plus the study id.</summary>
    public static long StudyLockKey(long studyId) => 0x5353_5000_0000_0000 + studyId;

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

    // Once started, a transaction runs to its end even if the request goes away: the writes below
    // pass CancellationToken.None on.
    public Task<RecordOutcome> RecordAnswerAsync(AnswerWrite answer, CancellationToken cancellationToken) =>
        InTransactionAsync((sql, transaction) => sql.RecordAnswerAsync(transaction, answer, CancellationToken.None));

    // Every instance takes the study's lock first, so a recruiter id cannot be enrolled twice
    // between the check and the insert; the unique index would refuse it if it were.
    public Task<ParticipantState> EnrolAsync(Enrolment enrolment, CancellationToken cancellationToken) =>
        InTransactionAsync((sql, transaction) => sql.EnrolAsync(transaction, enrolment, CancellationToken.None), enrolment.StudyId);

    public Task<int> ReleaseAbandonedAsync(long studyId, DateTime idleBeforeUtc, DateTime? startedBeforeUtc, DateTime nowUtc, CancellationToken cancellationToken) =>
        InTransactionAsync((sql, transaction) => sql.ReleaseAbandonedAsync(transaction, studyId, idleBeforeUtc, startedBeforeUtc, nowUtc, CancellationToken.None), studyId);

    public async Task<bool> EndAsync(long participantId, string status, DateTime nowUtc, CancellationToken cancellationToken) =>
        await ReadAsync(sql => sql.StudyOfAsync(null, participantId, cancellationToken), cancellationToken) is long studyId
        && await InTransactionAsync((sql, transaction) => sql.EndAsync(transaction, participantId, status, nowUtc, CancellationToken.None), studyId);

    public async Task<GateOutcome> RecordGateAttemptAsync(GateAttemptWrite attempt, CancellationToken cancellationToken) =>
        await ReadAsync(sql => sql.StudyOfAsync(null, attempt.ParticipantId, cancellationToken), cancellationToken) is long studyId
            ? await InTransactionAsync((sql, transaction) => sql.RecordGateAttemptAsync(transaction, attempt, CancellationToken.None), studyId)
            : GateOutcome.NotCurrent;

    public Task<bool> ResumeAsync(long studyId, long participantId, DateTime nowUtc, CancellationToken cancellationToken) =>
        InTransactionAsync((sql, transaction) => sql.ResumeAsync(transaction, participantId, nowUtc, CancellationToken.None), studyId);

    public async Task<bool> WithdrawAsync(long participantId, CancellationToken cancellationToken)
    {
        // The lock is the study's, so the study is looked up first; WithdrawAsync reads the row again under the lock.
        if (await ReadAsync(sql => sql.StudyOfAsync(null, participantId, cancellationToken), cancellationToken) is not long studyId)
        {
            return false;
        }
        return await InTransactionAsync((sql, transaction) => sql.WithdrawAsync(transaction, participantId, CancellationToken.None), studyId);
    }

    public Task DeclineAsync(long studyId, CancellationToken cancellationToken) =>
        InTransactionAsync(async (sql, transaction) =>
        {
            await sql.DeclineAsync(transaction, studyId, CancellationToken.None);
            return true;
        });

    public Task RecordResumeAttemptAsync(long studyId, long participantId, string outcome, DateTime nowUtc, CancellationToken cancellationToken) =>
        InTransactionAsync(async (sql, transaction) =>
        {
            await sql.RecordResumeAttemptAsync(transaction, studyId, participantId, outcome, nowUtc, CancellationToken.None);
            return true;
        });

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
                await using var takeLock = connection.CreateCommand();
                takeLock.Transaction = transaction;
                takeLock.CommandText = $"SELECT pg_advisory_xact_lock({StudyLockKey(studyId)})";
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
