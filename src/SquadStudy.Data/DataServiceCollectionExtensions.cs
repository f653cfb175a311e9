using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using SquadStudy.Data.Configuration;
using SquadStudy.Data.Migrations;

namespace SquadStudy.Data;

/// <summary>The database settings the application resolved from configuration.</summary>
public sealed record DatabaseSettings(DatabaseProvider Provider, string ConnectionString, string DataDirectory);

public static class DataServiceCollectionExtensions
{
    public const string ConnectionStringName = "SquadStudy";

    /// <summary>
    /// The one place that chooses the database provider: PostgreSQL when configured (or when the
    /// connection string names a <c>Host</c>), otherwise a SQLite file in the data directory.
    /// </summary>
    public static DatabaseSettings ResolveDatabase(IConfiguration configuration, string contentRoot)
    {
        var options = configuration.GetSection(SquadStudyOptions.Section).Get<SquadStudyOptions>() ?? new SquadStudyOptions();
        var dataDirectory = Path.GetFullPath(Path.Combine(contentRoot, options.DataDirectory));
        var connectionString = configuration.GetConnectionString(ConnectionStringName);
        var provider = options.DatabaseProvider?.Trim().ToLowerInvariant() switch
        {
            null or "" => connectionString is not null && connectionString.Contains("Host=", StringComparison.OrdinalIgnoreCase)
                ? DatabaseProvider.Postgres
                : DatabaseProvider.Sqlite,
            "sqlite" => DatabaseProvider.Sqlite,
            "postgres" or "postgresql" or "npgsql" => DatabaseProvider.Postgres,
            var other => throw new InvalidOperationException($"SquadStudy:DatabaseProvider '{other}' is not one of Sqlite, Postgres."),
        };
        if (provider == DatabaseProvider.Postgres && string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException("PostgreSQL was chosen but ConnectionStrings:SquadStudy is empty.");
        }
        if (provider == DatabaseProvider.Sqlite && string.IsNullOrWhiteSpace(connectionString))
        {
            connectionString = new SqliteConnectionStringBuilder
            {
                DataSource = Path.Combine(dataDirectory, "squadstudy.db"),
                Pooling = true,
                DefaultTimeout = 30,
            }.ToString();
        }
        return new DatabaseSettings(provider, connectionString!, dataDirectory);
    }

    public static IServiceCollection AddSquadStudyData(this IServiceCollection services, DatabaseSettings settings)
    {
        services.AddSingleton(settings);
        if (settings.Provider == DatabaseProvider.Sqlite)
        {
            var builder = new SqliteConnectionStringBuilder(settings.ConnectionString);
            var directory = Path.GetDirectoryName(Path.GetFullPath(builder.DataSource));
            if (!string.IsNullOrEmpty(directory) && builder.Mode != SqliteOpenMode.Memory && !builder.DataSource.Equals(":memory:", StringComparison.Ordinal))
            {
                Directory.CreateDirectory(directory);
            }
        }
        // Pooled: every participant page needs a context, and building one (options, internal
        // service lookups) cost more than the page's queries. The pool resets each context's state.
        services.AddDbContextPool<SquadStudyDbContext>(options => Configure(options, settings));
        services.AddScoped<SchemaMigrator>();
        return services;
    }

    public static void Configure(DbContextOptionsBuilder options, DatabaseSettings settings)
    {
        if (settings.Provider == DatabaseProvider.Postgres)
        {
            options.UseNpgsql(settings.ConnectionString);
        }
        else
        {
            options.UseSqlite(settings.ConnectionString);
            options.AddInterceptors(SqlitePragmas.Instance);
        }
    }
}
