using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SquadStudy.Data;
using SquadStudy.Data.Entities;

namespace SquadStudy.Studies.Tests;

public sealed class PrecomputerTests
{
    /// <summary>Reports synchronously, so a test can stop a run after a given number of units.</summary>
    private sealed class CancelAfter(int units, CancellationTokenSource source) : IProgress<PrecomputeProgress>
    {
        public void Report(PrecomputeProgress value)
        {
            if (value.ComputedThisRun >= units)
            {
                source.Cancel();
            }
        }
    }

    private static async Task<(StudyDatabase Database, long StudyId)> ImportAsync(FakeEngine engine, TestPack files)
    {
        var database = await StudyDatabase.CreateAsync(engine);
        var study = await database.WithAsync<StudyImporter, Study>(i => i.ImportAsync(files.Root));
        return (database, study.Id);
    }

    private static Task RunAsync(StudyDatabase database, long studyId, IProgress<PrecomputeProgress>? progress = null, CancellationToken token = default) =>
        database.Services.GetRequiredService<Precomputer>().RunAsync(studyId, new PrecomputeOptions { Workers = 2 }, progress, token);

    /// <summary>Every explanation as (image stem, model key, method, class, sha256), in a fixed order.</summary>
    internal static Task<List<string>> OutputsAsync(StudyDatabase database) => database.WithDbAsync(async db =>
    {
        var rows = await (from e in db.Explanations
                          join i in db.StudyImages on e.ImageId equals i.Id
                          join m in db.StudyModels on e.ModelId equals m.Id
                          select new { i.Stem, m.Key, e.Method, e.ClassIndex, e.Sha256 }).ToListAsync();
        return rows.Select(r => $"{r.Stem}/{r.Key}/{r.Method}/{r.ClassIndex}/{r.Sha256}").Order(StringComparer.Ordinal).ToList();
    });

    private static Task<List<string>> StimuliAsync(StudyDatabase database) => database.WithDbAsync(async db =>
    {
        var rows = await (from s in db.Stimuli
                          join i in db.StudyImages on s.ImageId equals i.Id
                          select new { s.Experiment, i.Stem, s.TargetClass, s.DistractorClass, s.ModelAId, s.ModelBId, s.MethodA, s.MethodB }).ToListAsync();
        return rows.Select(r => $"{r.Experiment}/{r.Stem}/{r.TargetClass}/{r.DistractorClass}/{r.ModelAId}/{r.ModelBId}/{r.MethodA}/{r.MethodB}").Order(StringComparer.Ordinal).ToList();
    });

    /// <summary>The gallery reads explanation metrics with <see cref="ExplanationMetricsJson"/>: precompute must write that shape.</summary>
    [Fact]
    public async Task Run_StoresMetricsInTheShapeTheGalleryReads()
    {
        using var files = new TestPack();
        var (database, studyId) = await ImportAsync(new FakeEngine(), files);
        await using var _ = database;

        await RunAsync(database, studyId);

        var stored = await database.WithDbAsync(db => db.Explanations.Select(e => e.MetricsJson).ToListAsync());
        stored.ShouldNotBeEmpty();
        foreach (var json in stored)
        {
            var metrics = ExplanationMetricsJson.Parse(json).ShouldNotBeNull();
            metrics.LocalisationBox.ShouldBe([1, 1, 2, 2]);
            metrics.Score.ShouldBe(1.0);
        }
    }

    [Fact]
    public async Task Run_ComputesPredictionsExplanationsStimuliAndAccuracy()
    {
        using var files = new TestPack();
        var engine = new FakeEngine();
        var (database, studyId) = await ImportAsync(engine, files);
        await using var _ = database;

        await RunAsync(database, studyId);

        await database.WithDbAsync(async db =>
        {
            (await db.Studies.SingleAsync()).Status.ShouldBe(StudyStatus.Ready);
            var job = await db.PrecomputeJobs.SingleAsync();
            job.Status.ShouldBe(PrecomputeStatus.Done);
            job.Total.ShouldBe(32);
            job.Completed.ShouldBe(32);
            (await db.Predictions.CountAsync()).ShouldBe(16);
            var stimuli = await db.Stimuli.ToListAsync();
            // Discrimination: 5 two-class images × 2 targets × 2 models × 2 methods.
            stimuli.Count(s => s.Experiment == ExperimentKind.Discrimination).ShouldBe(40);
            stimuli.Where(s => s.Experiment == ExperimentKind.Discrimination).ShouldAllBe(s => s.DistractorClass != null && s.DistractorClass != s.TargetClass);
            // Comparison: 8 images × 1 model × 1 method pair, target = the model's prediction.
            var predictions = await db.Predictions.ToDictionaryAsync(p => (p.ImageId, p.ModelId), p => p.PredictedClass);
            var comparison = stimuli.Where(s => s.Experiment == ExperimentKind.Comparison).ToList();
            comparison.Count.ShouldBe(8);
            comparison.ShouldAllBe(s => s.MethodA == "gradcam" && s.MethodB == "squadcam");
            comparison.ShouldAllBe(s => predictions[ValueTuple.Create(s.ImageId, s.ModelAId)] == s.TargetClass);
            // Trust: exactly the images where both models agree.
            var models = await db.StudyModels.OrderBy(m => m.Key).Select(m => m.Id).ToListAsync();
            var agreeing = (await db.StudyImages.Select(i => i.Id).ToListAsync()).Count(i => predictions[(i, models[0])] == predictions[(i, models[1])]);
            stimuli.Count(s => s.Experiment == ExperimentKind.Trust).ShouldBe(agreeing);
            // Every explanation a stimulus shows exists, and nothing else was computed.
            var keys = await db.Explanations.Select(e => new { e.ImageId, e.ModelId, e.Method, e.ClassIndex }).ToListAsync();
            keys.Select(k => new ExplanationKey(k.ImageId, k.ModelId, k.Method, k.ClassIndex)).ToHashSet()
                .SetEquals(StimulusPlanner.Explanations(stimuli)).ShouldBeTrue();
            var store = new ContentStore(database.DataDirectory);
            foreach (var e in await db.Explanations.ToListAsync())
            {
                File.Exists(store.Resolve(e.PngPath)).ShouldBeTrue();
                e.MetricsJson.ShouldNotBeNull().ShouldContain("pointingHit");
            }
            // Measured accuracy on the 4 test images equals the share of right predictions.
            var images = await db.StudyImages.Where(i => i.IsTestSplit).ToListAsync();
            foreach (var model in await db.StudyModels.ToListAsync())
            {
                model.MeasuredAccuracy.ShouldBe(images.Count(i => predictions[(i.Id, model.Id)] == i.LabelClass) / 4.0);
            }
            return 0;
        });
    }

