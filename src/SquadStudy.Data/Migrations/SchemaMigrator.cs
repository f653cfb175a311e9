using System.Data.Common;
using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace SquadStudy.Data.Migrations;

/// <summary>A hand-written migration: <c>migrations/&lt;provider&gt;/NNNN_name.sql</c>.</summary>
public sealed record SchemaMigration(int Version, string Name, string Sql);

/// <summary>
/// Applies the hand-written SQL migrations of the current provider, in order, each in its own
/// transaction together with its row in <c>schema_migrations</c>, so a crash mid-way leaves the
/// database at the last complete version. EF Core's design-time package is not available on our
/// machines, so migrations are plain SQL, reviewed like code and tested to upgrade populated databases.
/// <para>
/// A version may also need data the SQL can not reach: <see cref="UpgradeAsync"/> runs such a step
/// in the same transaction as the version's script. <paramref name="settings"/> gives the data
/// directory that relative pack folders are resolved against (the current directory without it).
/// </para>
/// </summary>
public sealed class SchemaMigrator(SquadStudyDbContext db, ILogger<SchemaMigrator> logger, DatabaseSettings? settings = null)
{
    /// <summary>Arbitrary key for PostgreSQL's advisory lock: several web instances may start at once.</summary>
    private const long PostgresLockKey = 0x5351_5541_4453_5455;

    public static IReadOnlyList<SchemaMigration> Load(DatabaseProvider provider)
    {
        var folder = provider == DatabaseProvider.Postgres ? "postgres" : "sqlite";
        var prefix = $"migrations/{folder}/";
        var assembly = typeof(SchemaMigrator).Assembly;
        var migrations = new List<SchemaMigration>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
        {
            var fileName = resource[prefix.Length..];
            var separator = fileName.IndexOf('_');
            if (separator <= 0 || !int.TryParse(fileName[..separator], out var version) || !fileName.EndsWith(".sql", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"Migration file '{resource}' is not named NNNN_name.sql.");
            }
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            migrations.Add(new SchemaMigration(version, fileName[(separator + 1)..^4], reader.ReadToEnd()));
        }
        migrations.Sort((a, b) => a.Version.CompareTo(b.Version));
        for (var i = 0; i < migrations.Count; i++)
        {
            if (migrations[i].Version != i + 1)
            {
                throw new InvalidOperationException($"Migrations for {folder} must be numbered 1, 2, 3, … without gaps; found {migrations[i].Version} at place {i + 1}.");
            }
        }
        return migrations;
    }

    /// <summary>Applies every pending migration (or those up to <paramref name="targetVersion"/>).</summary>
    /// <returns>The schema version after migrating.</returns>
    public async Task<int> MigrateAsync(int? targetVersion = null, CancellationToken cancellationToken = default)
    {
        var provider = DatabaseProviders.Of(db);
        var migrations = Load(provider);
        var connection = db.Database.GetDbConnection();
        var openedHere = connection.State != System.Data.ConnectionState.Open;
        if (openedHere)
        {
            await connection.OpenAsync(cancellationToken);
        }
        try
        {
            if (provider == DatabaseProvider.Sqlite)
            {
                // WAL lets participants' reads proceed while answers are written.
                await ExecuteAsync(connection, null, "PRAGMA journal_mode=WAL;", cancellationToken);
            }
            else
            {
                await ExecuteAsync(connection, null, $"SELECT pg_advisory_lock({PostgresLockKey});", cancellationToken);
            }
            try
            {
                await ExecuteAsync(connection, null, CreateHistoryTableSql(provider), cancellationToken);
                var current = await CurrentVersionAsync(connection, cancellationToken);
                foreach (var migration in migrations.Where(m => m.Version > current && (targetVersion is null || m.Version <= targetVersion)))
                {
                    await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                    await ExecuteAsync(connection, transaction, migration.Sql, cancellationToken);
                    await UpgradeAsync(migration.Version, connection, transaction, cancellationToken);
                    await using (var record = connection.CreateCommand())
                    {
                        record.Transaction = transaction;
                        record.CommandText = "INSERT INTO schema_migrations (version, name, applied_utc) VALUES (@v, @n, @t);";
                        AddParameter(record, "@v", migration.Version);
                        AddParameter(record, "@n", migration.Name);
                        AddParameter(record, "@t", DateTime.UtcNow.ToString("O"));
                        await record.ExecuteNonQueryAsync(cancellationToken);
                    }
                    await transaction.CommitAsync(cancellationToken);
                    logger.LogInformation("Applied migration {Version} {Name} ({Provider})", migration.Version, migration.Name, provider);
                    current = migration.Version;
                }
                return current;
            }
            finally
            {
                if (provider == DatabaseProvider.Postgres)
                {
                    await ExecuteAsync(connection, null, $"SELECT pg_advisory_unlock({PostgresLockKey});", CancellationToken.None);
                }
            }
        }
        finally
        {
            if (openedHere)
            {
                await connection.CloseAsync();
            }
        }
    }

