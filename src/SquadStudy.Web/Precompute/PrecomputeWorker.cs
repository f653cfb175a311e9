using Microsoft.EntityFrameworkCore;
using SquadStudy.Data;
using SquadStudy.Data.Entities;
using SquadStudy.Studies;

namespace SquadStudy.Web.Precompute;

/// <summary>Wakes the precompute worker when a study is imported, instead of waiting for its next poll.</summary>
public sealed class PrecomputeSignal
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Notify()
    {
        if (_signal.CurrentCount == 0)
        {
            try
            {
                _signal.Release();
            }
            catch (SemaphoreFullException)
            {
                // Another caller signalled in between: the worker is already awake.
            }
        }
    }

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);
}

/// <summary>
/// Runs the site's precompute jobs one after another. Jobs still <c>running</c> at start-up were
/// cut off by a crash or restart and are resumed (the precomputer skips what exists). Progress is
/// the <see cref="PrecomputeJob"/> row, which the researchers' dashboard reads. With several web
/// instances on one PostgreSQL database, enable this worker on one of them only
/// (<c>SquadStudy:RunPrecompute</c>).
/// </summary>
public sealed class PrecomputeWorker(IServiceScopeFactory scopes, Precomputer precomputer, PrecomputeSignal signal, ILogger<PrecomputeWorker> logger) : BackgroundService
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            long? studyId;
            try
            {
                studyId = await NextJobAsync(stoppingToken);
            }
            catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
            {
                // The database is down or restarting: the site keeps serving (/healthz says 503) and
                // the worker tries again instead of stopping the whole host.
                logger.LogWarning("Precompute worker cannot reach the database: {Message}", e.Message);
                await signal.WaitAsync(PollInterval, stoppingToken);
                continue;
            }
            if (studyId is null)
            {
                await signal.WaitAsync(PollInterval, stoppingToken);
                continue;
            }
            try
            {
                await precomputer.RunAsync(studyId.Value, cancellationToken: stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                logger.LogInformation("Precomputation of study {StudyId} stopped; it resumes at the next start.", studyId);
                return;
            }
            catch (Exception e)
            {
                // The precomputer marked the job failed with the reason; the worker goes on with the next study.
                logger.LogError(e, "Precomputation of study {StudyId} failed", studyId);
            }
        }
    }

    private async Task<long?> NextJobAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SquadStudyDbContext>();
        return await (from job in db.PrecomputeJobs
                      join study in db.Studies on job.StudyId equals study.Id
                      where (job.Status == PrecomputeStatus.Pending || job.Status == PrecomputeStatus.Running)
                            && study.Status == StudyStatus.Precomputing
                      orderby job.Id
                      select (long?)job.StudyId).FirstOrDefaultAsync(cancellationToken);
    }
}
