using System.Data;
using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace SquadStudy.Data;

/// <summary>
/// A read-only transaction in which several queries see one consistent state of the database,
/// whatever participants write meanwhile: exports and reports read a study's participants, plan
/// items and answers in separate queries, and an answer committed between two of them would
/// otherwise appear without its participant (or the reverse).
/// <para>
/// SQLite: a deferred transaction (<c>BEGIN</c>, not <c>BEGIN IMMEDIATE</c>, which would take the
/// write lock and stall participants); in WAL mode its first read fixes the snapshot until commit.
/// PostgreSQL: <c>REPEATABLE READ</c>, whose snapshot is taken at the first query.
/// </para>
/// </summary>
public sealed class ReadSnapshot : IAsyncDisposable
{
    private readonly SquadStudyDbContext _db;
    private readonly DbTransaction? _owned;
    private readonly bool _closeConnection;

    private ReadSnapshot(SquadStudyDbContext db, DbTransaction? owned, bool closeConnection)
    {
        _db = db;
        _owned = owned;
        _closeConnection = closeConnection;
    }

    /// <summary>Starts the snapshot on <paramref name="db"/>; inside a transaction already open, that one is used.</summary>
    public static async Task<ReadSnapshot> BeginAsync(SquadStudyDbContext db, CancellationToken cancellationToken = default)
    {
        if (db.Database.CurrentTransaction is not null)
        {
            return new ReadSnapshot(db, null, false);
        }
        var closeConnection = db.Database.GetDbConnection().State != ConnectionState.Open;
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            DbTransaction transaction = DatabaseProviders.Of(db) == DatabaseProvider.Sqlite
                ? ((SqliteConnection)db.Database.GetDbConnection()).BeginTransaction(deferred: true)
                : await db.Database.GetDbConnection().BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
            await db.Database.UseTransactionAsync(transaction, cancellationToken);
            return new ReadSnapshot(db, transaction, closeConnection);
        }
        catch
        {
            if (closeConnection)
            {
                await db.Database.CloseConnectionAsync();
            }
            throw;
        }
    }

    /// <summary>Ends the snapshot; nothing was written, so it is rolled back.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_owned is null)
        {
            return;
        }
        await _db.Database.UseTransactionAsync(null);
        await _owned.RollbackAsync();
        await _owned.DisposeAsync();
        if (_closeConnection)
        {
            await _db.Database.CloseConnectionAsync();
        }
    }
}
