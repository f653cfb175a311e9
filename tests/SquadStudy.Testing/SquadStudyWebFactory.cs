using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SquadStudy.Data;

namespace SquadStudy.Testing;

/// <summary>
/// The whole site in memory on a throw-away data directory with its own SQLite file (a file rather
/// than a kept-open in-memory connection: the participant tests send many requests at once, and one
/// shared in-memory connection would serialise them and hide the locking they must survive).
/// </summary>
public class SquadStudyWebFactory : WebApplicationFactory<Program>
{
    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "squadstudy-tests", Guid.NewGuid().ToString("N"));

    public ContentStore Store => new(DataDirectory);

    /// <summary>The site's clock: the system's, moved forward by the tests that need time to pass.</summary>
    public TestClock Clock { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        Directory.CreateDirectory(DataDirectory);
        builder.UseEnvironment("Testing");
        builder.UseSetting("SquadStudy:DataDirectory", DataDirectory);
        // Tests seed their own studies; the first-run demo would import and precompute in the background.
        builder.UseSetting("SquadStudy:SeedDemo", "false");
        // Tests sign in and enrol far more often than a person; the rate-limit tests set their own limits.
        builder.UseSetting("Security:RateLimits:LoginPerMinute", "100000");
        builder.UseSetting("Security:RateLimits:EnrolmentPerMinute", "100000");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        builder.ConfigureLogging(logging => logging.AddSiteLog());
        builder.ConfigureTestServices(services =>
        {
            TestResearcherAuthentication.Register(services);
            services.AddSingleton<TimeProvider>(Clock);
        });
    }

    /// <summary>The warnings and errors the site logged so far (<see cref="SiteLog"/>).</summary>
    public IReadOnlyList<string> LoggedProblems() => Services.Messages();

    /// <summary>A client that keeps cookies and shows redirects instead of following them.</summary>
    public HttpClient CreateParticipantClient() =>
        CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    /// <summary>Runs <paramref name="work"/> with a fresh DbContext on the site's database.</summary>
    public async Task<T> WithDbAsync<T>(Func<SquadStudyDbContext, Task<T>> work)
    {
        await using var scope = Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SquadStudyDbContext>();
        return await work(db);
    }

    /// <summary>Inserts a synthetic study (after the site has started and migrated the schema).</summary>
    public Task<TestStudy> AddStudyAsync(TestStudyBuilder builder) => WithDbAsync(db => builder.BuildAsync(db, Store));

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
            catch (IOException)
            {
                // A file still held open by a late background task; the OS temp cleaner removes it.
            }
        }
    }
}
