using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SquadStudy.Data;
using SquadStudy.Data.Entities;
using SquadStudy.Engine.Metrics;
using SquadStudy.Engine.Tensors;
using SquadStudy.Studies.Engine;

namespace SquadStudy.Studies.Tests;

/// <summary>
/// <see cref="StoredMetrics"/> on the real engine: the perturbation metrics added to a study precomputed
/// without them are those a precompute with them stores.
/// </summary>
public sealed class StoredMetricsTests
{
    /// <summary>Deletion/insertion and ROAD at their defaults: what <see cref="StoredMetrics"/> is asked for.</summary>
    private static readonly EngineMetricOptions Perturbation = new() { DeletionInsertion = new DeletionInsertionOptions(), Road = new RoadOptions() };

    /// <summary>A CAM method and a pixel-space one.</summary>
    private const string Methods = "\"gradcam\", \"guidedbp\"";

    [Fact]
    public async Task Run_OnAStudyPrecomputedWithoutThePerturbationMetrics_StoresWhatAPrecomputeWithThemStores()
    {
        using var files = new RealEnginePack(Methods);
        // Both with the sanity check, which StoredMetrics can not compute: it must keep what precompute stored.
        var sanityOnly = new EngineMetricOptions { RandomisationDepth = SanityCheck.DefaultDepth };
        await using var without = await StudyDatabase.CreateAsync(new SquadStudyEngine(metrics: sanityOnly));
        await using var with = await StudyDatabase.CreateAsync(new SquadStudyEngine(metrics: EngineMetricOptions.All));
        var study = await PrecomputeAsync(without, files);
        await PrecomputeAsync(with, files);
        var before = await RowsAsync(without);
        before.Values.ShouldAllBe(r => r.MetricsJson.Contains("\"deletionAuc\":null") && r.MetricsJson.Contains("\"randomisationSpearman\":"));
        before.Values.ShouldAllBe(r => r.MetricsUpdatedUtc == null, "precompute's own metrics");
        var reports = new List<StoredMetricsProgress>();

        var result = await without.Services.GetRequiredService<StoredMetrics>().RunAsync(study.Id, Perturbation, new ListProgress(reports));

        result.ShouldBe(new StoredMetricsResult(before.Count, 0));
        result.MissingAdvice(study.Slug).ShouldBeNull();
        reports[^1].ShouldBe(new StoredMetricsProgress(before.Count, before.Count));
        reports.Select(r => r.Done).ShouldBeInOrder();
        var after = await RowsAsync(without);
        var expected = await RowsAsync(with);
        after.Keys.ShouldBe(before.Keys, ignoreOrder: true);
        after.Keys.ShouldBe(expected.Keys, ignoreOrder: true);
        after.Keys.ShouldContain(k => k.StartsWith("gap/guidedbp/", StringComparison.Ordinal));
        foreach (var (key, row) in after)
        {
            (row.Id, row.PngPath, row.RawPath).ShouldBe((before[key].Id, before[key].PngPath, before[key].RawPath), key);
            row.MetricsUpdatedUtc.ShouldNotBeNull(key);
            var metrics = ExplanationMetricsJson.Parse(row.MetricsJson).ShouldNotBeNull();
            metrics.DeletionAuc.ShouldNotBeNull(key);
            metrics.RoadMorfCurve.ShouldNotBeNull(key).Length.ShouldBe(5);
            Agree(row.MetricsJson, expected[key].MetricsJson, key);
        }

        var again = await without.Services.GetRequiredService<StoredMetrics>().RunAsync(study.Id, Perturbation);

        again.ShouldBe(result);
        var twice = await RowsAsync(without);
        twice.Keys.ShouldBe(after.Keys, ignoreOrder: true);
        foreach (var (key, row) in twice)
        {
            Agree(row.MetricsJson, after[key].MetricsJson, key);
        }
    }

    [Fact]
    public async Task Precompute_PixelSpaceMap_StoresItsSaliencyAtTheModelsInputSize()
    {
        using var files = new RealEnginePack("\"guidedbp\"");
        await using var database = await StudyDatabase.CreateAsync(new SquadStudyEngine());
        await PrecomputeAsync(database, files);

        var store = new ContentStore(database.DataDirectory);
        var rows = await database.WithDbAsync(db => (from e in db.Explanations
                                                     join m in db.StudyModels on e.ModelId equals m.Id
                                                     where e.Method == "guidedbp"
                                                     select new { m.Key, e.RawPath }).ToListAsync());
        rows.Count.ShouldBe(24);
        foreach (var row in rows)
        {
            var (data, shape) = Npy.ReadFile(store.Resolve(row.RawPath.ShouldNotBeNull())!);
            // gaplinear takes 36×24 images, resnetlike 40×32: one value per input pixel, not three.
            shape.ShouldBe(row.Key == "gap" ? [24, 36] : [32, 40]);
            data.ShouldAllBe(v => float.IsFinite(v) && v >= 0);
            data.ShouldContain(v => v > 0);
        }
    }

