using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace SquadStudy.Data.Participants;

/// <summary>
/// Long-lived SQLite connections for the question pages' one read, each with its statement
/// prepared once. A pooled connection that is opened and closed per request re-runs its PRAGMAs
/// and re-parses its SQL every time (Microsoft.Data.Sqlite drops prepared statements on close);
/// under load that was a sixth of the site's CPU. Readers see every commit: each query runs in its
/// own read transaction, and the writer acknowledges only after committing.
/// </summary>
public sealed class SqliteReadPool(DatabaseSettings settings) : IDisposable
{
    /// <summary>More idle readers than this are closed; the number open at once follows the threads reading at once.</summary>
    public const int MaxIdle = 16;

    private readonly ConcurrentBag<Reader> idle = [];
    private volatile bool disposed;

    public async Task<T> ReadAsync<T>(Func<ParticipantSql, Task<T>> read)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (!idle.TryTake(out var reader))
        {
            reader = new Reader(SqlitePragmas.Open(settings.ConnectionString));
        }
        T result;
        try
        {
            result = await read(reader.Sql);
        }
        catch
        {
            // A reader whose query failed (corrupt file, I/O error) is not trusted again.
            reader.Dispose();
            throw;
        }
        if (disposed || idle.Count >= MaxIdle)
        {
            reader.Dispose();
        }
        else
        {
            idle.Add(reader);
        }
        return result;
    }

    public void Dispose()
    {
        disposed = true;
        while (idle.TryTake(out var reader))
        {
            reader.Dispose();
        }
    }

    private sealed class Reader(SqliteConnection connection) : IDisposable
    {
        public ParticipantSql Sql { get; } = new(connection);

        public void Dispose()
        {
            Sql.Dispose();
            connection.Dispose();
        }
    }
}

/// <summary>The participant store on SQLite: reads from <see cref="SqliteReadPool"/>, every write through <see cref="SqliteWriteQueue"/>.</summary>
public sealed class SqliteParticipantStore(SqliteReadPool readers, SqliteWriteQueue writer) : IParticipantStore
{
    public Task<(ParticipantState Participant, PlanItemView? Current)?> FindParticipantAsync(long studyId, string token, CancellationToken cancellationToken) =>
        readers.ReadAsync(sql => sql.FindParticipantAsync(studyId, token, cancellationToken));

    public Task<ParticipantState?> FindByRecruiterAsync(long studyId, RecruiterParameters recruiter, CancellationToken cancellationToken) =>
        readers.ReadAsync(sql => sql.FindByRecruiterAsync(null, studyId, recruiter, cancellationToken));

    public Task<RecordOutcome> RecordAnswerAsync(AnswerWrite answer, CancellationToken cancellationToken) =>
        writer.RecordAnswerAsync(answer, cancellationToken);

    public Task<ParticipantState> EnrolAsync(Enrolment enrolment, CancellationToken cancellationToken) =>
        writer.EnrolAsync(enrolment, cancellationToken);

    public Task<int> ReleaseAbandonedAsync(long studyId, DateTime idleBeforeUtc, DateTime? startedBeforeUtc, DateTime nowUtc, CancellationToken cancellationToken) =>
        writer.ReleaseAbandonedAsync(studyId, idleBeforeUtc, startedBeforeUtc, nowUtc, cancellationToken);

    public Task<bool> EndAsync(long participantId, string status, DateTime nowUtc, CancellationToken cancellationToken) =>
        writer.EndAsync(participantId, status, nowUtc, cancellationToken);

    public Task<GateOutcome> RecordGateAttemptAsync(GateAttemptWrite attempt, CancellationToken cancellationToken) =>
        writer.RecordGateAttemptAsync(attempt, cancellationToken);

    public Task<bool> ResumeAsync(long studyId, long participantId, DateTime nowUtc, CancellationToken cancellationToken) =>
        writer.ResumeAsync(participantId, nowUtc, cancellationToken);

    public Task<bool> WithdrawAsync(long participantId, CancellationToken cancellationToken) =>
        writer.WithdrawAsync(participantId, cancellationToken);

    public Task DeclineAsync(long studyId, CancellationToken cancellationToken) =>
        writer.DeclineAsync(studyId, cancellationToken);

    public Task RecordResumeAttemptAsync(long studyId, long participantId, string outcome, DateTime nowUtc, CancellationToken cancellationToken) =>
        writer.RecordResumeAttemptAsync(studyId, participantId, outcome, nowUtc, cancellationToken);
}
