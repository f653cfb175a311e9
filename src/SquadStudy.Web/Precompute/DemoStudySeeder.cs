using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using SquadStudy.Data;
using SquadStudy.Data.Entities;
using SquadStudy.Studies;
using SquadStudy.Web.Infrastructure;

namespace SquadStudy.Web.Precompute;

/// <summary>The first-run demo: <c>SquadStudy:SeedDemo</c> (default true) and <c>SquadStudy:DemoPack</c>.</summary>
public sealed class DemoStudyOptions
{
    public bool SeedDemo { get; set; } = true;
    /// <summary>The demo pack folder or .zip; default: <c>demo/pack</c> in the repository above the content root.</summary>
    public string? DemoPack { get; set; }
    /// <summary>Run the built-in precompute worker in this instance (off: leave the jobs to <c>squadstudy worker</c> or other instances).</summary>
    public bool RunPrecompute { get; set; } = true;
}

/// <summary>
/// On a database without studies, imports the demo pack, lets the worker precompute it, opens it
/// when ready, and prints the participant link and how researchers sign in. The last of the
/// <see cref="StartupTasks"/>, run in the background: the site serves requests (health, login)
/// while the demo is prepared. A restart mid-way picks up where it stopped, since the imported
/// demo is recognised by its pack path. Several instances starting together on one PostgreSQL
/// database import it once: the check for an empty database and the import, and later the
/// opening, run under a database lock.
/// </summary>
public sealed class DemoStudySeeder(
    IServiceScopeFactory scopes,
    IOptions<DemoStudyOptions> options,
    IOptions<AdminOptions> admin,
    IWebHostEnvironment environment,
    IServer server,
    PrecomputeSignal signal,
    ILogger<DemoStudySeeder> logger)
{
    private static readonly TimeSpan ReadyPoll = TimeSpan.FromSeconds(1);

    /// <summary>Advisory-lock key of the demo's import and opening (any constant distinct from the migrator's).</summary>
    private const long DemoLockKey = 0x5351_5541_4444_454D;

    /// <summary>The pack to seed, or null when none is configured or found.</summary>
    public static string? LocatePack(DemoStudyOptions options, string contentRoot)
    {
        if (!string.IsNullOrWhiteSpace(options.DemoPack))
        {
            var configured = Path.GetFullPath(Path.Combine(contentRoot, options.DemoPack));
            return Directory.Exists(configured) || File.Exists(configured) ? configured : null;
        }
        for (var dir = new DirectoryInfo(contentRoot); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "demo", "pack");
            if (File.Exists(Path.Combine(candidate, "study.json")))
            {
                return candidate;
            }
        }
        return null;
    }

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.SeedDemo)
        {
            return;
        }
        var pack = LocatePack(options.Value, environment.ContentRootPath);
        try
        {
            var studyId = await ImportIfEmptyAsync(pack, stoppingToken);
            if (studyId is null)
            {
                return;
            }
            signal.Notify();
            await OpenWhenReadyAsync(studyId.Value, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is StudyPackException or StudyImportException or StudyLifecycleException)
        {
            logger.LogError("The demo study could not be set up: {Message}", e.Message);
        }
    }

    /// <summary>The demo study's id: imported now when the database has no study, or found from an earlier start.</summary>
    private async Task<long?> ImportIfEmptyAsync(string? pack, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SquadStudyDbContext>();
        await using var demoLock = await DatabaseLock.AcquireAsync(db, DemoLockKey, cancellationToken);
        if (pack is not null)
        {
            var seeded = await db.Studies.Where(s => s.PackDirectory == pack && s.Status != StudyStatus.Open && s.Status != StudyStatus.Closed)
                .Select(s => (long?)s.Id).FirstOrDefaultAsync(cancellationToken);
            if (seeded is not null)
            {
                logger.LogInformation("The demo pack {Pack} is imported already (study {StudyId}); it opens when precomputed.", pack, seeded);
                return seeded;
            }
        }
        if (await db.Studies.AnyAsync(cancellationToken))
        {
            logger.LogInformation("The database has studies already; no demo to import.");
            return null;
        }
        if (pack is null)
        {
            logger.LogWarning("No studies yet and no demo pack found (SquadStudy:DemoPack, or demo/pack above {ContentRoot}); import one with `squadstudy import PACK`.", environment.ContentRootPath);
            return null;
        }
        logger.LogWarning("First run: importing the demo study pack {Pack}", pack);
        var study = await scope.ServiceProvider.GetRequiredService<StudyImporter>().ImportAsync(pack, cancellationToken: cancellationToken);
        return study.Id;
    }

    private async Task OpenWhenReadyAsync(long studyId, CancellationToken cancellationToken)
    {
        while (true)
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<SquadStudyDbContext>();
            var study = await db.Studies.AsNoTracking().SingleAsync(s => s.Id == studyId, cancellationToken);
            if (study.Status == StudyStatus.Ready)
            {
                await using var demoLock = await DatabaseLock.AcquireAsync(db, DemoLockKey, cancellationToken);
                // Another instance waiting on the same demo may have opened it meanwhile.
                var status = await db.Studies.Where(s => s.Id == studyId).Select(s => s.Status).SingleAsync(cancellationToken);
                if (status == StudyStatus.Ready)
                {
                    await scope.ServiceProvider.GetRequiredService<StudyLifecycle>().OpenAsync(studyId, cancellationToken);
                    Announce(study.Slug);
                }
                return;
            }
            if (study.Status is StudyStatus.Open or StudyStatus.Closed)
            {
                return;
            }
            var job = await db.PrecomputeJobs.AsNoTracking().SingleAsync(j => j.StudyId == studyId, cancellationToken);
            if (job.Status == PrecomputeStatus.Failed)
            {
                logger.LogError("The demo study's precomputation failed: {Error}", job.Error);
                return;
            }
            await Task.Delay(ReadyPoll, cancellationToken);
        }
    }

    private void Announce(string slug)
    {
        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? "http://localhost:5000";
        address = address.Replace("://+", "://localhost", StringComparison.Ordinal).Replace("://*", "://localhost", StringComparison.Ordinal)
            .Replace("://0.0.0.0", "://localhost", StringComparison.Ordinal).Replace("://[::]", "://localhost", StringComparison.Ordinal).TrimEnd('/');
        var login = string.IsNullOrWhiteSpace(admin.Value.Email)
            ? $"{address}/research/login (no account yet: set Admin__Email and Admin__Password and restart; scripts/run.sh does this)"
            : $"{address}/research/login as {admin.Value.Email}";
        logger.LogWarning("The demo study is open. Participant link: {Participant}  Researchers: {Login}", $"{address}/s/{slug}", login);
    }
}
