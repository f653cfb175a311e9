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
/// Precomputes a study: every model's prediction for every image, the explanations its stimuli
/// show (rendered PNGs in the content store, rows with metrics), the models' accuracy on the test
/// split, then the stimuli; the study becomes <c>ready</c>.
/// <para>
/// Resumable: the unit of work is (image, model), done twice (prediction, then explanations);
/// each unit commits its rows and the job's progress in one transaction after its files are in
/// the store, and a restarted run skips units whose rows and files exist. Rendering and the
/// stimulus plan are deterministic, so an interrupted and resumed run ends with the same outputs
/// as an uninterrupted one.
/// </para>
/// </summary>
public sealed class Precomputer(IServiceScopeFactory scopes, ContentStore store, IExplanationEngine engine, TimeProvider clock, ILogger<Precomputer> logger)
{
    public async Task RunAsync(long studyId, PrecomputeOptions? options = null, IProgress<PrecomputeProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        options ??= new PrecomputeOptions();
        var context = await LoadAsync(studyId, cancellationToken);
        try
        {
            await RunAsync(context, options, progress, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "Precomputing study {StudyId} failed", studyId);
            await UpdateJobAsync(studyId, j => { j.Status = PrecomputeStatus.Failed; j.Error = e.Message; }, CancellationToken.None);
            throw;
        }
        finally
        {
            foreach (var model in context.Loaded.Values)
            {
                model.Dispose();
            }
        }
    }

    private sealed record RunContext(
        Study Study,
        StudyDefinition Definition,
        List<StudyModel> Models,
        List<StudyImage> Images,
        Dictionary<long, IStudyModel> Loaded);

