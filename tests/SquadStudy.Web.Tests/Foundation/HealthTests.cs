using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SquadStudy.Data;
using SquadStudy.Testing;

namespace SquadStudy.Web.Tests.Foundation;

/// <summary>The site on a fresh SQLite data directory, as the README's run command starts it.</summary>
public sealed class FreshSiteFactory() : SiteFactory(new SiteOptions { Environment = "Production", Admin = ("lead@example.org", "a long enough password") });

public sealed class HealthTests : IDisposable
{
    private readonly FreshSiteFactory _factory = new();

    [Fact]
    public async Task Healthz_FreshSqliteDataDirectory_ReportsHealthyDatabaseAtLatestSchema()
    {
        var client = _factory.CreateClient();

        var response = await client.GetAsync("/healthz");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        json.RootElement.GetProperty("status").GetString().ShouldBe("Healthy");
        var database = json.RootElement.GetProperty("checks").GetProperty("database");
        database.GetProperty("data").GetProperty("provider").GetString().ShouldBe("Sqlite");
        database.GetProperty("data").GetProperty("schema_version").GetInt32()
            .ShouldBe(database.GetProperty("data").GetProperty("latest_version").GetInt32());
        File.Exists(Path.Combine(_factory.DataDirectory, "squadstudy.db")).ShouldBeTrue();
    }

    [Fact]
    public async Task Healthz_DatabaseBehindTheShippedSchema_Reports503()
    {
        var client = _factory.CreateClient();
        using (var scope = _factory.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<SquadStudyDbContext>();
            await db.Database.ExecuteSqlRawAsync("DELETE FROM schema_migrations WHERE version = (SELECT MAX(version) FROM schema_migrations)");
        }

        var response = await client.GetAsync("/healthz");

        response.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        (await response.Content.ReadAsStringAsync()).ShouldContain("Unhealthy");
    }

    [Fact]
    public async Task Home_ServesThePageAndItsStylesheet()
    {
        var client = _factory.CreateClient();

        var home = await client.GetAsync("/");
        var css = await client.GetAsync("/lib/bootstrap/bootstrap.min.css");

        home.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await home.Content.ReadAsStringAsync()).ShouldContain("SquadStudy");
        css.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Startup_AdminConfigured_CreatesThatResearcherOnce()
    {
        _ = _factory.CreateClient();
        using var scope = _factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<SquadStudyDbContext>();

        var accounts = await db.Researchers.Select(r => r.Email).ToListAsync();

        accounts.ShouldBe(["lead@example.org"]);
    }

    public void Dispose() => _factory.Dispose();
}
