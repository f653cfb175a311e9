using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SquadStudy.Data;

namespace SquadStudy.Testing;

/// <summary>How a <see cref="SiteFactory"/> starts the site; every setting has the tests' usual default.</summary>
public sealed record SiteOptions
{
    /// <summary><c>Testing</c> by default; <c>Production</c> to run the site as a deployment would.</summary>
    public string Environment { get; init; } = "Testing";

    /// <summary>A data directory the caller owns (and deletes); null: a throw-away one, deleted with the factory.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>A PostgreSQL database instead of the data directory's SQLite file.</summary>
    public string? PostgresConnectionString { get; init; }

    /// <summary>The first researcher, seeded from configuration (<c>Admin:Email</c>, <c>Admin:Password</c>) as in production.</summary>
    public (string Email, string Password)? Admin { get; init; }

    /// <summary>Further configuration, applied after the defaults (so it can override them).</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();

    /// <summary>Service registrations applied after the site's own (test doubles win).</summary>
    public Action<IServiceCollection>? TestServices { get; init; }
}

/// <summary>
/// The site under test, in memory (or on Kestrel, see <see cref="WebApplicationFactory{TEntryPoint}.UseKestrel()"/>),
/// configured by <see cref="SiteOptions"/>: its own data directory, SQLite unless given PostgreSQL,
/// no first-run demo, rate limits out of the tests' way, and its log collected (<see cref="SiteLog"/>).
/// Every test site is this class or a thin subclass that names its defaults.
/// </summary>
public class SiteFactory(SiteOptions? options = null) : WebApplicationFactory<Program>
{
    private readonly SiteOptions _options = options ?? new SiteOptions();

    public string DataDirectory { get; } = options?.DataDirectory ?? Path.Combine(Path.GetTempPath(), "squadstudy-tests", Guid.NewGuid().ToString("N"));

    public SiteOptions Options => _options;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        Directory.CreateDirectory(DataDirectory);
        builder.UseEnvironment(_options.Environment);
        builder.UseSetting("SquadStudy:DataDirectory", DataDirectory);
        if (_options.PostgresConnectionString is { } postgres)
        {
            // As a deployment configures it: the connection string alone chooses PostgreSQL.
            builder.UseSetting("ConnectionStrings:SquadStudy", postgres);
        }
        // Tests seed their own studies; the first-run demo would import and precompute in the background.
        builder.UseSetting("SquadStudy:SeedDemo", "false");
        // Tests sign in and enrol far more often than a person; the rate-limit tests set their own limits.
        builder.UseSetting("Security:RateLimits:LoginPerMinute", "100000");
        builder.UseSetting("Security:RateLimits:EnrolmentPerMinute", "100000");
        if (_options.Admin is var (email, password))
        {
            builder.UseSetting("Admin:Email", email);
            builder.UseSetting("Admin:Password", password);
        }
        foreach (var (key, value) in _options.Settings)
        {
            builder.UseSetting(key, value);
        }
        builder.ConfigureLogging(logging => logging.AddSiteLog());
        if (_options.TestServices is { } services)
        {
            builder.ConfigureTestServices(services);
        }
    }

    /// <summary>What the site logged at <paramref name="least"/> or above (<see cref="SiteLog"/>).</summary>
    public IReadOnlyList<string> Logged(LogLevel least = LogLevel.Warning) => Services.Messages(least);

    /// <summary>Runs <paramref name="work"/> with a fresh DbContext on the site's database.</summary>
    public async Task<T> WithDbAsync<T>(Func<SquadStudyDbContext, Task<T>> work)
    {
        await using var scope = Services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<SquadStudyDbContext>());
    }

    public Task WithDbAsync(Func<SquadStudyDbContext, Task> work) => WithDbAsync(async db =>
    {
        await work(db);
        return true;
    });

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (!disposing)
        {
            return;
        }
        SqliteConnection.ClearAllPools();
        if (_options.DataDirectory is null && Directory.Exists(DataDirectory))
        {
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
