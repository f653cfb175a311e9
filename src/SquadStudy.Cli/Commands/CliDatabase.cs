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

    /// <summary>
    /// The file a SQLite connection string names when that file does not exist (opening it would create an
    /// empty database); null for PostgreSQL, in-memory databases, existing files and strings that do not parse
    /// (opening them reports the problem).
    /// </summary>
    public static string? MissingSqliteFile(string? db)
    {
        if (SqliteFile(ConnectionString(db)) is not { } file)
        {
            return null;
        }
        return File.Exists(file) ? null : file;
    }

    /// <param name="configure">Services a command needs beside the data layer (the engine and the study services).</param>
    public static async Task<ServiceProvider> OpenAsync(string? connectionString, CancellationToken cancellationToken, Action<IServiceCollection>? configure = null)
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
        if (configuration[$"{SquadStudyOptions.Section}:DataDirectory"] is null
            && SqliteFile(configuration.GetConnectionString(DataServiceCollectionExtensions.ConnectionStringName)) is { } file)
        {
            // The site keeps its SQLite file in its data directory (squadstudy.db), beside the packs the
            // reports read labels from; without SquadStudy__DataDirectory, that file's folder is the best guess.
            configuration = new ConfigurationBuilder().AddConfiguration(configuration).AddInMemoryCollection(new Dictionary<string, string?>
            {
                [$"{SquadStudyOptions.Section}:DataDirectory"] = Path.GetDirectoryName(Path.GetFullPath(file)),
            }).Build();
        }
        var settings = DataServiceCollectionExtensions.ResolveDatabase(configuration, Directory.GetCurrentDirectory());
        var collection = new ServiceCollection()
            .AddLogging(logging => logging.AddFilter(_ => false))
            .AddSquadStudyData(settings)
            .AddSingleton<IPasswordHasher<Researcher>, PasswordHasher<Researcher>>()
            .AddScoped<ResearcherAccounts>();
        configure?.Invoke(collection);
        var services = collection.BuildServiceProvider();
        await using (var scope = services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<SchemaMigrator>().MigrateAsync(cancellationToken: cancellationToken);
        }
        return services;
    }

    /// <summary>
    /// <see cref="RunAsync"/> for commands that read a study (report, export, metrics): a SQLite file that does not
    /// exist is one line on stderr and exit code 1, since opening it would create (and migrate) an empty database,
    /// and a typo in the path must not look like "no study".
    /// </summary>
    public static async Task<int> RunExistingAsync(CliContext context, string? db, Func<IServiceProvider, CancellationToken, Task<int>> body,
        CancellationToken cancellationToken, Action<IServiceCollection>? configure = null)
    {
        if (MissingSqliteFile(db) is { } missing)
        {
            await context.Error.WriteLineAsync($"error: there is no SQLite database at '{missing}'.");
            return ExitCodes.Failure;
        }
        return await RunAsync(context, db, body, cancellationToken, configure);
    }

    /// <summary>
    /// Opens the database, runs <paramref name="body"/> in a scope, and turns failures into one line on
    /// stderr with an exit code, as the other commands do (see <see cref="CommandRunner"/>).
    /// </summary>
    public static async Task<int> RunAsync(CliContext context, string? connectionString, Func<IServiceProvider, CancellationToken, Task<int>> body, CancellationToken cancellationToken,
        Action<IServiceCollection>? configure = null)
    {
        try
        {
            await using var services = await OpenAsync(connectionString, cancellationToken, configure);
            await using var scope = services.CreateAsyncScope();
            return await body(scope.ServiceProvider, cancellationToken);
        }
        catch (Exception e) when (e is CliException or ArgumentException or InvalidOperationException or System.Data.Common.DbException or IOException)
        {
            await context.Error.WriteLineAsync($"error: {CliApp.OneLine(e.Message)}");
            return ExitCodes.Failure;
        }
    }

    private static string? SqliteFile(string? connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString) || connectionString.Contains("Host=", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        try
        {
            var builder = new SqliteConnectionStringBuilder(connectionString);
            return builder.Mode == SqliteOpenMode.Memory || builder.DataSource is "" or ":memory:" ? null : builder.DataSource;
        }
        catch (ArgumentException)
        {
            // Not a SQLite connection string; opening the database says what is wrong with it.
            return null;
        }
    }
}
