using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using SquadStudy.Testing;

namespace SquadStudy.Web.Tests.Foundation;

[CollectionDefinition(Name)]
public sealed class PostgresSiteCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "PostgreSQL site";
}

/// <summary>
/// What docker-compose.yml starts, run directly: the site configured only by environment-style
/// settings against a real PostgreSQL server.
/// </summary>
[Collection(PostgresSiteCollection.Name)]
public sealed class PostgresSiteTests(PostgresFixture postgres)
{
    private sealed class PostgresSiteFactory(string connectionString, string dataDirectory)
        : SiteFactory(new SiteOptions { Environment = "Production", PostgresConnectionString = connectionString, DataDirectory = dataDirectory });

    [Fact]
    public async Task Healthz_SiteOnPostgres_MigratesAndReportsPostgresHealthy()
    {
        var connectionString = await postgres.NewDatabaseAsync();
        var dataDirectory = Path.Combine(Path.GetTempPath(), $"squadstudy-pgsite-{Guid.NewGuid():N}");
        try
        {
            await using var factory = new PostgresSiteFactory(connectionString, dataDirectory);

            var response = await factory.CreateClient().GetAsync("/healthz");

            response.StatusCode.ShouldBe(HttpStatusCode.OK);
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var data = json.RootElement.GetProperty("checks").GetProperty("database").GetProperty("data");
            data.GetProperty("provider").GetString().ShouldBe("Postgres");
            data.GetProperty("schema_version").GetInt32().ShouldBe(data.GetProperty("latest_version").GetInt32());
            File.Exists(Path.Combine(dataDirectory, "squadstudy.db")).ShouldBeFalse();
        }
        finally
        {
            if (Directory.Exists(dataDirectory))
            {
                Directory.Delete(dataDirectory, recursive: true);
            }
        }
    }

    [Fact]
    public async Task Healthz_PostgresUnreachable_Reports503()
    {
        // A port nothing listens on: the start-up tasks fail without ending the host, and the
        // health check must say so rather than hang or throw.
        await using var factory = new PostgresSiteFactory("Host=127.0.0.1;Port=1;Username=x;Database=x;Timeout=2", Path.GetTempPath());

        var response = await factory.CreateClient().GetAsync("/healthz");

        response.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        // The public answer says that, not why: the reason (the database's error text) is for researchers (/research/healthz, Security/HealthDetailTests).
        var body = await response.Content.ReadAsStringAsync();
        body.ShouldContain("Unhealthy");
        body.ShouldNotContain("unreachable", Case.Insensitive);
        body.ShouldNotContain("127.0.0.1");
    }
}
