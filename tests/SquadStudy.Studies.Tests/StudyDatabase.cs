using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using SquadStudy.Data;
using SquadStudy.Data.Migrations;
using SquadStudy.Studies.Engine;

namespace SquadStudy.Studies.Tests;

/// <summary>A migrated SQLite database and content store in a temporary data directory, with the study services.</summary>
internal sealed class StudyDatabase : IAsyncDisposable
{
    private StudyDatabase(string directory, ServiceProvider services)
    {
        DataDirectory = directory;
        Services = services;
    }

    public string DataDirectory { get; }
    public ServiceProvider Services { get; }

    /// <param name="postgres">A PostgreSQL connection string to use instead of a SQLite file.</param>
    /// <param name="clock">The services' clock (default: the system's).</param>
    public static async Task<StudyDatabase> CreateAsync(IExplanationEngine engine, string? postgres = null, TimeProvider? clock = null)
    {
        var directory = Directory.CreateTempSubdirectory("squadstudy-studies-").FullName;
        var settings = postgres is null
            ? new DatabaseSettings(DatabaseProvider.Sqlite,
                new SqliteConnectionStringBuilder { DataSource = Path.Combine(directory, "squadstudy.db"), Pooling = false }.ToString(), directory)
            : new DatabaseSettings(DatabaseProvider.Postgres, postgres, directory);
        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton(clock ?? TimeProvider.System)
            .AddSquadStudyData(settings)
            .AddSingleton(engine)
            .AddStudyServices()
            .BuildServiceProvider();
        await using (var scope = services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<SchemaMigrator>().MigrateAsync();
        }
        return new StudyDatabase(directory, services);
    }

    public async Task<T> WithDbAsync<T>(Func<SquadStudyDbContext, Task<T>> action)
    {
        await using var scope = Services.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<SquadStudyDbContext>());
    }

    public async Task<T> WithAsync<TService, T>(Func<TService, Task<T>> action) where TService : notnull
    {
        await using var scope = Services.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<TService>());
    }

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        Directory.Delete(DataDirectory, recursive: true);
    }
}
