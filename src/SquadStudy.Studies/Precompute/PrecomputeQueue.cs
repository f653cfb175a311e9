using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SquadStudy.Data;
using SquadStudy.Data.Entities;

namespace SquadStudy.Studies;

public sealed record PrecomputeLeaseOptions
{
    /// <summary>How long an item stays with a worker that stops renewing (it crashed or lost the database).</summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>How many times an item is claimed (a worker died holding it, or computing it failed) before it is marked failed.</summary>
    public int MaxAttempts { get; init; } = 5;
}

/// <summary>
/// The precompute items of every study, shared by all workers that reach the database (the site's
/// built-in worker on any instance, <c>squadstudy worker</c> on any machine, <c>squadstudy
/// precompute</c>). A worker claims one item at a time: on PostgreSQL with <c>FOR UPDATE SKIP
/// LOCKED</c>, so workers never wait for each other's claims; on SQLite with one conditional UPDATE
/// (its single writer serialises them). The holder renews the leases of what it holds; an item
/// whose lease runs out (its worker died) is claimed again, and the dead worker's commit, should it
/// ever come, is refused (<see cref="CompleteAsync"/> checks the lease), so every item's results
/// are stored once. An item claimed <see cref="PrecomputeLeaseOptions.MaxAttempts"/> times without
/// finishing is marked failed, with its reason for the dashboard, and so is its job.
/// </summary>
public sealed class PrecomputeQueue(IServiceScopeFactory scopes, TimeProvider clock, ILogger<PrecomputeQueue> logger)
{
    /// <summary>A name for this worker, unique across machines and restarts.</summary>
    public static string NewOwner() => $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    /// <summary>Claims the next item that needs a worker (of one study when given), or null when there is none.</summary>
    public async Task<PrecomputeItem?> ClaimAsync(string owner, PrecomputeLeaseOptions options, long? studyId = null, CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SquadStudyDbContext>();
        var now = Now;
        await GiveUpAsync(db, now, options, cancellationToken);
        var expires = now + options.Lease;
        long? claimed;
        if (DatabaseProviders.Of(db) == DatabaseProvider.Postgres)
        {
            var study = studyId ?? -1;
            // Items other workers are claiming at this moment are locked: SKIP LOCKED passes over them.
            claimed = (await db.Database.SqlQuery<long>($"""
                UPDATE precompute_items
                SET status = {PrecomputeStatus.Running}, lease_owner = {owner}, lease_expires_utc = {expires},
                    attempts = attempts + 1, updated_utc = {now}
                WHERE id = (
                    SELECT i.id FROM precompute_items i
                    JOIN precompute_jobs j ON j.id = i.job_id
                    JOIN studies s ON s.id = j.study_id
                    WHERE s.status = {StudyStatus.Precomputing} AND ({study} < 0 OR j.study_id = {study})
                      AND i.attempts < {options.MaxAttempts}
                      AND (i.status = {PrecomputeStatus.Pending} OR (i.status = {PrecomputeStatus.Running} AND i.lease_expires_utc < {now}))
                    ORDER BY i.attempts, i.id
                    LIMIT 1
                    FOR UPDATE OF i SKIP LOCKED)
                RETURNING id AS "Value"
                """).ToListAsync(cancellationToken)).Cast<long?>().SingleOrDefault();
        }
        else
        {
            claimed = null;
            var candidates = await Claimable(db, now, options, studyId).Select(i => new { i.Id, i.Attempts }).Take(5).ToListAsync(cancellationToken);
            foreach (var candidate in candidates)
            {
                // Re-checks in the UPDATE itself: of two workers racing for one item, one matches.
                var taken = await db.PrecomputeItems
                    .Where(i => i.Id == candidate.Id && i.Attempts == candidate.Attempts
                                && (i.Status == PrecomputeStatus.Pending || (i.Status == PrecomputeStatus.Running && i.LeaseExpiresUtc < now)))
                    .ExecuteUpdateAsync(s => s
                        .SetProperty(i => i.Status, PrecomputeStatus.Running)
                        .SetProperty(i => i.LeaseOwner, owner)
                        .SetProperty(i => i.LeaseExpiresUtc, expires)
                        .SetProperty(i => i.Attempts, i => i.Attempts + 1)
                        .SetProperty(i => i.UpdatedUtc, now), cancellationToken);
                if (taken == 1)
                {
                    claimed = candidate.Id;
                    break;
                }
            }
        }
        return claimed is long id ? await db.PrecomputeItems.AsNoTracking().SingleAsync(i => i.Id == id, cancellationToken) : null;
    }

    private static IQueryable<PrecomputeItem> Claimable(SquadStudyDbContext db, DateTime now, PrecomputeLeaseOptions options, long? studyId) =>
        from item in db.PrecomputeItems
        join job in db.PrecomputeJobs on item.JobId equals job.Id
        join study in db.Studies on job.StudyId equals study.Id
        where study.Status == StudyStatus.Precomputing && (studyId == null || job.StudyId == studyId)
              && item.Attempts < options.MaxAttempts
              && (item.Status == PrecomputeStatus.Pending || (item.Status == PrecomputeStatus.Running && item.LeaseExpiresUtc < now))
        orderby item.Attempts, item.Id
        select item;