    [Fact]
    public async Task Run_RowWithoutARawMap_IsCountedAndKeepsItsMetrics()
    {
        using var files = new RealEnginePack("\"gradcam\"");
        await using var database = await StudyDatabase.CreateAsync(new SquadStudyEngine());
        var study = await PrecomputeAsync(database, files);
        // As a row stored before every map kept its raw map.
        var old = await database.WithDbAsync(async db =>
        {
            var row = await db.Explanations.OrderBy(e => e.Id).FirstAsync();
            row.RawPath = null;
            await db.SaveChangesAsync();
            return row;
        });
        var count = await database.WithDbAsync(db => db.Explanations.CountAsync());

        var result = await database.Services.GetRequiredService<StoredMetrics>().RunAsync(study.Id, new EngineMetricOptions { DeletionInsertion = new DeletionInsertionOptions() });

        result.ShouldBe(new StoredMetricsResult(count - 1, 1));
        var advice = result.MissingAdvice(study.Slug).ShouldNotBeNull();
        advice.ShouldStartWith("1 explanation(s) of study 'real-engine' have no stored raw map");
        advice.ShouldContain("squadstudy precompute real-engine");
        var rows = await database.WithDbAsync(db => db.Explanations.AsNoTracking().ToListAsync());
        rows.Single(r => r.Id == old.Id).MetricsJson.ShouldBe(old.MetricsJson);
        rows.Where(r => r.Id != old.Id).ShouldAllBe(r => ExplanationMetricsJson.Parse(r.MetricsJson)!.DeletionAuc != null);
        // Only deletion/insertion was asked for: ROAD stays as stored (none).
        rows.ShouldAllBe(r => ExplanationMetricsJson.Parse(r.MetricsJson)!.RoadMorf == null);
    }

    [Fact]
    public async Task Run_WithoutAPerturbationMetricOrWithTheSanityCheck_IsRefused()
    {
        await using var database = await StudyDatabase.CreateAsync(new FakeEngine());
        var metrics = database.Services.GetRequiredService<StoredMetrics>();

        await Should.ThrowAsync<ArgumentException>(() => metrics.RunAsync(1, new EngineMetricOptions()));
        (await Should.ThrowAsync<ArgumentException>(() => metrics.RunAsync(1, EngineMetricOptions.All))).Message.ShouldContain("re-initialised models");
        (await Should.ThrowAsync<InvalidOperationException>(() => metrics.RunAsync(42, Perturbation))).Message.ShouldBe("Study 42 does not exist.");
    }

    [Fact]
    public void Merge_ReplacesTheFieldsAskedForAndKeepsTheOthers()
    {
        var stored = new ExplanationMetrics([1, 2, 3, 4], 0.4, false, true, 0.9, 0.5, 0.3,
            DeletionAuc: 0.1, RoadMorf: 0.2, RandomisationSpearman: 0.7, RandomisationCurve: [0.9, 0.7]);
        var computed = new ExplanationMetrics([0, 0, 1, 1], 0.8, true, false, 0.8, 0.4, 0.2, DeletionAuc: 0.6, InsertionAuc: 0.5, RoadMorf: 0.3);

        var merged = StoredMetrics.Merge(stored, computed, new EngineMetricOptions { DeletionInsertion = new DeletionInsertionOptions() });

        merged.ShouldBe(stored with { DeletionAuc = 0.6, InsertionAuc = 0.5 });
        StoredMetrics.Merge(null, computed, Perturbation).ShouldBe(computed);
    }

    private static async Task<Study> PrecomputeAsync(StudyDatabase database, RealEnginePack files)
    {
        var study = await database.WithAsync<StudyImporter, Study>(i => i.ImportAsync(files.Root));
        await database.Services.GetRequiredService<Precomputer>().RunAsync(study.Id);
        return study;
    }

    private sealed record StoredRow(long Id, string PngPath, string? RawPath, string MetricsJson, DateTime? MetricsUpdatedUtc = null);

    /// <summary>Every explanation row by model, method, image and class.</summary>
    private static Task<Dictionary<string, StoredRow>> RowsAsync(StudyDatabase database) => database.WithDbAsync(async db =>
        (await (from e in db.Explanations
                join i in db.StudyImages on e.ImageId equals i.Id
                join m in db.StudyModels on e.ModelId equals m.Id
                select new { m.Key, e.Method, i.Stem, e.ClassIndex, e.Id, e.PngPath, e.RawPath, e.MetricsJson, e.MetricsUpdatedUtc }).ToListAsync())
        .ToDictionary(r => $"{r.Key}/{r.Method}/{r.Stem}/{r.ClassIndex}", r => new StoredRow(r.Id, r.PngPath, r.RawPath, r.MetricsJson ?? "null", r.MetricsUpdatedUtc)));

    private static void Agree(string actual, string expected, string key)
    {
        using var a = JsonDocument.Parse(actual);
        using var e = JsonDocument.Parse(expected);
        RealEngineTests.ShouldAgree(a.RootElement, e.RootElement, key);
    }

    private sealed class ListProgress(List<StoredMetricsProgress> reports) : IProgress<StoredMetricsProgress>
    {
        public void Report(StoredMetricsProgress value) => reports.Add(value);
    }
}
