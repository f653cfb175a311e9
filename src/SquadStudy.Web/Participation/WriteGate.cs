using Microsoft.EntityFrameworkCore;
using SquadStudy.Data;

namespace SquadStudy.Web.Participation;

/// <summary>
/// Serialises this process' participant writes on SQLite. SQLite has one writer at a time; waiting
/// here, in order, is cheaper and fairer than SQLite's busy handler (which sleeps and retries) and
/// lets every enrolment read the balance counts that the previous one committed. PostgreSQL needs
/// no gate: enrolments take a per-study advisory transaction lock instead.
/// </summary>
public sealed class WriteGate
{
    private readonly SemaphoreSlim gate = new(1, 1);

    /// <summary>The <c>pg_advisory_xact_lock</c> key of a study's enrolments and balance changes: a fixed high part plus the study id.</summary>
    public static long StudyLockKey(long studyId) => 0x5353_5000_0000_0000 + studyId;

    /// <summary>
    /// Takes the gate on a thread that may block (the SQLite writer's own thread, never a
    /// thread-pool thread: a blocked pool thread can starve the async holder it waits for).
    /// </summary>
    public void Enter() => gate.Wait();

    public void Exit() => gate.Release();

    /// <summary>
    /// Runs <paramref name="work"/> in one write transaction (on SQLite <c>BEGIN IMMEDIATE</c>, which
    /// Microsoft.Data.Sqlite issues for a non-deferred transaction); with <paramref name="studyLock"/>
    /// PostgreSQL also serialises the study's enrolments.
    /// </summary>
    public async Task<T> RunAsync<T>(SquadStudyDbContext db, long? studyLock, Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        var sqlite = DatabaseProviders.Of(db) == DatabaseProvider.Sqlite;
        if (sqlite)
        {
            await gate.WaitAsync(cancellationToken);
        }
        try
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            if (!sqlite && studyLock is long studyId)
            {
                await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({StudyLockKey(studyId)})", cancellationToken);
            }
            var result = await work(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return result;
        }
        catch
        {
            // The transaction rolled back: nothing the context tracked was stored.
            db.ChangeTracker.Clear();
            throw;
        }
        finally
        {
            if (sqlite)
            {
                gate.Release();
            }
        }
    }
}