    [Fact]
    public async Task Run_StoppedMidwayAndResumed_EndsWithTheSameOutputsAsAnUninterruptedRun()
    {
        using var files = new TestPack();
        var reference = new FakeEngine();
        var (whole, wholeId) = await ImportAsync(reference, files);
        await using var _ = whole;
        await RunAsync(whole, wholeId);

        var engine = new FakeEngine();
        var (resumed, resumedId) = await ImportAsync(engine, files);
        await using var __ = resumed;
        using (var stop = new CancellationTokenSource())
        {
            await Should.ThrowAsync<OperationCanceledException>(() => RunAsync(resumed, resumedId, new CancelAfter(20, stop), stop.Token));
        }
        var job = await resumed.WithDbAsync(db => db.PrecomputeJobs.SingleAsync());
        job.Status.ShouldBe(PrecomputeStatus.Running);
        job.Completed.ShouldBeInRange(20, 31);
        (await resumed.WithDbAsync(db => db.Studies.SingleAsync())).Status.ShouldBe(StudyStatus.Precomputing);
        var explainedBeforeStop = engine.ExplainCalls;
        explainedBeforeStop.ShouldBeGreaterThan(0);

        await RunAsync(resumed, resumedId);

        (await OutputsAsync(resumed)).ShouldBe(await OutputsAsync(whole));
        (await StimuliAsync(resumed)).Select(s => s.Split('/')[0..4]).ShouldBe((await StimuliAsync(whole)).Select(s => s.Split('/')[0..4]));
        engine.PredictCalls.ShouldBe(16, "finished prediction units are not repeated");
        (engine.ExplainCalls).ShouldBe(reference.ExplainCalls, "finished explanation units are not repeated");
        (await resumed.WithDbAsync(db => db.Studies.SingleAsync())).Status.ShouldBe(StudyStatus.Ready);
    }

    [Fact]
    public async Task Run_ExplanationWhoseFileVanished_IsRecomputed()
    {
        using var files = new TestPack();
        var engine = new FakeEngine();
        var (database, studyId) = await ImportAsync(engine, files);
        await using var _ = database;
        await RunAsync(database, studyId);
        var before = await OutputsAsync(database);
        var store = new ContentStore(database.DataDirectory);
        var victim = await database.WithDbAsync(db => db.Explanations.FirstAsync());
        File.Delete(store.Resolve(victim.PngPath)!);
        await database.WithDbAsync(db => db.Studies.ExecuteUpdateAsync(s => s.SetProperty(x => x.Status, StudyStatus.Precomputing)));
        var calls = engine.ExplainCalls;

        await RunAsync(database, studyId);

        File.Exists(store.Resolve(victim.PngPath)).ShouldBeTrue();
        (await OutputsAsync(database)).ShouldBe(before);
        (engine.ExplainCalls - calls).ShouldBe(1);
    }

    [Fact]
    public async Task Open_BeforePrecompute_IsRefused_AfterwardsOpens()
    {
        using var files = new TestPack();
        var engine = new FakeEngine();
        var (database, studyId) = await ImportAsync(engine, files);
        await using var _ = database;

        var early = await Should.ThrowAsync<StudyLifecycleException>(() => database.WithAsync<StudyLifecycle, Study>(l => l.OpenAsync(studyId)));
        early.Message.ShouldContain("precomputing");

        await RunAsync(database, studyId);
        var opened = await database.WithAsync<StudyLifecycle, Study>(l => l.OpenAsync(studyId));

        opened.Status.ShouldBe(StudyStatus.Open);
        opened.OpenedUtc.ShouldNotBeNull();
        var closed = await database.WithAsync<StudyLifecycle, Study>(l => l.CloseAsync(studyId));
        closed.Status.ShouldBe(StudyStatus.Closed);
    }

    [Fact]
    public async Task Open_WithFewerStimuliThanQuestions_IsRefused()
    {
        using var files = new TestPack();
        files.Study["experiments"]!.AsArray()[1]!["questions"] = 8;
        files.Study["experiments"]!.AsArray()[1]!["require_correct"] = true;
        files.SaveStudy();
        var engine = new FakeEngine();
        var (database, studyId) = await ImportAsync(engine, files);
        await using var _ = database;
        await RunAsync(database, studyId);
        var trust = await database.WithDbAsync(db => db.Stimuli.CountAsync(s => s.Experiment == ExperimentKind.Trust));
        trust.ShouldBeLessThan(8, "the fake models are right on few images, so fewer than 8 trust stimuli qualify");

        var error = await Should.ThrowAsync<StudyLifecycleException>(() => database.WithAsync<StudyLifecycle, Study>(l => l.OpenAsync(studyId)));

        error.Message.ShouldContain($"has {trust} trust stimuli but asks 8");
    }
}