    /// <summary>The highest applied migration, or 0 for an empty database.</summary>
    public async Task<int> GetVersionAsync(CancellationToken cancellationToken = default)
    {
        var connection = db.Database.GetDbConnection();
        var openedHere = connection.State != System.Data.ConnectionState.Open;
        if (openedHere)
        {
            await connection.OpenAsync(cancellationToken);
        }
        try
        {
            await ExecuteAsync(connection, null, CreateHistoryTableSql(DatabaseProviders.Of(db)), cancellationToken);
            return await CurrentVersionAsync(connection, cancellationToken);
        }
        finally
        {
            if (openedHere)
            {
                await connection.CloseAsync();
            }
        }
    }

    /// <summary>The newest version the shipped scripts define for this database's provider.</summary>
    public int LatestVersion => Load(DatabaseProviders.Of(db)).Count;

    /// <summary>The data step of a version, if it has one.</summary>
    private async Task UpgradeAsync(int version, DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        if (version == 3)
        {
            await FillClassNamesAsync(connection, transaction, cancellationToken);
        }
    }

    /// <summary>
    /// Version 3 stores class names at import; studies imported before it had them only in their
    /// pack folder's labels.txt, read at run time. Copy them where that file still exists (a pack
    /// imported from a folder); a .zip's folder was temporary, and those studies keep showing indices.
    /// </summary>
    private async Task FillClassNamesAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        var studies = new List<(long Id, string PackDirectory)>();
        await using (var select = connection.CreateCommand())
        {
            select.Transaction = transaction;
            select.CommandText = "SELECT id, pack_directory FROM studies;";
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                studies.Add((reader.GetInt64(0), reader.GetString(1)));
            }
        }
        foreach (var (id, packDirectory) in studies)
        {
            var labels = Path.Combine(settings?.DataDirectory ?? "", packDirectory, "labels.txt");
            if (!File.Exists(labels))
            {
                logger.LogWarning("Study {StudyId}: no labels.txt at {Path}; its classes stay unnamed", id, labels);
                continue;
            }
            var names = (await File.ReadAllLinesAsync(labels, cancellationToken)).Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
            for (var index = 0; index < names.Count; index++)
            {
                await using var insert = connection.CreateCommand();
                insert.Transaction = transaction;
                insert.CommandText = "INSERT INTO study_classes (study_id, class_index, name) VALUES (@s, @i, @n);";
                AddParameter(insert, "@s", id);
                AddParameter(insert, "@i", index);
                AddParameter(insert, "@n", names[index]);
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }
        }
    }

    private static string CreateHistoryTableSql(DatabaseProvider provider) =>
        "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_utc text NOT NULL);";

    private static async Task<int> CurrentVersionAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COALESCE(MAX(version), 0) FROM schema_migrations;";
        var result = await command.ExecuteScalarAsync(cancellationToken);
        return Convert.ToInt32(result, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static void AddParameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
