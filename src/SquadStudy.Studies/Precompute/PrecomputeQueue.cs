using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SquadStudy.Data;
using SquadStudy.Data.Entities;

namespace SquadStudy.Studies;

public sealed record PrecomputeLeaseOptions
{
    /// <summary>How long a job stays with a worker that stops renewing (it crashed or lost the database).</summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>How many times a job is taken by a worker before it is marked failed.</summary>
    public int MaxAttempts { get; init; } = 5;
}

/// <summary>
/// Precompute jobs shared by every worker that reaches the database (the site's built-in worker on
/// any instance, <c>squadstudy worker</c> on any machine, <c>squadstudy precompute</c>). A worker
/// takes a job with one conditional UPDATE (free, or its lease run out), which the database
/// serialises on both providers (a row lock on PostgreSQL, the single writer on SQLite), so two
/// workers never hold one job. The holder renews its lease while it works and stops when renewal
/// fails; when a holder dies, its lease runs out and another worker resumes the job where the
/// committed units end (the <see cref="Precomputer"/> skips what exists, so no unit is computed twice
/// and the results equal an uninterrupted run). A job taken <see cref="PrecomputeLeaseOptions.MaxAttempts"/>
/// times without finishing is marked failed, with the reason on the dashboard.
/// </summary>
public sealed class PrecomputeQueue(IServiceScopeFactory scopes, Precomputer precomputer, TimeProvider clock, ILogger<PrecomputeQueue> logger)
{
    /// <summary>A name for this worker, unique across machines and restarts.</summary>
    public static string NewOwner() => $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";

    /// <summary>Takes the oldest job that needs a worker, or one study's job; null when there is none to take.</summary>
    public async Task<PrecomputeJob?> TryClaimAsync(string owner, PrecomputeLeaseOptions options, long? studyId = null, CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SquadStudyDbContext>();
        var now = clock.GetUtcNow().UtcDateTime;
        var candidates = await (from job in db.PrecomputeJobs
                                join study in db.Studies on job.StudyId equals study.Id
                                where (job.Status == PrecomputeStatus.Pending || job.Status == PrecomputeStatus.Running)
                                      && study.Status == StudyStatus.Precomputing
                                      && (studyId == null || job.StudyId == studyId)
                                      && (job.LeaseExpiresUtc == null || job.LeaseExpiresUtc < now || job.LeaseOwner == owner)
                                orderby job.Id
                                select new { job.Id, job.Attempts }).Take(10).ToListAsync(cancellationToken);
        foreach (var candidate in candidates)
        {
            if (candidate.Attempts >= options.MaxAttempts)
            {
                await GiveUpAsync(db, candidate.Id, now, options, cancellationToken);
                continue;
            }
            // Re-checks the lease in the UPDATE itself: of two workers racing for one job, one matches.
            var taken = await db.PrecomputeJobs
                .Where(j => j.Id == candidate.Id && j.Attempts == candidate.Attempts
                            && (j.LeaseExpiresUtc == null || j.LeaseExpiresUtc < now || j.LeaseOwner == owner))
                .ExecuteUpdateAsync(s => s
                    .SetProperty(j => j.LeaseOwner, owner)
                    .SetProperty(j => j.LeaseExpiresUtc, now + options.Lease)
                    .SetProperty(j => j.Attempts, j => j.Attempts + 1), cancellationToken);
            if (taken == 1)
            {
                return await db.PrecomputeJobs.AsNoTracking().SingleAsync(j => j.Id == candidate.Id, cancellationToken);
            }
        }
        return null;
    }

    /// <summary>
    /// Runs a claimed job to its end, renewing the lease every third of its length; stops (and
    /// keeps what is committed) when the lease was lost. Releases the lease at the end either way.
    /// </summary>
    public async Task RunAsync(PrecomputeJob job, string owner, PrecomputeLeaseOptions options, PrecomputeOptions? precompute = null,
        IProgress<PrecomputeProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        using var lost = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var renewal = RenewUntilCancelledAsync(job.Id, owner, options, lost);
        try
        {
            await precomputer.RunAsync(job.StudyId, precompute, progress, lost.Token);
        }
        catch (OperationCanceledException) when (lost.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new PrecomputeLeaseLostException(job.StudyId);
        }
        finally
        {
            await lost.CancelAsync();
            await renewal;
            await ReleaseAsync(job.Id, owner);
        }
    }

    private async Task RenewUntilCancelledAsync(long jobId, string owner, PrecomputeLeaseOptions options, CancellationTokenSource lost)
    {
        var period = options.Lease / 3;
        while (!lost.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(period, clock, lost.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<SquadStudyDbContext>();
                var expires = clock.GetUtcNow().UtcDateTime + options.Lease;
                var renewed = await db.PrecomputeJobs.Where(j => j.Id == jobId && j.LeaseOwner == owner)
                    .ExecuteUpdateAsync(s => s.SetProperty(j => j.LeaseExpiresUtc, expires), CancellationToken.None);
                if (renewed == 0)
                {
                    logger.LogWarning("Precompute job {JobId}: another worker took it over; stopping here.", jobId);
                    await lost.CancelAsync();
                    return;
                }
            }
            catch (Exception e) when (e is System.Data.Common.DbException or TimeoutException or InvalidOperationException)
            {
                // The database is briefly unreachable: try again next period; if it stays away the
                // lease runs out and the commits of this worker fail anyway.
                logger.LogWarning("Precompute job {JobId}: could not renew the lease: {Message}", jobId, e.Message);
            }
        }
    }

    private async Task ReleaseAsync(long jobId, string owner)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SquadStudyDbContext>();
        await db.PrecomputeJobs.Where(j => j.Id == jobId && j.LeaseOwner == owner)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.LeaseOwner, (string?)null).SetProperty(j => j.LeaseExpiresUtc, (DateTime?)null), CancellationToken.None);
    }

    private async Task GiveUpAsync(SquadStudyDbContext db, long jobId, DateTime now, PrecomputeLeaseOptions options, CancellationToken cancellationToken)
    {
        var error = $"Gave up after {options.MaxAttempts} attempts: the workers that took this job stopped before finishing it (see their logs).";
        var marked = await db.PrecomputeJobs.Where(j => j.Id == jobId && j.Status != PrecomputeStatus.Failed && (j.LeaseExpiresUtc == null || j.LeaseExpiresUtc < now))
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, PrecomputeStatus.Failed).SetProperty(j => j.Error, error)
                .SetProperty(j => j.LeaseOwner, (string?)null).SetProperty(j => j.LeaseExpiresUtc, (DateTime?)null).SetProperty(j => j.UpdatedUtc, now), cancellationToken);
        if (marked == 1)
        {
            logger.LogError("Precompute job {JobId}: {Error}", jobId, error);
        }
    }
}

/// <summary>The worker's lease on a job ran out and another worker took it over; this worker's committed units stay.</summary>
public sealed class PrecomputeLeaseLostException(long studyId)
    : Exception($"The precompute job of study {studyId} was taken over by another worker (this worker's lease ran out).")
{
    public long StudyId { get; } = studyId;
}
