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
/// The site's built-in precompute worker: works on the <see cref="PrecomputeQueue"/>'s items (any
/// study's) until none is left, then waits for the next import or poll. Any number of instances,
/// and <c>squadstudy worker</c> on other machines, share the items; an item cut off by a crash is
/// claimed again once its lease runs out. Progress is the <see cref="PrecomputeJob"/> row, which
/// the researchers' dashboard reads. Off on an instance with <c>SquadStudy:RunPrecompute=false</c>.
/// </summary>
public sealed class PrecomputeWorker(Precomputer precomputer, PrecomputeSignal signal, IOptions<PrecomputeLeaseOptions> lease, ILogger<PrecomputeWorker> logger) : BackgroundService
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var owner = PrecomputeQueue.NewOwner();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await precomputer.WorkAsync(owner, lease.Value, cancellationToken: stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                logger.LogInformation("Precompute worker stopped; what it held goes back to the queue.");
                return;
            }
            catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or TimeoutException or IOException)
            {
                // The database is down or restarting, or the disk is full: the site keeps serving
                // (/healthz says 503) and the worker tries again instead of stopping the whole host.
                logger.LogWarning("Precompute worker: {Message}; trying again shortly.", e.Message);
            }
            await signal.WaitAsync(PollInterval, stoppingToken);
        }
    }
}
