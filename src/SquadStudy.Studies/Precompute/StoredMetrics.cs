using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SquadStudy.Data;
using SquadStudy.Data.Entities;
using SquadStudy.Engine.Tensors;
using SquadStudy.Studies.Engine;

namespace SquadStudy.Studies;

/// <summary>Progress of a <see cref="StoredMetrics"/> run: maps measured out of those with a stored raw map.</summary>
public sealed record StoredMetricsProgress(int Total, int Done);

/// <summary>
/// What a <see cref="StoredMetrics"/> run did: <paramref name="Measured"/> maps got the metrics;
/// <paramref name="WithoutRawMap"/> rows have no raw map in the store (precomputed before every map's
/// evidence was kept, or the file is gone) and kept their metrics as they were.
/// </summary>
public sealed record StoredMetricsResult(int Measured, int WithoutRawMap)
{
    /// <summary>What to tell the researcher about the rows without a raw map; null when there are none.</summary>
    public string? MissingAdvice(string slug) => WithoutRawMap == 0
        ? null
        : $"{WithoutRawMap} explanation(s) of study '{slug}' have no stored raw map (precomputed before raw maps were kept, "
          + "or the file is gone from the store), so their metrics are unchanged; to measure them, recompute their explanations: "
          + $"'squadstudy import PACK --replace' (while nobody has taken part) then 'squadstudy precompute {slug}'.";
}

