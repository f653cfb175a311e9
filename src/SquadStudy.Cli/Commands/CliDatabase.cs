using Microsoft.AspNetCore.Identity;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SquadStudy.Data;
using SquadStudy.Data.Configuration;
using SquadStudy.Data.Entities;
using SquadStudy.Data.Migrations;

namespace SquadStudy.Cli.Commands;

/// <summary>
/// The site's database for CLI commands: the same configuration keys as the site
/// (<c>ConnectionStrings__SquadStudy</c>, <c>SquadStudy__DataDirectory</c>, <c>SquadStudy__DatabaseProvider</c>),
/// with <c>--db</c> overriding the connection string. The schema is migrated before use, as the site does at start-up.
/// </summary>
internal static class CliDatabase
{
    /// <summary>
    /// <c>--db</c> takes a connection string (<c>Data Source=site.db</c>, <c>Host=…;Database=…</c>) or, for
    /// convenience, a bare path to a SQLite file: a value without '=' cannot be a connection string.
    /// </summary>
    public static string? ConnectionString(string? db) =>
        string.IsNullOrWhiteSpace(db) || db.Contains('=', StringComparison.Ordinal)
            ? db
            : new SqliteConnectionStringBuilder { DataSource = Path.GetFullPath(db) }.ToString();

    public static async Task<ServiceProvider> OpenAsync(string? connectionString, CancellationToken cancellationToken)
    {
        connectionString = ConnectionString(connectionString);
        var builder = new ConfigurationBuilder().AddEnvironmentVariables();
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            builder.AddInMemoryCollection(new Dictionary<string, string?>
            {
                [$"ConnectionStrings:{DataServiceCollectionExtensions.ConnectionStringName}"] = connectionString,
            });
        }
        var configuration = builder.Build();
        if (configuration[$"{SquadStudyOptions.Section}:DataDirectory"] is null && SqliteFile(configuration) is { } file)
        {
            // The site keeps its SQLite file in its data directory (squadstudy.db), beside the packs the
            // reports read labels from; without SquadStudy__DataDirectory, that file's folder is the best guess.
            configuration = new ConfigurationBuilder().AddConfiguration(configuration).AddInMemoryCollection(new Dictionary<string, string?>
            {
                [$"{SquadStudyOptions.Section}:DataDirectory"] = Path.GetDirectoryName(Path.GetFullPath(file)),
            }).Build();
        }
        var settings = DataServiceCollectionExtensions.ResolveDatabase(configuration, Directory.GetCurrentDirectory());
        var services = new ServiceCollection()
            .AddLogging(logging => logging.AddFilter(_ => false))
            .AddSquadStudyData(settings)
            .AddSingleton<IPasswordHasher<Researcher>, PasswordHasher<Researcher>>()
            .AddScoped<ResearcherAccounts>()
            .BuildServiceProvider();
        await using (var scope = services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<SchemaMigrator>().MigrateAsync(cancellationToken: cancellationToken);
        }
        return services;
    }

    private static string? SqliteFile(IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString(DataServiceCollectionExtensions.ConnectionStringName);
        if (string.IsNullOrWhiteSpace(connectionString) || connectionString.Contains("Host=", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        var dataSource = new SqliteConnectionStringBuilder(connectionString).DataSource;
        return dataSource is "" or ":memory:" ? null : dataSource;
    }
}
