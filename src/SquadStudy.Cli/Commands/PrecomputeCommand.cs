using System.CommandLine;
using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using SquadStudy.Data;
using SquadStudy.Data.Entities;
using SquadStudy.Studies;

namespace SquadStudy.Cli.Commands;

/// <summary>
/// <c>squadstudy precompute PACK|SLUG [--open]</c>: precomputes a study (importing the pack first
/// when given a path), with a progress bar. Stopped with Ctrl+C, it resumes where it left off.
/// </summary>
internal static class PrecomputeCommand
{
    public static Command Create(CliContext context)
    {
        var target = new Argument<string>("pack-or-slug") { Description = "A study pack folder/.zip to import and precompute, or the slug of an imported study" };
        var open = new Option<bool>("--open") { Description = "Open the study for participants when precomputation is done" };
        var workers = new Option<int>("--workers") { Description = "Images processed in parallel (default: one per core, at most 2)", DefaultValueFactory = _ => new PrecomputeOptions().Workers };
        var command = new Command("precompute", "Compute a study's predictions, explanations, metrics and stimuli") { target, open, workers };
        command.SetAction(async (parse, cancellationToken) => await ImportCommand.RunAsync(context, async services =>
        {
            var value = parse.GetValue(target)!;
            long studyId;
            string slug;
            if (Directory.Exists(value) || File.Exists(value))
            {
                var study = await ImportCommand.ImportAsync(services, value, replace: false, cancellationToken);
                (studyId, slug) = (study.Id, study.Slug);
            }
            else
            {
                await using var scope = services.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<SquadStudyDbContext>();
                var study = await db.Studies.AsNoTracking().SingleOrDefaultAsync(s => s.Slug == value, cancellationToken)
                    ?? throw new InvalidOperationException($"'{value}' is neither a pack folder/.zip nor the slug of an imported study.");
                if (study.Status is StudyStatus.Ready or StudyStatus.Open or StudyStatus.Closed)
                {
                    context.Out.WriteLine($"Study '{study.Slug}' is already precomputed (status {study.Status}).");
                    return 0;
                }
                (studyId, slug) = (study.Id, study.Slug);
            }
            var clock = Stopwatch.StartNew();
            var options = new PrecomputeOptions { Workers = Math.Max(1, parse.GetValue(workers)) };
            await ShowProgressAsync(context, slug, progress => RunOrAwaitAsync(services, studyId, options, progress, cancellationToken));
            context.Out.WriteLine($"Study '{slug}' precomputed in {clock.Elapsed.TotalSeconds:0.0} s; status ready.");
            if (parse.GetValue(open))
            {
                await using var scope = services.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<StudyLifecycle>().OpenAsync(studyId, cancellationToken);
                context.Out.WriteLine($"Study '{slug}' is open at /s/{slug}.");
            }
            return 0;
        }));
        return command;
    }

    /// <summary>
    /// Precomputes the study through the queue, beside any other workers (the site's, or
    /// <c>squadstudy worker</c> elsewhere); a failed job's failed items get another round of
    /// attempts first. Returns when the study is ready.
    /// </summary>
    private static async Task RunOrAwaitAsync(IServiceProvider services, long studyId, PrecomputeOptions options, IProgress<PrecomputeProgress> progress, CancellationToken cancellationToken)
    {
        await services.GetRequiredService<PrecomputeQueue>().RetryFailedAsync(studyId, cancellationToken);
        try
        {
            await services.GetRequiredService<Precomputer>().RunAsync(studyId, options, progress, cancellationToken);
        }
        catch (InvalidOperationException e)
        {
            throw new CliException($"Precomputation failed: {e.Message}");
        }
    }

    /// <summary>A progress bar of one job (units done out of all, rate) while <paramref name="work"/> runs.</summary>
    internal static async Task ShowProgressAsync(CliContext context, string slug, Func<IProgress<PrecomputeProgress>, Task> work)
    {
        var clock = Stopwatch.StartNew();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(context.Out) });
        await console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .StartAsync(async progressContext =>
            {
                var task = progressContext.AddTask(slug, autoStart: true, maxValue: 1);
                var progress = new SynchronousProgress(p =>
                {
                    task.MaxValue = Math.Max(1, p.Total);
                    task.Value = p.Completed;
                    var rate = p.ComputedThisRun / Math.Max(clock.Elapsed.TotalSeconds, 1e-3);
                    task.Description = $"{slug}: {p.Completed}/{p.Total} items, {rate:0.0}/s here";
                });
                await work(progress);
                task.Value = task.MaxValue;
            });
    }

    /// <summary>Reports on the calling thread (<see cref="Progress{T}"/> would post to the thread pool and reorder updates).</summary>
    private sealed class SynchronousProgress(Action<PrecomputeProgress> report) : IProgress<PrecomputeProgress>
    {
        public void Report(PrecomputeProgress value) => report(value);
    }
}
