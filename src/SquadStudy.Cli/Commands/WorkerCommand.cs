using System.CommandLine;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SquadStudy.Data;
using SquadStudy.Studies;

namespace SquadStudy.Cli.Commands;

/// <summary>
/// <c>squadstudy worker [--until-idle] [--lease-seconds N] [--workers N]</c>: a precompute worker on
/// any machine that reaches the site's database (the same configuration as the site). It claims
/// items from the shared queue, study after study, under leases it renews, with a progress bar of
/// the whole job; Ctrl+C stops it and hands back what it holds; a killed worker's items are claimed
/// by another once their leases run out.
/// </summary>
internal static class WorkerCommand
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(5);

    public static Command Create(CliContext context)
    {
        var untilIdle = new Option<bool>("--until-idle") { Description = "Exit when no job needs a worker (default: keep waiting for new ones)" };
        var leaseSeconds = new Option<int>("--lease-seconds")
        {
            Description = "How long an item stays with this worker if it stops renewing (crash, lost network)",
            DefaultValueFactory = _ => (int)new PrecomputeLeaseOptions().Lease.TotalSeconds,
        };
        var workers = new Option<int>("--workers") { Description = "Images processed in parallel (default: one per core, at most 2)", DefaultValueFactory = _ => new PrecomputeOptions().Workers };
        var command = new Command("worker", "Run a precompute worker against the site's database") { untilIdle, leaseSeconds, workers };
        command.SetAction(async (parse, cancellationToken) => await ImportCommand.RunAsync(context, async services =>
        {
            var precomputer = services.GetRequiredService<Precomputer>();
            var queue = services.GetRequiredService<PrecomputeQueue>();
            var lease = new PrecomputeLeaseOptions { Lease = TimeSpan.FromSeconds(Math.Max(3, parse.GetValue(leaseSeconds))) };
            var options = new PrecomputeOptions { Workers = Math.Max(1, parse.GetValue(workers)) };
            var owner = PrecomputeQueue.NewOwner();
            context.Out.WriteLine($"Worker {owner} waiting for precompute items.");
            while (true)
            {
                if (await queue.NextStudyAsync(lease, cancellationToken) is not long studyId)
                {
                    if (parse.GetValue(untilIdle))
                    {
                        context.Out.WriteLine("No precompute item needs a worker; exiting.");
                        return 0;
                    }
                    await Task.Delay(PollInterval, cancellationToken);
                    continue;
                }
                string slug;
                await using (var scope = services.CreateAsyncScope())
                {
                    slug = await scope.ServiceProvider.GetRequiredService<SquadStudyDbContext>().Studies
                        .Where(s => s.Id == studyId).Select(s => s.Slug).SingleAsync(cancellationToken);
                }
                try
                {
                    // The bar shows the whole job (every worker's items), this worker's rate beside it.
                    var computed = 0;
                    await PrecomputeCommand.ShowProgressAsync(context, slug, async progress =>
                        computed = await precomputer.WorkAsync(owner, lease, options, studyId, progress, cancellationToken));
                    context.Out.WriteLine($"Study '{slug}': {computed} item(s) computed here; no item of it is left to claim.");
                }
                catch (Exception e) when (e is InvalidOperationException or DbUpdateException or IOException)
                {
                    // Recorded on the item (the dashboard shows it); this worker goes on with the next.
                    context.Error.WriteLine($"error: study '{slug}': {CliApp.OneLine(e.Message)}");
                }
            }
        }));
        return command;
    }
}