/// <summary>
/// Adds, or computes again, the deletion/insertion and ROAD metrics of a study's explanations from
/// the maps precompute stored (<see cref="Explanation.RawPath"/>), without running the explainers:
/// the metrics are a function of the image, the model, the class and the map (Quantus' "precomputed
/// explanations" setting). The same computation as precompute's (<see cref="IStudyModel.Measure"/>),
/// so a study precomputed without these metrics and measured here stores what a precompute with them
/// would have stored.
/// <para>
/// The fields asked for replace the stored ones; every other field (localisation, pointing, scores,
/// the randomisation sanity check, which needs the method itself on re-initialised models) is kept.
/// Each model is loaded once and each image decoded once; the rows of one (image, model) are committed
/// together, so a stopped run keeps what it finished and running it again writes the same values.
/// </para>
/// </summary>
public sealed class StoredMetrics(IServiceScopeFactory scopes, ContentStore store, IExplanationEngine engine, TimeProvider clock)
{
    public async Task<StoredMetricsResult> RunAsync(long studyId, EngineMetricOptions metrics, IProgress<StoredMetricsProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        if (metrics.DeletionInsertion is null && metrics.Road is null)
        {
            throw new ArgumentException("Ask for deletion/insertion or ROAD: nothing else is computed from stored maps.", nameof(metrics));
        }
        if (metrics.RandomisationDepth > 0)
        {
            throw new ArgumentException("The randomisation sanity check needs the method run on re-initialised models; it can not be computed from stored maps.", nameof(metrics));
        }
        List<StudyModel> models;
        Dictionary<long, StudyImage> images;
        List<Row> rows;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<SquadStudyDbContext>();
            var study = await db.Studies.AsNoTracking().SingleOrDefaultAsync(s => s.Id == studyId, cancellationToken)
                ?? throw new InvalidOperationException($"Study {studyId} does not exist.");
            if (study.Status == StudyStatus.Precomputing)
            {
                throw new InvalidOperationException($"Study '{study.Slug}' is being precomputed; measure its maps when it is ready.");
            }
            models = await db.StudyModels.AsNoTracking().Where(m => m.StudyId == studyId).OrderBy(m => m.Id).ToListAsync(cancellationToken);
            images = await db.StudyImages.AsNoTracking().Where(i => i.StudyId == studyId).ToDictionaryAsync(i => i.Id, cancellationToken);
            rows = await db.Explanations.AsNoTracking().Where(e => e.StudyId == studyId)
                .OrderBy(e => e.Id)
                .Select(e => new Row(e.Id, e.ImageId, e.ModelId, e.ClassIndex, e.RawPath))
                .ToListAsync(cancellationToken);
        }
        var measurable = rows.Where(r => r.RawPath is { } raw && store.Resolve(raw) is { } path && File.Exists(path)).ToList();
        var withoutRaw = rows.Count - measurable.Count;
        var done = 0;
        progress?.Report(new StoredMetricsProgress(measurable.Count, done));
        var loaded = new Dictionary<long, IStudyModel>();
        try
        {
            foreach (var model in models.Where(m => measurable.Any(r => r.ModelId == m.Id)))
            {
                loaded[model.Id] = StoredInputs.LoadModel(store, engine, model);
            }
            foreach (var byImage in measurable.GroupBy(r => r.ImageId).OrderBy(g => images[g.Key].Stem, StringComparer.Ordinal))
            {
                var image = StoredInputs.Decode(store, engine, images[byImage.Key]);
                var boxes = BoxesJson.Parse(images[byImage.Key].BoxesJson);
                foreach (var batch in byImage.GroupBy(r => r.ModelId).OrderBy(g => g.Key))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var model = loaded[batch.Key];
                    var measured = batch.ToDictionary(r => r.Id, r =>
                    {
                        var (map, shape) = Npy.ReadFile(store.Resolve(r.RawPath!)!);
                        if (shape.Length != 2)
                        {
                            throw new InvalidOperationException($"Explanation {r.Id}'s raw map has shape ({string.Join(", ", shape)}), not (height, width).");
                        }
                        return model.Measure(image, r.ClassIndex, map, shape[0], shape[1], boxes, metrics);
                    });
                    await SaveAsync(measured, metrics);
                    done += measured.Count;
                    progress?.Report(new StoredMetricsProgress(measurable.Count, done));
                }
            }
        }
        finally
        {
            foreach (var model in loaded.Values)
            {
                model.Dispose();
            }
        }
        return new StoredMetricsResult(done, withoutRaw);
    }

    /// <summary>
    /// The stored metrics with the fields <paramref name="options"/> asked for taken from
    /// <paramref name="computed"/>; all of <paramref name="computed"/> where nothing was stored.
    /// </summary>
    public static ExplanationMetrics Merge(ExplanationMetrics? stored, ExplanationMetrics computed, EngineMetricOptions options)
    {
        var merged = stored ?? computed;
        if (options.DeletionInsertion is not null)
        {
            merged = merged with
            {
                DeletionAuc = computed.DeletionAuc,
                InsertionAuc = computed.InsertionAuc,
                DeletionCurve = computed.DeletionCurve,
                InsertionCurve = computed.InsertionCurve,
            };
        }
        if (options.Road is not null)
        {
            merged = merged with
            {
                RoadMorf = computed.RoadMorf,
                RoadLerf = computed.RoadLerf,
                RoadFractions = computed.RoadFractions,
                RoadMorfCurve = computed.RoadMorfCurve,
                RoadLerfCurve = computed.RoadLerfCurve,
            };
        }
        return merged;
    }

    /// <summary>One (image, model)'s rows in one transaction (SaveChanges), read again so that their other fields are the latest.</summary>
    private async Task SaveAsync(Dictionary<long, ExplanationMetrics> measured, EngineMetricOptions options)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SquadStudyDbContext>();
        var ids = measured.Keys.ToList();
        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var row in await db.Explanations.Where(e => ids.Contains(e.Id)).ToListAsync(CancellationToken.None))
        {
            row.MetricsJson = ExplanationMetricsJson.Serialize(Merge(ExplanationMetricsJson.Parse(row.MetricsJson), measured[row.Id], options));
            row.MetricsUpdatedUtc = now;
        }
        await db.SaveChangesAsync(CancellationToken.None);
    }

    private sealed record Row(long Id, long ImageId, long ModelId, int ClassIndex, string? RawPath);
}
