using Microsoft.Extensions.Options;
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
/// The site's built-in precompute worker: takes jobs from the <see cref="PrecomputeQueue"/> one
/// after another, under a renewed lease, so any number of instances (and <c>squadstudy worker</c>
/// on other machines) can run it against one database without two working on one job. A job cut
/// off by a crash is taken over once its lease runs out and resumed (the precomputer skips what
/// exists). Progress is the <see cref="PrecomputeJob"/> row, which the researchers' dashboard
/// reads. Off on an instance with <c>SquadStudy:RunPrecompute=false</c>.
/// </summary>
public sealed class PrecomputeWorker(PrecomputeQueue queue, PrecomputeSignal signal, IOptions<PrecomputeLeaseOptions> lease, ILogger<PrecomputeWorker> logger) : BackgroundService
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var owner = PrecomputeQueue.NewOwner();
        while (!stoppingToken.IsCancellationRequested)
        {
            PrecomputeJob? job;
            try
            {
                job = await queue.TryClaimAsync(owner, lease.Value, cancellationToken: stoppingToken);
            }
            catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
            {
                // The database is down or restarting: the site keeps serving (/healthz says 503) and
                // the worker tries again instead of stopping the whole host.
                logger.LogWarning("Precompute worker cannot reach the database: {Message}", e.Message);
                await signal.WaitAsync(PollInterval, stoppingToken);
                continue;
            }
            if (job is null)
            {
                await signal.WaitAsync(PollInterval, stoppingToken);
                continue;
            }
            try
            {
                await queue.RunAsync(job, owner, lease.Value, cancellationToken: stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                logger.LogInformation("Precomputation of study {StudyId} stopped; it resumes at the next start or on another worker.", job.StudyId);
                return;
            }
            catch (Exception e)
            {
                // The precomputer marked the job failed with the reason (or another worker took it
                // over); the worker goes on with the next study.
                logger.LogError(e, "Precomputation of study {StudyId} failed", job.StudyId);
            }
        }
    }
}
