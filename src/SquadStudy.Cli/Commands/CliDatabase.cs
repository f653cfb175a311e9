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
}
