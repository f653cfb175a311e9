using System.CommandLine;
using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SquadStudy.Data;
using SquadStudy.Engine.Metrics;
using SquadStudy.Studies;
using SquadStudy.Studies.Engine;

namespace SquadStudy.Cli.Commands;

/// <summary>
/// <c>squadstudy metrics --study SLUG [--db CONNECTION|PATH] [--deletion-insertion] [--steps N] [--road] [--all] [--threads N]</c>:
/// adds the perturbation metrics (off by default when precomputing: they are expensive) to a precomputed
/// study from its stored maps (<see cref="StoredMetrics"/>), without running the explainers again. The
/// report and the dashboard read them from then on. Stopped, it keeps the (image, model)s it finished;
/// run again, it writes the same values.
/// </summary>
internal static class MetricsCommand
{
    public static Command Create(CliContext context)
    {
        var study = new Option<string>("--study") { Description = "The study's slug.", Required = true };
        var db = AdminCommand.DatabaseOption();
        var deletionInsertion = new Option<bool>("--deletion-insertion") { Description = "Deletion and insertion curves and AUCs (Petsiuk et al. 2018)." };
        var steps = new Option<int?>("--steps") { Description = "Deletion/insertion steps (default 20; the curves have steps + 1 points)." };
        var road = new Option<bool>("--road") { Description = "ROAD, most and least relevant first (Rong et al. 2022)." };
        var all = new Option<bool>("--all") { Description = "Both: deletion/insertion and ROAD." };
        var threads = new Option<int>("--threads") { Description = "libtorch threads (default: one per core, at most 2).", DefaultValueFactory = _ => Math.Clamp(Environment.ProcessorCount, 1, 2) };
        var command = new Command("metrics", "Add deletion/insertion and ROAD metrics to a precomputed study from its stored maps (no explainer runs).")
        {
            study, db, deletionInsertion, steps, road, all, threads,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var withCurves = parse.GetValue(deletionInsertion) || parse.GetValue(all);
            var withRoad = parse.GetValue(road) || parse.GetValue(all);
            if (!withCurves && !withRoad)
            {
                await context.Error.WriteLineAsync("error: say which metrics: --deletion-insertion, --road or --all (the sanity check needs the explainers; precompute computes it).");
                return ExitCodes.Usage;
            }
            var stepCount = parse.GetValue(steps);
            if (stepCount is not null && (!withCurves || stepCount is < 1 or > 1000))
            {
                await context.Error.WriteLineAsync(withCurves
                    ? $"error: --steps must be a whole number from 1 to 1000, not {stepCount}."
                    : "error: --steps is the deletion/insertion steps: give it with --deletion-insertion or --all.");
                return ExitCodes.Usage;
            }
            var threadCount = parse.GetValue(threads);
            if (threadCount < 1)
            {
                await context.Error.WriteLineAsync($"error: --threads must be at least 1, not {threadCount}.");
                return ExitCodes.Usage;
            }
            var metrics = new EngineMetricOptions
            {
                DeletionInsertion = withCurves ? new DeletionInsertionOptions { Steps = stepCount ?? new DeletionInsertionOptions().Steps } : null,
                Road = withRoad ? new RoadOptions() : null,
            };
            var slug = parse.GetRequiredValue(study);
            return await CliDatabase.RunExistingAsync(context, parse.GetValue(db), async (services, ct) =>
            {
                var id = await services.GetRequiredService<SquadStudyDbContext>().Studies.Where(s => s.Slug == slug).Select(s => (long?)s.Id).SingleOrDefaultAsync(ct)
                    ?? throw new CliException($"there is no study '{slug}' in this database.");
                var clock = Stopwatch.StartNew();
                StoredMetricsResult result;
                try
                {
                    // Progress on stderr, as the CLI's other long commands do, so stdout stays the summary.
                    result = await services.GetRequiredService<StoredMetrics>().RunAsync(id, metrics, new LineProgress(context.Error, slug), ct);
                }
                catch (EngineInputException e)
                {
                    throw new CliException(e.Message);
                }
                catch (OperationCanceledException)
                {
                    await context.Error.WriteLineAsync("stopped; what was measured is kept, run the same command again to finish.");
                    return ImportCommand.Stopped;
                }
                var names = string.Join(" and ", new[] { withCurves ? "deletion/insertion" : null, withRoad ? "ROAD" : null }.OfType<string>());
                await context.Out.WriteLineAsync($"Study '{slug}': {names} of {result.Measured} stored map(s) in {clock.Elapsed.TotalSeconds:0.0} s.");
                if (result.MissingAdvice(slug) is { } advice)
                {
                    await context.Error.WriteLineAsync($"warning: {advice}");
                }
                return ExitCodes.Ok;
            }, cancellationToken, services => services
                .AddSingleton<IExplanationEngine>(new SquadStudyEngine(threadCount))
                .AddStudyServices());
        });
        return command;
    }

    /// <summary>One line per (image, model) committed: <c>slug: done/total maps</c>.</summary>
    private sealed class LineProgress(TextWriter error, string slug) : IProgress<StoredMetricsProgress>
    {
        public void Report(StoredMetricsProgress value) => error.WriteLine($"{slug}: {value.Done}/{value.Total} maps");
    }
}
