using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SquadStudy.Data;
using SquadStudy.Data.Entities;
using SquadStudy.Studies.Engine;
using PredictionRow = SquadStudy.Data.Entities.Prediction;

namespace SquadStudy.Studies;

/// <summary>Progress of a run: units done out of all, for progress bars.</summary>
public sealed record PrecomputeProgress(int Total, int Completed, int ComputedThisRun);

public sealed record PrecomputeOptions
{
    /// <summary>Images processed at once; one per core by default (the machine has two).</summary>
    public int Workers { get; init; } = Math.Clamp(Environment.ProcessorCount, 1, 2);
}

/// <summary>
/// Precomputes studies: every model's prediction for every image, the explanations its stimuli
/// show (rendered PNGs in the content store, rows with metrics), the models' accuracy on the test
/// split, then the stimuli; the study becomes <c>ready</c>.
/// <para>
/// The work is a queue of items in the database (<see cref="PrecomputeQueue"/>): one per (image,
/// model) and phase, predictions first, then the explanations (which need every prediction, for the
/// stimulus plan). Any number of workers on any machines take items one at a time; each item
/// commits its rows and the job's progress in one transaction after its files are in the store, so
/// a stopped or killed worker loses at most the items it was computing. An item skips what exists
/// (rows whose files are in the store), rendering and the stimulus plan are deterministic, and the
/// phase steps are guarded UPDATEs that exactly one worker makes: any number of workers, stopped and
/// resumed any number of times, end with the outputs of one uninterrupted run.
/// </para>
/// </summary>
public sealed class Precomputer(IServiceScopeFactory scopes, ContentStore store, IExplanationEngine engine, PrecomputeQueue queue, TimeProvider clock, ILogger<Precomputer> logger)
{
    private static readonly TimeSpan IdlePause = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan FollowInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Precomputes one study to its end with this process's workers (beside any others on the same
    /// database): returns when the study is ready, throws when its job failed.
    /// </summary>
    public async Task RunAsync(long studyId, PrecomputeOptions? options = null, IProgress<PrecomputeProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<SquadStudyDbContext>();
            var study = await db.Studies.AsNoTracking().SingleOrDefaultAsync(s => s.Id == studyId, cancellationToken)
                ?? throw new InvalidOperationException($"Study {studyId} does not exist.");
            if (study.Status is StudyStatus.Open or StudyStatus.Closed)
            {
                throw new InvalidOperationException($"Study '{study.Slug}' is {study.Status}; its stimuli can no longer change.");
            }
        }
        var owner = PrecomputeQueue.NewOwner();
        var lease = new PrecomputeLeaseOptions();
        while (true)
        {
            await WorkAsync(owner, lease, options, studyId, progress, cancellationToken);
            var job = await JobAsync(studyId, cancellationToken);
            if (job.Status == PrecomputeStatus.Done)
            {
                return;
            }
            if (job.Status == PrecomputeStatus.Failed)
            {
                // This process's workers have stopped: the count in the job's error is made final before it is reported.
                await queue.RecountFailedJobsAsync();
                job = await JobAsync(studyId, cancellationToken);
                throw new InvalidOperationException($"Precomputing study {studyId} failed: {job.Error}");
            }
            // Other workers hold the last items: wait for them (or for their leases to run out).
            await Task.Delay(FollowInterval, clock, cancellationToken);
        }
    }

    /// <summary>
    /// Works on the queue (one study's items when given) with <see cref="PrecomputeOptions.Workers"/>
    /// items at a time until no item is left to claim, renewing the leases of what it holds; on a stop
    /// request hands back what it holds. Returns how many items this call computed.
    /// </summary>
    public async Task<int> WorkAsync(string owner, PrecomputeLeaseOptions lease, PrecomputeOptions? options = null, long? studyId = null,
        IProgress<PrecomputeProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        options ??= new PrecomputeOptions();
        using var session = new Session(this);
        using var renewing = new CancellationTokenSource();
        var renewal = RenewUntilCancelledAsync(owner, lease, renewing.Token);
        var busy = 0;
        var computed = 0;
        try
        {
            await Task.WhenAll(Enumerable.Range(0, Math.Max(1, options.Workers)).Select(_ => Task.Run(async () =>
            {
                while (true)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var item = await queue.ClaimAsync(owner, lease, studyId, cancellationToken);
                    if (item is null)
                    {
                        if (await AdvanceAsync(studyId, cancellationToken))
                        {
                            continue;
                        }
                        if (Volatile.Read(ref busy) == 0)
                        {
                            return;
                        }
                        // Another slot computes the phase's last item; its step to the next phase brings new items.
                        await Task.Delay(IdlePause, cancellationToken);
                        continue;
                    }
                    Interlocked.Increment(ref busy);
                    try
                    {
                        if (await session.ComputeAsync(item, owner, lease))
                        {
                            var done = Interlocked.Increment(ref computed);
                            if (progress is not null)
                            {
                                var (total, completed) = await ProgressAsync(item.JobId);
                                progress.Report(new PrecomputeProgress(total, completed, done));
                            }
                        }
                    }
                    finally
                    {
                        Interlocked.Decrement(ref busy);
                    }
                }
            }, cancellationToken)));
        }
        finally
        {
            await renewing.CancelAsync();
            await renewal;
            await queue.ReleaseAsync(owner);
        }
        return computed;
    }

    private async Task RenewUntilCancelledAsync(string owner, PrecomputeLeaseOptions lease, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(lease.Lease / 3, clock, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            try
            {
                await queue.RenewAsync(owner, lease);
            }
            catch (Exception e) when (e is System.Data.Common.DbException or TimeoutException or InvalidOperationException)
            {
                // The database is briefly unreachable: try again next period; if it stays away the
                // leases run out and this worker's commits are refused.
                logger.LogWarning("Precompute worker {Owner}: could not renew its leases: {Message}", owner, e.Message);
            }
        }
    }

    /// <summary>The study's phase steps that are due: items made, explanations planned, the study finished. True when one was made.</summary>
    internal async Task<bool> AdvanceAsync(long? studyId, CancellationToken cancellationToken)
    {
        List<(long JobId, long StudyId, string Phase)> jobs;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<SquadStudyDbContext>();
            jobs = (await (from job in db.PrecomputeJobs
                           join study in db.Studies on job.StudyId equals study.Id
                           where study.Status == StudyStatus.Precomputing && (studyId == null || job.StudyId == studyId)
                                 && !db.PrecomputeItems.Any(i => i.JobId == job.Id && i.Phase == job.Phase && i.Status != PrecomputeStatus.Done)
                           orderby job.Id
                           select new { job.Id, job.StudyId, job.Phase }).ToListAsync(cancellationToken))
                .Select(j => (j.Id, j.StudyId, j.Phase)).ToList();
        }
        var moved = false;
        foreach (var (jobId, jobStudy, phase) in jobs)
        {
            moved |= phase switch
            {
                PrecomputePhase.None => await StepAsync(jobId, phase, PrecomputePhase.Predict, (db, now) => MakePredictItemsAsync(db, jobId, jobStudy, now)),
                PrecomputePhase.Predict => await StepAsync(jobId, phase, PrecomputePhase.Explain, (db, now) => PlanExplanationsAsync(db, jobId, jobStudy, now)),
                PrecomputePhase.Explain => await StepAsync(jobId, phase, PrecomputePhase.Done, (db, now) => FinishAsync(db, jobId, jobStudy, now)),
                // Finished before, and the study was sent back to precomputing: check everything again
                // (what exists is kept; what vanished from the store is computed anew).
                _ => await StepAsync(jobId, phase, PrecomputePhase.None, (_, _) => Task.CompletedTask),
            };
        }
        return moved;
    }

    /// <summary>
    /// Moves a job from one phase to the next with one guarded UPDATE, and does the step's work in
    /// the same transaction: of several workers trying at once, exactly one makes it (the others
    /// wait for its row lock on PostgreSQL, or its write on SQLite, then find the phase moved).
    /// </summary>
    private async Task<bool> StepAsync(long jobId, string from, string to, Func<SquadStudyDbContext, DateTime, Task> work)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SquadStudyDbContext>();
        var strategy = db.Database.CreateExecutionStrategy();
        return await strategy.ExecuteAsync(async () =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None);
            var now = clock.GetUtcNow().UtcDateTime;
            var moved = await db.PrecomputeJobs
                .Where(j => j.Id == jobId && j.Phase == from
                            && !db.PrecomputeItems.Any(i => i.JobId == j.Id && i.Phase == from && i.Status != PrecomputeStatus.Done))
                .ExecuteUpdateAsync(s => s.SetProperty(j => j.Phase, to).SetProperty(j => j.UpdatedUtc, now), CancellationToken.None);
            if (moved == 0)
            {
                return false;
            }
            await work(db, now);
            await db.SaveChangesAsync(CancellationToken.None);
            await transaction.CommitAsync(CancellationToken.None);
            return true;
        });
    }

    private static async Task MakePredictItemsAsync(SquadStudyDbContext db, long jobId, long studyId, DateTime now)
    {
        var images = await db.StudyImages.Where(i => i.StudyId == studyId).OrderBy(i => i.Stem).Select(i => i.Id).ToListAsync(CancellationToken.None);
        var models = await db.StudyModels.Where(m => m.StudyId == studyId).OrderBy(m => m.Id).Select(m => m.Id).ToListAsync(CancellationToken.None);
        // Items of an earlier run of this job (a study sent back to precomputing) make way for new ones.
        await db.PrecomputeItems.Where(i => i.JobId == jobId).ExecuteDeleteAsync(CancellationToken.None);
        db.PrecomputeItems.AddRange(images.SelectMany(image => models.Select(model => new PrecomputeItem
        {
            JobId = jobId,
            Phase = PrecomputePhase.Predict,
            ImageId = image,
            ModelId = model,
            UpdatedUtc = now,
        })));
        var total = images.Count * models.Count * 2;
        await db.PrecomputeJobs.Where(j => j.Id == jobId).ExecuteUpdateAsync(s => s
            .SetProperty(j => j.Status, PrecomputeStatus.Running)
            .SetProperty(j => j.Total, total)
            .SetProperty(j => j.Completed, 0)
            .SetProperty(j => j.Error, (string?)null)
            .SetProperty(j => j.StartedUtc, j => j.StartedUtc ?? now), CancellationToken.None);
    }

    /// <summary>The stimuli of a study whose predictions are all in, and the explanations they need by (image, model).</summary>
    private static async Task<(List<Stimulus> Stimuli, Dictionary<(long ImageId, long ModelId), List<ExplanationKey>> Needed, Dictionary<(long, long), int> Predicted)>
        PlanAsync(SquadStudyDbContext db, long studyId, CancellationToken cancellationToken)
    {
        var study = await db.Studies.AsNoTracking().SingleAsync(s => s.Id == studyId, cancellationToken);
        var models = await db.StudyModels.AsNoTracking().Where(m => m.StudyId == studyId).OrderBy(m => m.Id).ToListAsync(cancellationToken);
        var images = await db.StudyImages.AsNoTracking().Where(i => i.StudyId == studyId).OrderBy(i => i.Stem).ToListAsync(cancellationToken);
        var imageIds = images.Select(i => i.Id).ToList();
        var predicted = (await db.Predictions.AsNoTracking().Where(p => imageIds.Contains(p.ImageId)).ToListAsync(cancellationToken))
            .ToDictionary(p => (p.ImageId, p.ModelId), p => p.PredictedClass);
        var stimuli = StimulusPlanner.Plan(studyId, StudyDefinition.Parse(study.DefinitionJson), images, models, predicted);
        var needed = StimulusPlanner.Explanations(stimuli).GroupBy(k => (k.ImageId, k.ModelId)).ToDictionary(g => g.Key, g => g.ToList());
        return (stimuli, needed, predicted);
    }

    private static async Task PlanExplanationsAsync(SquadStudyDbContext db, long jobId, long studyId, DateTime now)
    {
        var (_, needed, _) = await PlanAsync(db, studyId, CancellationToken.None);
        var units = await db.PrecomputeItems.Where(i => i.JobId == jobId && i.Phase == PrecomputePhase.Predict)
            .OrderBy(i => i.Id).Select(i => new { i.ImageId, i.ModelId }).ToListAsync(CancellationToken.None);
        var items = units.Select(u => new PrecomputeItem
        {
            JobId = jobId,
            Phase = PrecomputePhase.Explain,
            ImageId = u.ImageId,
            ModelId = u.ModelId,
            // A unit that no stimulus shows has nothing to compute.
            Status = needed.ContainsKey((u.ImageId, u.ModelId)) ? PrecomputeStatus.Pending : PrecomputeStatus.Done,
            UpdatedUtc = now,
        }).ToList();
        db.PrecomputeItems.AddRange(items);
        var nothingToDo = items.Count(i => i.Status == PrecomputeStatus.Done);
        await db.PrecomputeJobs.Where(j => j.Id == jobId)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.Completed, j => j.Completed + nothingToDo), CancellationToken.None);
    }

    private async Task FinishAsync(SquadStudyDbContext db, long jobId, long studyId, DateTime now)
    {
        var (stimuli, _, predicted) = await PlanAsync(db, studyId, CancellationToken.None);
        var testImages = await db.StudyImages.AsNoTracking().Where(i => i.StudyId == studyId && i.IsTestSplit).ToListAsync(CancellationToken.None);
        foreach (var model in await db.StudyModels.Where(m => m.StudyId == studyId).ToListAsync(CancellationToken.None))
        {
            model.MeasuredAccuracy = testImages.Count == 0
                ? null
                : testImages.Count(i => predicted[(i.Id, model.Id)] == i.LabelClass) / (double)testImages.Count;
        }
        await db.Stimuli.Where(s => s.StudyId == studyId).ExecuteDeleteAsync(CancellationToken.None);
        db.Stimuli.AddRange(stimuli);
        var study = await db.Studies.SingleAsync(s => s.Id == studyId, CancellationToken.None);
        study.Status = StudyStatus.Ready;
        var job = await db.PrecomputeJobs.SingleAsync(j => j.Id == jobId, CancellationToken.None);
        job.Status = PrecomputeStatus.Done;
        job.Completed = job.Total;
        job.UpdatedUtc = now;
        logger.LogInformation("Study {Slug} precomputed: {Stimuli} stimuli", study.Slug, stimuli.Count);
    }

    private async Task<PrecomputeJob> JobAsync(long studyId, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<SquadStudyDbContext>().PrecomputeJobs.AsNoTracking().SingleAsync(j => j.StudyId == studyId, cancellationToken);
    }

    private async Task<(int Total, int Completed)> ProgressAsync(long jobId)
    {
        await using var scope = scopes.CreateAsyncScope();
        var job = await scope.ServiceProvider.GetRequiredService<SquadStudyDbContext>().PrecomputeJobs.AsNoTracking()
            .Where(j => j.Id == jobId).Select(j => new { j.Total, j.Completed }).SingleAsync(CancellationToken.None);
        return (job.Total, job.Completed);
    }

    /// <summary>What one <see cref="WorkAsync"/> call keeps between items: each study's models, loaded once, and its explanation plan.</summary>
    private sealed class Session(Precomputer owner) : IDisposable
    {
        private readonly Dictionary<long, Task<StudyWork>> _studies = [];
        private readonly Lock _lock = new();

        public async Task<bool> ComputeAsync(PrecomputeItem item, string worker, PrecomputeLeaseOptions lease)
        {
            try
            {
                var work = await StudyOfAsync(item.JobId);
                return item.Phase == PrecomputePhase.Predict
                    ? await owner.PredictAsync(work, item, worker)
                    : await owner.ExplainAsync(work, item, worker);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Recorded on the item (the dashboard shows it); it is retried a bounded number of times.
                await owner.FailAsync(item, worker, lease, e);
                return false;
            }
        }

        private Task<StudyWork> StudyOfAsync(long jobId)
        {
            lock (_lock)
            {
                if (!_studies.TryGetValue(jobId, out var work) || work.IsFaulted)
                {
                    _studies[jobId] = work = owner.LoadAsync(jobId);
                }
                return work;
            }
        }

        public void Dispose()
        {
            foreach (var work in _studies.Values.Where(w => w.IsCompletedSuccessfully))
            {
                work.Result.Dispose();
            }
        }
    }

    private sealed class StudyWork(long studyId, Dictionary<long, StudyImage> images, Dictionary<long, IStudyModel> models) : IDisposable
    {
        private Task<Dictionary<(long ImageId, long ModelId), List<ExplanationKey>>>? _needed;
        private readonly Lock _lock = new();

        public long StudyId { get; } = studyId;
        public Dictionary<long, StudyImage> Images { get; } = images;
        public Dictionary<long, IStudyModel> Models { get; } = models;

        /// <summary>The explanations each (image, model) needs: planned once per session, when the first explain item comes (every prediction is in by then).</summary>
        public Task<Dictionary<(long ImageId, long ModelId), List<ExplanationKey>>> NeededAsync(Func<Task<Dictionary<(long, long), List<ExplanationKey>>>> plan)
        {
            lock (_lock)
            {
                return _needed ??= plan();
            }
        }

        public void Dispose()
        {
            foreach (var model in Models.Values)
            {
                model.Dispose();
            }
        }
    }

    private async Task<StudyWork> LoadAsync(long jobId)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SquadStudyDbContext>();
        var studyId = await db.PrecomputeJobs.Where(j => j.Id == jobId).Select(j => j.StudyId).SingleAsync(CancellationToken.None);
        var models = await db.StudyModels.AsNoTracking().Where(m => m.StudyId == studyId).OrderBy(m => m.Id).ToListAsync(CancellationToken.None);
        var images = await db.StudyImages.AsNoTracking().Where(i => i.StudyId == studyId).ToDictionaryAsync(i => i.Id, CancellationToken.None);
        var loaded = new Dictionary<long, IStudyModel>();
        try
        {
            foreach (var model in models)
            {
                loaded[model.Id] = StoredInputs.LoadModel(store, engine, model);
            }
        }
        catch
        {
            foreach (var m in loaded.Values)
            {
                m.Dispose();
            }
            throw;
        }
        return new StudyWork(studyId, images, loaded);
    }

    private async Task<bool> PredictAsync(StudyWork work, PrecomputeItem item, string owner)
    {
        bool exists;
        await using (var scope = scopes.CreateAsyncScope())
        {
            exists = await scope.ServiceProvider.GetRequiredService<SquadStudyDbContext>().Predictions
                .AnyAsync(p => p.ImageId == item.ImageId && p.ModelId == item.ModelId, CancellationToken.None);
        }
        if (exists)
        {
            await queue.CompleteAsync(item, owner, _ => { });
            return false;
        }
        var probabilities = work.Models[item.ModelId].Probabilities(Decode(work.Images[item.ImageId]));
        var top5 = probabilities.Select((p, c) => (Class: c, Probability: p)).OrderByDescending(p => p.Probability).ThenBy(p => p.Class).Take(5).ToArray();
        var row = new PredictionRow
        {
            ImageId = item.ImageId,
            ModelId = item.ModelId,
            PredictedClass = top5[0].Class,
            Probability = top5[0].Probability,
            Top5Json = JsonSerializer.Serialize(top5.Select(t => new { @class = t.Class, probability = t.Probability })),
        };
        return await queue.CompleteAsync(item, owner, db => db.Predictions.Add(row));
    }

    private async Task<bool> ExplainAsync(StudyWork work, PrecomputeItem item, string owner)
    {
        var needed = await work.NeededAsync(async () =>
        {
            await using var scope = scopes.CreateAsyncScope();
            return (await PlanAsync(scope.ServiceProvider.GetRequiredService<SquadStudyDbContext>(), work.StudyId, CancellationToken.None)).Needed;
        });
        var keys = needed.GetValueOrDefault((item.ImageId, item.ModelId)) ?? [];
        List<ExplanationKey> missing;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var rows = await scope.ServiceProvider.GetRequiredService<SquadStudyDbContext>().Explanations.AsNoTracking()
                .Where(e => e.ImageId == item.ImageId && e.ModelId == item.ModelId)
                .Select(e => new { e.Method, e.ClassIndex, e.PngPath }).ToListAsync(CancellationToken.None);
            // A row whose file vanished from the store counts as missing: it is computed again and replaced.
            var present = rows.Where(r => store.Resolve(r.PngPath) is { } path && File.Exists(path)).Select(r => (r.Method, r.ClassIndex)).ToHashSet();
            missing = [.. keys.Where(k => !present.Contains((k.Method, k.ClassIndex)))];
        }
        if (missing.Count == 0)
        {
            await queue.CompleteAsync(item, owner, _ => { });
            return false;
        }
        var image = Decode(work.Images[item.ImageId]);
        var boxes = BoxesJson.Parse(work.Images[item.ImageId].BoxesJson);
        var model = work.Models[item.ModelId];
        var now = clock.GetUtcNow().UtcDateTime;
        var explained = new List<Explanation>();
        foreach (var byClass in missing.GroupBy(k => k.ClassIndex).OrderBy(g => g.Key))
        {
            var methods = byClass.Select(k => k.Method).Distinct().Order(StringComparer.Ordinal).ToList();
            foreach (var rendered in model.Explain(image, byClass.Key, methods, boxes))
            {
                explained.Add(new Explanation
                {
                    StudyId = work.StudyId,
                    ImageId = item.ImageId,
                    ModelId = item.ModelId,
                    Method = rendered.Method,
                    ClassIndex = byClass.Key,
                    PngPath = store.Put(rendered.Png, "png"),
                    RawPath = rendered.RawNpy is { } raw ? store.Put(raw, "npy") : null,
                    Sha256 = Convert.ToHexStringLower(SHA256.HashData(rendered.Png)),
                    MetricsJson = ExplanationMetricsJson.Serialize(rendered.Metrics),
                    CreatedUtc = now,
                });
            }
        }
        return await queue.CompleteAsync(item, owner, db =>
        {
            // A row whose file vanished from the store is replaced, never duplicated.
            var stale = db.Explanations.Where(e => e.ImageId == item.ImageId && e.ModelId == item.ModelId).ToList()
                .Where(e => explained.Any(r => r.Method == e.Method && r.ClassIndex == e.ClassIndex));
            db.Explanations.RemoveRange(stale);
            db.Explanations.AddRange(explained);
        });
    }

    private Task FailAsync(PrecomputeItem item, string owner, PrecomputeLeaseOptions lease, Exception error) => queue.FailAsync(item, owner, lease, error);

    private DecodedImage Decode(StudyImage image) => StoredInputs.Decode(store, engine, image);
}
