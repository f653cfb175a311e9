using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using SquadStudy.Data;
using SquadStudy.Data.Migrations;
using SquadStudy.Web.Precompute;

namespace SquadStudy.Web.Infrastructure;

/// <summary>The first researcher account, from <c>Admin__Email</c> and <c>Admin__Password</c>.</summary>
public sealed class AdminOptions
{
    public const string Section = "Admin";
    public string? Email { get; set; }
    public string? Password { get; set; }
}

/// <summary>Whether the start-up tasks have finished; read by <c>/healthz</c> and the gate in front of every page.</summary>
public sealed class StartupState
{
    private volatile bool _ready;
    private int _failedAttempts;

    public bool IsReady => _ready;

    public int FailedAttempts => Volatile.Read(ref _failedAttempts);

    internal void MarkReady() => _ready = true;

    internal int RecordFailure() => Interlocked.Increment(ref _failedAttempts);
}

/// <summary>
/// The site's one start-up task: migrate the schema, then create the configured first researcher,
/// then (in the background, while the site serves) import and open the first-run demo.
/// <para>
/// Safe when several instances start at once on one PostgreSQL database: the migrator holds an
/// advisory lock, the account is inserted if absent (the unique index settles a race), and the demo
/// import runs under a lock of its own (<see cref="DemoStudySeeder"/>). A failed attempt (database
/// not up yet, a lost race the code did not foresee) is logged and retried with a growing pause
/// instead of ending the host; meanwhile <c>/healthz</c> reports 503 and pages answer 503 with
/// Retry-After, so a load balancer sends participants elsewhere.
/// </para>
/// </summary>
public sealed class StartupTasks(
    IServiceScopeFactory scopes,
    IOptions<AdminOptions> admin,
    DemoStudySeeder demo,
    StartupState state,
    ILogger<StartupTasks> logger) : BackgroundService
{
    internal static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1);
    internal static readonly TimeSpan LongestRetry = TimeSpan.FromSeconds(30);

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // The first attempt runs before the server listens, so on a healthy start no request ever
        // sees a half-migrated database; later attempts run in the background.
        await TryPrepareAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var pause = FirstRetry;
        while (!state.IsReady)
        {
            await Task.Delay(pause, stoppingToken);
            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, LongestRetry.Ticks));
            await TryPrepareAsync(stoppingToken);
        }
        await demo.RunAsync(stoppingToken);
    }

    private async Task TryPrepareAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<SchemaMigrator>().MigrateAsync(cancellationToken: cancellationToken);
            await SeedAdminAsync(scope.ServiceProvider.GetRequiredService<ResearcherAccounts>(), cancellationToken);
            state.MarkReady();
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            var attempt = state.RecordFailure();
            logger.LogError(e, "Start-up tasks failed (attempt {Attempt}); the site answers 503 and tries again.", attempt);
        }
    }

    private async Task SeedAdminAsync(ResearcherAccounts accounts, CancellationToken cancellationToken)
    {
        var account = admin.Value;
        if (string.IsNullOrWhiteSpace(account.Email) || string.IsNullOrEmpty(account.Password))
        {
            return;
        }
        if (await accounts.AddAsync(account.Email, account.Password, cancellationToken))
        {
            logger.LogInformation("Created researcher account {Email} from configuration.", account.Email);
        }
    }
}

/// <summary><c>/healthz</c>'s "startup" entry: unhealthy until the start-up tasks have finished.</summary>
public sealed class StartupHealthCheck(StartupState state) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(state.IsReady
            ? HealthCheckResult.Healthy("Start-up tasks done.")
            : HealthCheckResult.Unhealthy($"Start-up tasks not finished ({state.FailedAttempts} failed attempts so far, retrying).",
                data: new Dictionary<string, object> { ["failed_attempts"] = state.FailedAttempts }));
}

public static class StartupGate
{
    /// <summary>Until the start-up tasks have finished, every request but <c>/healthz</c> gets 503 with Retry-After.</summary>
    public static IApplicationBuilder UseStartupGate(this IApplicationBuilder app)
    {
        var state = app.ApplicationServices.GetRequiredService<StartupState>();
        return app.Use((context, next) =>
        {
            if (state.IsReady || context.Request.Path.StartsWithSegments("/healthz", StringComparison.Ordinal))
            {
                return next(context);
            }
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.Headers.RetryAfter = "5";
            return Task.CompletedTask;
        });
    }
}
