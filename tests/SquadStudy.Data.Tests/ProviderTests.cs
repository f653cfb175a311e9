using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using SquadStudy.Data.Migrations;
using SquadStudy.Testing;

namespace SquadStudy.Data.Tests;

public sealed class SqliteDataLayerTests : DataLayerTests, IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"squadstudy-data-{Guid.NewGuid():N}");

    protected override Task<SquadStudyDbContext> NewEmptyDatabaseAsync()
    {
        Directory.CreateDirectory(_directory);
        var file = Path.Combine(_directory, $"{Guid.NewGuid():N}.db");
        var settings = new DatabaseSettings(DatabaseProvider.Sqlite, new SqliteConnectionStringBuilder { DataSource = file }.ToString(), _directory);
        var options = new DbContextOptionsBuilder<SquadStudyDbContext>();
        DataServiceCollectionExtensions.Configure(options, settings);
        return Task.FromResult(new SquadStudyDbContext(options.Options));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "PostgreSQL";
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresDataLayerTests(PostgresFixture postgres) : DataLayerTests
{
    protected override async Task<SquadStudyDbContext> NewEmptyDatabaseAsync()
    {
        var connectionString = await postgres.NewDatabaseAsync();
        return Context(connectionString);
    }

    private static SquadStudyDbContext Context(string connectionString)
    {
        var options = new DbContextOptionsBuilder<SquadStudyDbContext>();
        DataServiceCollectionExtensions.Configure(options, new DatabaseSettings(DatabaseProvider.Postgres, connectionString, Path.GetTempPath()));
        return new SquadStudyDbContext(options.Options);
    }

    [Fact]
    public async Task Migrate_SeveralInstancesAtOnce_AppliesEachMigrationOnce()
    {
        var connectionString = await postgres.NewDatabaseAsync();
        var contexts = Enumerable.Range(0, 4).Select(_ => Context(connectionString)).ToList();

        var versions = await Task.WhenAll(contexts.Select(db => new SchemaMigrator(db, NullLogger<SchemaMigrator>.Instance).MigrateAsync()));

        versions.ShouldAllBe(v => v == versions[0]);
        await using var check = Context(connectionString);
        var rows = await check.Database.SqlQueryRaw<int>("SELECT version AS \"Value\" FROM schema_migrations").ToListAsync();
        rows.Count.ShouldBe(versions[0]);
        rows.Distinct().Count().ShouldBe(rows.Count);
        foreach (var db in contexts)
        {
            await db.DisposeAsync();
        }
    }
}