    /// <summary>The study with an item to claim, oldest first, or null when no study needs a worker.</summary>
    public async Task<long?> NextStudyAsync(PrecomputeLeaseOptions options, CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SquadStudyDbContext>();
        var withItems = await (from item in Claimable(db, Now, options, null)
                               join job in db.PrecomputeJobs on item.JobId equals job.Id
                               select (long?)job.StudyId).FirstOrDefaultAsync(cancellationToken);
        // A study whose job has no items yet (or needs its next phase) also needs a worker.
        return withItems ?? await (from job in db.PrecomputeJobs
                                   join study in db.Studies on job.StudyId equals study.Id
                                   where study.Status == StudyStatus.Precomputing && job.Status != PrecomputeStatus.Failed
                                         && !db.PrecomputeItems.Any(i => i.JobId == job.Id && i.Status != PrecomputeStatus.Done)
                                   orderby job.Id
                                   select (long?)job.StudyId).FirstOrDefaultAsync(cancellationToken);
    }

    /// <summary>
    /// Commits a computed item: marks it done and advances its job's count, then runs
    /// <paramref name="store"/> (the item's rows), all in one transaction, but only while this
    /// worker still holds the item. False (nothing written) when its lease ran out and another worker claimed it.
    /// </summary>
    public async Task<bool> CompleteAsync(PrecomputeItem item, string owner, Action<SquadStudyDbContext> store)
    {
        // Not cancellable: an item whose files are stored is committed whole, so a stop request never discards finished work.
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SquadStudyDbContext>();
        var strategy = db.Database.CreateExecutionStrategy();
        return await strategy.ExecuteAsync(async () =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None);
            var now = Now;
            var held = await db.PrecomputeItems
                .Where(i => i.Id == item.Id && i.LeaseOwner == owner && i.Status == PrecomputeStatus.Running)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(i => i.Status, PrecomputeStatus.Done)
                    .SetProperty(i => i.LeaseOwner, (string?)null)
                    .SetProperty(i => i.LeaseExpiresUtc, (DateTime?)null)
                    .SetProperty(i => i.Error, (string?)null)
                    .SetProperty(i => i.UpdatedUtc, now), CancellationToken.None);
            if (held == 0)
            {
                logger.LogWarning("Precompute item {ItemId}: another worker claimed it (this worker's lease ran out); its results are not stored twice.", item.Id);
                return false;
            }
            store(db);
            await db.SaveChangesAsync(CancellationToken.None);
            await db.PrecomputeJobs.Where(j => j.Id == item.JobId)
                .ExecuteUpdateAsync(s => s.SetProperty(j => j.Completed, j => j.Completed + 1).SetProperty(j => j.UpdatedUtc, now), CancellationToken.None);
            await transaction.CommitAsync(CancellationToken.None);
            return true;
        });
    }

    /// <summary>
    /// Records that computing an item failed: it goes back to the queue, or is marked failed (and
    /// its job with it) once it has been claimed <see cref="PrecomputeLeaseOptions.MaxAttempts"/> times.
    /// </summary>
    public async Task FailAsync(PrecomputeItem item, string owner, PrecomputeLeaseOptions options, Exception error)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SquadStudyDbContext>();
        var message = $"{error.GetType().Name}: {error.Message}";
        var now = Now;
        var gaveUp = item.Attempts >= options.MaxAttempts;
        var recorded = await db.PrecomputeItems.Where(i => i.Id == item.Id && i.LeaseOwner == owner)
            .ExecuteUpdateAsync(s => s
                .SetProperty(i => i.Status, gaveUp ? PrecomputeStatus.Failed : PrecomputeStatus.Pending)
                .SetProperty(i => i.Error, message)
                .SetProperty(i => i.LeaseOwner, (string?)null)
                .SetProperty(i => i.LeaseExpiresUtc, (DateTime?)null)
                .SetProperty(i => i.UpdatedUtc, now), CancellationToken.None);
        logger.LogError(error, "Precompute item {ItemId} ({Phase}, attempt {Attempt} of {Max}) failed{GaveUp}", item.Id, item.Phase, item.Attempts, options.MaxAttempts,
            gaveUp ? "; giving up on it" : "; it goes back to the queue");
        if (recorded == 1 && gaveUp)
        {
            await FailJobsWithFailedItemsAsync(db, now);
        }
    }

    /// <summary>Items whose workers died <see cref="PrecomputeLeaseOptions.MaxAttempts"/> times: marked failed, and their jobs.</summary>
    private async Task GiveUpAsync(SquadStudyDbContext db, DateTime now, PrecomputeLeaseOptions options, CancellationToken cancellationToken)
    {
        var error = $"Gave up after {options.MaxAttempts} attempts: the workers that took this item stopped before finishing it (see their logs).";
        var marked = await db.PrecomputeItems
            .Where(i => i.Attempts >= options.MaxAttempts
                        && (i.Status == PrecomputeStatus.Pending || (i.Status == PrecomputeStatus.Running && i.LeaseExpiresUtc < now)))
            .ExecuteUpdateAsync(s => s
                .SetProperty(i => i.Status, PrecomputeStatus.Failed)
                .SetProperty(i => i.Error, i => i.Error ?? error)
                .SetProperty(i => i.LeaseOwner, (string?)null)
                .SetProperty(i => i.LeaseExpiresUtc, (DateTime?)null)
                .SetProperty(i => i.UpdatedUtc, now), cancellationToken);
        if (marked > 0)
        {
            logger.LogError("{Count} precompute item(s): {Error}", marked, error);
            await FailJobsWithFailedItemsAsync(db, now);
        }
    }

    /// <summary>
    /// Brings every failed job's error ("N item(s) failed; the first: …") up to date. Two workers that give up on
    /// items at the same moment each count the failed items and write the job's error; the one that counted first
    /// can write last, leaving a count that is too low. A run calls this once its workers have stopped.
    /// </summary>
    public async Task RecountFailedJobsAsync()
    {
        await using var scope = scopes.CreateAsyncScope();
        await FailJobsWithFailedItemsAsync(scope.ServiceProvider.GetRequiredService<SquadStudyDbContext>(), Now);
    }

    private static async Task FailJobsWithFailedItemsAsync(SquadStudyDbContext db, DateTime now)
    {
        var failing = await db.PrecomputeItems.Where(i => i.Status == PrecomputeStatus.Failed)
            .GroupBy(i => i.JobId).Select(g => new { JobId = g.Key, Count = g.Count(), FirstId = g.Min(i => i.Id) })
            .ToListAsync(CancellationToken.None);
        foreach (var job in failing)
        {
            var first = await db.PrecomputeItems.Where(i => i.Id == job.FirstId).Select(i => i.Error).SingleAsync(CancellationToken.None);
            var error = $"{job.Count} item(s) failed; the first: {first}";
            await db.PrecomputeJobs.Where(j => j.Id == job.JobId && (j.Status != PrecomputeStatus.Failed || j.Error != error))
                .ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, PrecomputeStatus.Failed).SetProperty(j => j.Error, error).SetProperty(j => j.UpdatedUtc, now), CancellationToken.None);
        }
    }

    /// <summary>Extends the leases of everything <paramref name="owner"/> holds; false when it holds nothing any more.</summary>
    public async Task<int> RenewAsync(string owner, PrecomputeLeaseOptions options)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SquadStudyDbContext>();
        var expires = Now + options.Lease;
        return await db.PrecomputeItems.Where(i => i.LeaseOwner == owner && i.Status == PrecomputeStatus.Running)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.LeaseExpiresUtc, expires), CancellationToken.None);
    }

    /// <summary>
    /// A worker that stops on request hands back what it holds, uncounted: the items are claimable
    /// at once instead of when the lease runs out, and a stop is no failed attempt.
    /// </summary>
    public async Task ReleaseAsync(string owner)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SquadStudyDbContext>();
        await db.PrecomputeItems.Where(i => i.LeaseOwner == owner && i.Status == PrecomputeStatus.Running)
            .ExecuteUpdateAsync(s => s
                .SetProperty(i => i.Status, PrecomputeStatus.Pending)
                .SetProperty(i => i.LeaseOwner, (string?)null)
                .SetProperty(i => i.LeaseExpiresUtc, (DateTime?)null)
                .SetProperty(i => i.Attempts, i => i.Attempts - 1), CancellationToken.None);
    }

    /// <summary>
    /// Gives a failed job's failed items another <see cref="PrecomputeLeaseOptions.MaxAttempts"/>
    /// (after the cause is mended: a model replaced, a disk freed); true when there was any.
    /// </summary>
    public async Task<bool> RetryFailedAsync(long studyId, CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SquadStudyDbContext>();
        var now = Now;
        var jobId = await db.PrecomputeJobs.Where(j => j.StudyId == studyId).Select(j => (long?)j.Id).SingleOrDefaultAsync(cancellationToken);
        if (jobId is null)
        {
            return false;
        }
        var retried = await db.PrecomputeItems.Where(i => i.JobId == jobId && i.Status == PrecomputeStatus.Failed)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.Status, PrecomputeStatus.Pending).SetProperty(i => i.Attempts, 0).SetProperty(i => i.UpdatedUtc, now), cancellationToken);
        var job = await db.PrecomputeJobs.Where(j => j.Id == jobId && j.Status == PrecomputeStatus.Failed)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, PrecomputeStatus.Running).SetProperty(j => j.Error, (string?)null).SetProperty(j => j.UpdatedUtc, now), cancellationToken);
        return retried + job > 0;
    }
}
