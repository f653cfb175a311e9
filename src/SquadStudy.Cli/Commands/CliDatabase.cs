using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SquadStudy.Data;
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
    public static async Task<ServiceProvider> OpenAsync(string? connectionString, CancellationToken cancellationToken)
    {
        var builder = new ConfigurationBuilder().AddEnvironmentVariables();
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            builder.AddInMemoryCollection(new Dictionary<string, string?>
            {
                [$"ConnectionStrings:{DataServiceCollectionExtensions.ConnectionStringName}"] = connectionString,
            });
        }
        var settings = DataServiceCollectionExtensions.ResolveDatabase(builder.Build(), Directory.GetCurrentDirectory());
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

    /// <summary>
    /// Opens the database, runs <paramref name="body"/> in a scope, and turns failures into one line on
    /// stderr with an exit code, as the other commands do (see <see cref="CommandRunner"/>).
    /// </summary>
    public static async Task<int> RunAsync(CliContext context, string? connectionString, Func<IServiceProvider, CancellationToken, Task<int>> body, CancellationToken cancellationToken)
    {
        try
        {
            await using var services = await OpenAsync(connectionString, cancellationToken);
            await using var scope = services.CreateAsyncScope();
            return await body(scope.ServiceProvider, cancellationToken);
        }
        catch (Exception e) when (e is CliException or ArgumentException or InvalidOperationException or System.Data.Common.DbException or IOException)
        {
            await context.Error.WriteLineAsync($"error: {CliApp.OneLine(e.Message)}");
            return ExitCodes.Failure;
        }
    }
}
