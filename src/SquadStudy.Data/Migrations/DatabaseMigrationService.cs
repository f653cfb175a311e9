using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace SquadStudy.Data.Migrations;

/// <summary>
/// Brings the schema up to date before the site serves requests: hosted services start before the
/// web server does, so no request ever sees a half-migrated database.
/// </summary>
public sealed class DatabaseMigrationService(IServiceScopeFactory scopes) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<SchemaMigrator>().MigrateAsync(cancellationToken: cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
