using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using SquadStudy.Data;

namespace SquadStudy.BrowserTests;

/// <summary>
/// The whole site on Kestrel at 127.0.0.1 on a free port (a browser needs a real socket, not the
/// in-memory test server), on a throw-away SQLite data directory with one seeded researcher.
/// </summary>
public sealed class BrowserSite : WebApplicationFactory<Program>
{
    public const string Email = "lead@example.org";
    public const string Password = "correct horse battery staple";

    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "squadstudy-browser-tests", Guid.NewGuid().ToString("N"));

    private readonly IReadOnlyDictionary<string, string> settings;

    /// <param name="settings">Configuration beyond the defaults below, e.g. <c>Security:FramingOrigins:0</c>.</param>
    public BrowserSite(IReadOnlyDictionary<string, string>? settings = null)
    {
        this.settings = settings ?? new Dictionary<string, string>();
        UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        StartServer();
    }

    /// <summary>The address Kestrel bound, e.g. <c>http://127.0.0.1:40123</c>.</summary>
    public string BaseUrl => Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        builder.UseSetting("SquadStudy:DataDirectory", DataDirectory);
        builder.UseSetting("SquadStudy:DatabaseProvider", "Sqlite");
        builder.UseSetting("SquadStudy:SeedDemo", "false");
        // Tests sign in and enrol far more often than a person; the rate-limit tests set their own limits.
        builder.UseSetting("Security:RateLimits:LoginPerMinute", "100000");
        builder.UseSetting("Security:RateLimits:EnrolmentPerMinute", "100000");
        builder.UseSetting("Admin:Email", Email);
        builder.UseSetting("Admin:Password", Password);
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
    }

    public async Task WithDbAsync(Func<SquadStudyDbContext, Task> work)
    {
        await using var scope = Services.CreateAsyncScope();
        await work(scope.ServiceProvider.GetRequiredService<SquadStudyDbContext>());
    }

    public async Task<T> WithDbAsync<T>(Func<SquadStudyDbContext, Task<T>> work)
    {
        await using var scope = Services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<SquadStudyDbContext>());
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && Directory.Exists(DataDirectory))
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(DataDirectory, recursive: true);
        }
    }
}
