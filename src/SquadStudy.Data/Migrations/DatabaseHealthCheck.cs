using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace SquadStudy.Data.Migrations;

/// <summary>Healthy when the database answers and its schema is at the version this build ships.</summary>
public sealed class DatabaseHealthCheck(SquadStudyDbContext db, SchemaMigrator migrator) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var provider = DatabaseProviders.Of(db).ToString();
        try
        {
            var version = await migrator.GetVersionAsync(cancellationToken);
            var latest = migrator.LatestVersion;
            var data = new Dictionary<string, object> { ["provider"] = provider, ["schema_version"] = version, ["latest_version"] = latest };
            return version == latest
                ? HealthCheckResult.Healthy("Database reachable, schema up to date.", data)
                : HealthCheckResult.Unhealthy($"Schema at version {version}, this build needs {latest}.", data: data);
        }
        catch (Exception exception) when (exception is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy($"Database unreachable: {exception.Message}", exception,
                new Dictionary<string, object> { ["provider"] = provider });
        }
    }
}
