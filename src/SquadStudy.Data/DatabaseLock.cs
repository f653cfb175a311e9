using System.Data.Common;
using Microsoft.EntityFrameworkCore;

namespace SquadStudy.Data;

/// <summary>
/// A lock held in the database, so that work which must happen once (the first-run demo import,
/// opening it) is done by one instance when several start together. On PostgreSQL a session
/// advisory lock on the context's connection, held until disposed; on SQLite, one machine, nothing
/// (the single-instance behaviour stays as it was).
/// </summary>
public sealed class DatabaseLock : IAsyncDisposable
{
    private readonly DbConnection? _connection;
    private readonly long _key;
    private readonly bool _closeOnRelease;

    private DatabaseLock(DbConnection? connection, long key, bool closeOnRelease)
    {
        _connection = connection;
        _key = key;
        _closeOnRelease = closeOnRelease;
    }

    /// <summary>Waits for the lock named by <paramref name="key"/>; keep the context alive until disposing.</summary>
    public static async Task<DatabaseLock> AcquireAsync(SquadStudyDbContext db, long key, CancellationToken cancellationToken)
    {
        if (DatabaseProviders.Of(db) != DatabaseProvider.Postgres)
        {
            return new DatabaseLock(null, key, false);
        }
        var connection = db.Database.GetDbConnection();
        var openedHere = connection.State != System.Data.ConnectionState.Open;
        if (openedHere)
        {
            await db.Database.OpenConnectionAsync(cancellationToken);
        }
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = $"SELECT pg_advisory_lock({key});";
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        return new DatabaseLock(connection, key, openedHere);
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is null)
        {
            return;
        }
        try
        {
            await using var command = _connection.CreateCommand();
            command.CommandText = $"SELECT pg_advisory_unlock({_key});";
            await command.ExecuteNonQueryAsync(CancellationToken.None);
        }
        finally
        {
            if (_closeOnRelease)
            {
                await _connection.CloseAsync();
            }
        }
    }
}
