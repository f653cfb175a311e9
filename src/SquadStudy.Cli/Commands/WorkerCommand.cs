using System.CommandLine;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SquadStudy.Data;
using SquadStudy.Studies;

namespace SquadStudy.Cli.Commands;

/// <summary>
/// <c>squadstudy worker [--until-idle] [--lease-seconds N] [--workers N]</c>: a precompute worker on
/// any machine that reaches the site's database (the same configuration as the site). It takes
/// jobs from the shared queue one after another, under a lease it renews, with a progress bar of
/// each job; Ctrl+C stops it and the job is taken over by another worker when the lease runs out.
/// </summary>
internal static class WorkerCommand
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(5);

    public static Command Create(CliContext context)
    {
        var untilIdle = new Option<bool>("--until-idle") { Description = "Exit when no job needs a worker (default: keep waiting for new ones)" };
        var leaseSeconds = new Option<int>("--lease-seconds")
        {
            Description = "How long a job stays with this worker if it stops renewing (crash, lost network)",
            DefaultValueFactory = _ => (int)new PrecomputeLeaseOptions().Lease.TotalSeconds,
        };
        var workers = new Option<int>("--workers") { Description = "Images processed in parallel (default: one per core, at most 2)", DefaultValueFactory = _ => new PrecomputeOptions().Workers };
        var command = new Command("worker", "Run a precompute worker against the site's database") { untilIdle, leaseSeconds, workers };
        command.SetAction(async (parse, cancellationToken) => await ImportCommand.RunAsync(context, async services =>
        {
            var queue = services.GetRequiredService<PrecomputeQueue>();
            var lease = new PrecomputeLeaseOptions { Lease = TimeSpan.FromSeconds(Math.Max(3, parse.GetValue(leaseSeconds))) };
            var options = new PrecomputeOptions { Workers = Math.Max(1, parse.GetValue(workers)) };
            var owner = PrecomputeQueue.NewOwner();
            context.Out.WriteLine($"Worker {owner} waiting for precompute jobs.");
            while (true)
            {
                var job = await queue.TryClaimAsync(owner, lease, cancellationToken: cancellationToken);
                if (job is null)
                {
                    if (parse.GetValue(untilIdle))
                    {
                        context.Out.WriteLine("No precompute job needs a worker; exiting.");
                        return 0;
                    }
                    await Task.Delay(PollInterval, cancellationToken);
                    continue;
                }
                string slug;
                await using (var scope = services.CreateAsyncScope())
                {
                    slug = await scope.ServiceProvider.GetRequiredService<SquadStudyDbContext>().Studies
                        .Where(s => s.Id == job.StudyId).Select(s => s.Slug).SingleAsync(cancellationToken);
                }
                try
                {
                    await PrecomputeCommand.ShowProgressAsync(context, slug, progress => queue.RunAsync(job, owner, lease, options, progress, cancellationToken));
                    context.Out.WriteLine($"Study '{slug}' precomputed.");
                }
                catch (Exception e) when (e is PrecomputeLeaseLostException or InvalidOperationException or DbUpdateException or IOException)
                {
                    // Recorded on the job (the dashboard shows it); this worker goes on with the next.
                    context.Error.WriteLine($"error: study '{slug}': {CliApp.OneLine(e.Message)}");
                }
            }
        }));
        return command;
    }
}