    private async Task<RunContext> LoadAsync(long studyId, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SquadStudyDbContext>();
        var study = await db.Studies.AsNoTracking().SingleOrDefaultAsync(s => s.Id == studyId, cancellationToken)
            ?? throw new InvalidOperationException($"Study {studyId} does not exist.");
        if (study.Status is StudyStatus.Open or StudyStatus.Closed)
        {
            throw new InvalidOperationException($"Study '{study.Slug}' is {study.Status}; its stimuli can no longer change.");
        }
        var definition = StudyDefinition.Parse(study.DefinitionJson);
        var models = await db.StudyModels.AsNoTracking().Where(m => m.StudyId == studyId).OrderBy(m => m.Id).ToListAsync(cancellationToken);
        var images = await db.StudyImages.AsNoTracking().Where(i => i.StudyId == studyId).OrderBy(i => i.Stem).ToListAsync(cancellationToken);
        var loaded = new Dictionary<long, IStudyModel>();
        try
        {
            foreach (var model in models)
            {
                var path = store.Resolve(model.OnnxPath) ?? throw new InvalidOperationException($"Model '{model.Key}' has no stored ONNX file.");
                var metadata = JsonSerializer.Deserialize<ModelMetadata>(model.MetadataJson, PackJson.Options)!;
                loaded[model.Id] = engine.LoadModel(path, metadata);
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
        return new RunContext(study, definition, models, images, loaded);
    }

    private async Task RunAsync(RunContext run, PrecomputeOptions options, IProgress<PrecomputeProgress>? progress, CancellationToken cancellationToken)
    {
        var studyId = run.Study.Id;
        var units = run.Images.SelectMany(i => run.Models.Select(m => (Image: i, Model: m))).ToList();
        var total = units.Count * 2;
        var completed = 0;
        var computed = 0;
        var gate = new SemaphoreSlim(1, 1);
        var started = clock.GetUtcNow().UtcDateTime;
        await UpdateJobAsync(studyId, j => { j.Status = PrecomputeStatus.Running; j.Total = total; j.Error = null; j.StartedUtc ??= started; }, cancellationToken);

        // Phase 1: predictions.
        Dictionary<(long, long), int> predicted;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<SquadStudyDbContext>();
            var imageIds = run.Images.Select(i => i.Id).ToList();
            predicted = (await db.Predictions.AsNoTracking().Where(p => imageIds.Contains(p.ImageId)).ToListAsync(cancellationToken))
                .ToDictionary(p => (p.ImageId, p.ModelId), p => p.PredictedClass);
        }
        completed = predicted.Count;
        var missing = units.Where(u => !predicted.ContainsKey((u.Image.Id, u.Model.Id))).ToList();
        await Parallel.ForEachAsync(missing, Workers(options, cancellationToken), async (unit, token) =>
        {
            var probabilities = run.Loaded[unit.Model.Id].Probabilities(Decode(unit.Image));
            var top5 = probabilities.Select((p, c) => (Class: c, Probability: p)).OrderByDescending(p => p.Probability).ThenBy(p => p.Class).Take(5).ToArray();
            var row = new PredictionRow
            {
                ImageId = unit.Image.Id,
                ModelId = unit.Model.Id,
                PredictedClass = top5[0].Class,
                Probability = top5[0].Probability,
                Top5Json = JsonSerializer.Serialize(top5.Select(t => new { @class = t.Class, probability = t.Probability })),
            };
            await CommitUnitAsync(gate, studyId, db => db.Predictions.Add(row), () =>
            {
                predicted[(unit.Image.Id, unit.Model.Id)] = row.PredictedClass;
                return (++completed, ++computed);
            }, total, progress);
        });

        // Phase 2: the explanations the stimuli need, grouped by unit and class (one engine pass per class).
        var stimuli = StimulusPlanner.Plan(studyId, run.Definition, run.Images, run.Models, predicted);
        var needed = StimulusPlanner.Explanations(stimuli)
            .GroupBy(k => (k.ImageId, k.ModelId))
            .ToDictionary(g => g.Key, g => g.ToList());
        var existing = await ExistingExplanationsAsync(studyId, cancellationToken);
        var work = new List<(StudyImage Image, StudyModel Model, List<ExplanationKey> Keys)>();
        foreach (var (image, model) in units)
        {
            var keys = needed.GetValueOrDefault((image.Id, model.Id)) ?? [];
            var missingKeys = keys.Where(k => !existing.Contains(k)).ToList();
            if (missingKeys.Count == 0)
            {
                completed++;
            }
            else
            {
                work.Add((image, model, missingKeys));
            }
        }
        await UpdateJobAsync(studyId, j => j.Completed = completed, cancellationToken);
        progress?.Report(new PrecomputeProgress(total, completed, computed));

        await Parallel.ForEachAsync(work, Workers(options, cancellationToken), async (unit, token) =>
        {
            var image = Decode(unit.Image);
            var boxes = BoxesJson.Parse(unit.Image.BoxesJson);
            var model = run.Loaded[unit.Model.Id];
            var now = clock.GetUtcNow().UtcDateTime;
            var rows = new List<Explanation>();
            foreach (var byClass in unit.Keys.GroupBy(k => k.ClassIndex).OrderBy(g => g.Key))
            {
                var methods = byClass.Select(k => k.Method).Distinct().Order(StringComparer.Ordinal).ToList();
                foreach (var rendered in model.Explain(image, byClass.Key, methods, boxes))
                {
                    rows.Add(new Explanation
                    {
                        StudyId = studyId,
                        ImageId = unit.Image.Id,
                        ModelId = unit.Model.Id,
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
            await CommitUnitAsync(gate, studyId, db =>
            {
                // A row whose file vanished from the store is replaced, never duplicated.
                var stale = db.Explanations.Where(e => e.ImageId == unit.Image.Id && e.ModelId == unit.Model.Id).ToList()
                    .Where(e => rows.Any(r => r.Method == e.Method && r.ClassIndex == e.ClassIndex));
                db.Explanations.RemoveRange(stale);
                db.Explanations.AddRange(rows);
            }, () => (++completed, ++computed), total, progress);
        });

        await FinishAsync(run, stimuli, predicted, cancellationToken);
    }

    private static ParallelOptions Workers(PrecomputeOptions options, CancellationToken cancellationToken) =>
        new() { MaxDegreeOfParallelism = options.Workers, CancellationToken = cancellationToken };

    private DecodedImage Decode(StudyImage image)
    {
        var path = store.Resolve(image.FilePath) ?? throw new InvalidOperationException($"Image '{image.Stem}' has no stored file.");
        return engine.Decode(File.ReadAllBytes(path), image.Stem);
    }

    /// <summary>Explanation rows of the study whose PNG is in the store.</summary>
    private async Task<HashSet<ExplanationKey>> ExistingExplanationsAsync(long studyId, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SquadStudyDbContext>();
        var rows = await db.Explanations.AsNoTracking().Where(e => e.StudyId == studyId)
            .Select(e => new { e.ImageId, e.ModelId, e.Method, e.ClassIndex, e.PngPath }).ToListAsync(cancellationToken);
        return rows.Where(r => store.Resolve(r.PngPath) is { } path && File.Exists(path))
            .Select(r => new ExplanationKey(r.ImageId, r.ModelId, r.Method, r.ClassIndex)).ToHashSet();
    }

    /// <summary>Writes one unit's rows and the job's progress in one transaction; one writer at a time.</summary>
    private async Task CommitUnitAsync(SemaphoreSlim gate, long studyId, Action<SquadStudyDbContext> add, Func<(int Completed, int Computed)> advance, int total, IProgress<PrecomputeProgress>? progress)
    {
        // Not cancellable: a unit whose files are stored is committed whole, so a stop request
        // never discards finished work.
        await gate.WaitAsync(CancellationToken.None);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<SquadStudyDbContext>();
            add(db);
            var job = await db.PrecomputeJobs.SingleAsync(j => j.StudyId == studyId, CancellationToken.None);
            var (completed, computed) = advance();
            job.Completed = completed;
            job.UpdatedUtc = clock.GetUtcNow().UtcDateTime;
            await db.SaveChangesAsync(CancellationToken.None);
            progress?.Report(new PrecomputeProgress(total, completed, computed));
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task FinishAsync(RunContext run, List<Stimulus> stimuli, Dictionary<(long, long), int> predicted, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SquadStudyDbContext>();
        var strategy = db.Database.CreateExecutionStrategy();
        await strategy.ExecuteAsync(async () =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var studyId = run.Study.Id;
            var testImages = run.Images.Where(i => i.IsTestSplit).ToList();
            foreach (var model in await db.StudyModels.Where(m => m.StudyId == studyId).ToListAsync(cancellationToken))
            {
                model.MeasuredAccuracy = testImages.Count == 0
                    ? null
                    : testImages.Count(i => predicted[(i.Id, model.Id)] == i.LabelClass) / (double)testImages.Count;
            }
            await db.Stimuli.Where(s => s.StudyId == studyId).ExecuteDeleteAsync(cancellationToken);
            db.Stimuli.AddRange(stimuli);
            var study = await db.Studies.SingleAsync(s => s.Id == studyId, cancellationToken);
            study.Status = StudyStatus.Ready;
            var job = await db.PrecomputeJobs.SingleAsync(j => j.StudyId == studyId, cancellationToken);
            job.Status = PrecomputeStatus.Done;
            job.Completed = job.Total;
            job.UpdatedUtc = clock.GetUtcNow().UtcDateTime;
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        });
        logger.LogInformation("Study {Slug} precomputed: {Stimuli} stimuli", run.Study.Slug, stimuli.Count);
    }

    private async Task UpdateJobAsync(long studyId, Action<PrecomputeJob> change, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SquadStudyDbContext>();
        var job = await db.PrecomputeJobs.SingleAsync(j => j.StudyId == studyId, cancellationToken);
        change(job);
        job.UpdatedUtc = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);
    }
}
