using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using SquadStudy.Data;
using SquadStudy.Data.Entities;
using SquadStudy.Studies;
using SquadStudy.Studies.Engine;

namespace SquadStudy.Web.Research;

/// <summary>A box as percentages of the image's width and height, ready for an absolutely positioned overlay.</summary>
public sealed record OverlayBox(string Label, double Left, double Top, double Width, double Height)
{
    public string Style => string.Create(CultureInfo.InvariantCulture,
        $"left:{Left:0.###}%;top:{Top:0.###}%;width:{Width:0.###}%;height:{Height:0.###}%");
}

/// <summary>The gallery's filters; null means "all".</summary>
public sealed record GalleryFilter(bool WrongOnly = false, int? Class = null, string? Method = null, string? Model = null, int Page = 1);

/// <summary>One explanation in the gallery.</summary>
public sealed record GalleryItem(
    long ExplanationId, long ImageId, string Stem, string Model, string Method, string ExplainedClass,
    string LabelClass, string? PredictedClass, double? Probability, bool? PredictionCorrect,
    IReadOnlyList<OverlayBox> GroundTruth, IReadOnlyList<OverlayBox> Predicted);

public sealed record GalleryPage(
    IReadOnlyList<GalleryItem> Items, int Page, int PageCount, int Total,
    IReadOnlyList<string> Methods, IReadOnlyList<(string Key, string Name)> Models, IReadOnlyList<(int Index, string Name)> Classes);

/// <summary>
/// Every precomputed explanation of a study by image × model × method, with ground-truth boxes
/// (<see cref="BoxesJson"/>) and the explanation's localisation box from its metrics
/// (<see cref="ExplanationMetricsJson"/>, the format precompute writes).
/// </summary>
public sealed class StudyGallery(SquadStudyDbContext db)
{
    public const int PageSize = 24;

    public async Task<GalleryPage?> PageAsync(string slug, GalleryFilter filter, CancellationToken cancellationToken = default)
    {
        var study = await db.Studies.AsNoTracking().SingleOrDefaultAsync(s => s.Slug == slug, cancellationToken);
        if (study is null)
        {
            return null;
        }
        var models = await db.StudyModels.AsNoTracking().Where(m => m.StudyId == study.Id).OrderBy(m => m.Key).ToListAsync(cancellationToken);
        var images = await db.StudyImages.AsNoTracking().Where(i => i.StudyId == study.Id).ToDictionaryAsync(i => i.Id, cancellationToken);
        var predictions = await db.Predictions.AsNoTracking()
            .Where(p => db.StudyImages.Any(i => i.Id == p.ImageId && i.StudyId == study.Id))
            .ToDictionaryAsync(p => (p.ImageId, p.ModelId), cancellationToken);
        var explanations = db.Explanations.AsNoTracking().Where(x => x.StudyId == study.Id);
        var methods = await explanations.Select(x => x.Method).Distinct().OrderBy(m => m).ToListAsync(cancellationToken);
        var classNames = await db.ClassNamesAsync(study.Id, cancellationToken);

        if (filter.Method is { Length: > 0 } method)
        {
            explanations = explanations.Where(x => x.Method == method);
        }
        if (filter.Model is { Length: > 0 } modelKey)
        {
            var modelId = models.FirstOrDefault(m => m.Key == modelKey)?.Id ?? -1;
            explanations = explanations.Where(x => x.ModelId == modelId);
        }
        if (filter.Class is { } labelClass)
        {
            var ids = images.Values.Where(i => i.LabelClass == labelClass).Select(i => i.Id).ToList();
            explanations = explanations.Where(x => ids.Contains(x.ImageId));
        }
        if (filter.WrongOnly)
        {
            var wrong = predictions.Values.Where(p => images.TryGetValue(p.ImageId, out var i) && i.LabelClass != p.PredictedClass)
                .Select(p => new { p.ImageId, p.ModelId }).ToList();
            var wrongImages = wrong.Select(w => w.ImageId).Distinct().ToList();
            // Narrow in SQL by image, then exactly by (image, model) in memory: a wrong prediction is per model.
            var candidates = await explanations.Where(x => wrongImages.Contains(x.ImageId)).ToListAsync(cancellationToken);
            var pairs = wrong.Select(w => (w.ImageId, w.ModelId)).ToHashSet();
            return Build(study, models, images, predictions, methods, classNames,
                candidates.Where(x => pairs.Contains((x.ImageId, x.ModelId))).ToList(), filter);
        }
        return Build(study, models, images, predictions, methods, classNames, await explanations.ToListAsync(cancellationToken), filter);
    }

    private GalleryPage Build(Study study, List<StudyModel> models, Dictionary<long, StudyImage> images,
        Dictionary<(long, long), Prediction> predictions, List<string> methods, IReadOnlyList<string> classNames, List<Explanation> matching, GalleryFilter filter)
    {
        string Name(int index) => StudyClassNames.Name(classNames, index);
        var modelsById = models.ToDictionary(m => m.Id);
        var ordered = matching
            .OrderBy(x => images.TryGetValue(x.ImageId, out var i) ? i.Stem : "", StringComparer.Ordinal)
            .ThenBy(x => modelsById.TryGetValue(x.ModelId, out var m) ? m.Key : "", StringComparer.Ordinal)
            .ThenBy(x => x.Method, StringComparer.Ordinal)
            .ThenBy(x => x.ClassIndex)
            .ToList();
        var pageCount = Math.Max(1, (ordered.Count + PageSize - 1) / PageSize);
        var page = Math.Clamp(filter.Page, 1, pageCount);
        var items = ordered.Skip((page - 1) * PageSize).Take(PageSize).Select(x =>
        {
            var image = images[x.ImageId];
            predictions.TryGetValue((x.ImageId, x.ModelId), out var prediction);
            var predicted = ReadPredictedBox(x.MetricsJson, image, Name(x.ClassIndex));
            return new GalleryItem(x.Id, image.Id, image.Stem,
                modelsById.TryGetValue(x.ModelId, out var model) ? model.Key : "?",
                x.Method, Name(x.ClassIndex), Name(image.LabelClass),
                prediction is null ? null : Name(prediction.PredictedClass),
                prediction?.Probability,
                prediction is null ? null : prediction.PredictedClass == image.LabelClass,
                ReadGroundTruth(image, Name),
                predicted is null ? [] : [predicted]);
        }).ToList();
        var classes = images.Values.Select(i => i.LabelClass).Distinct().Order().Select(c => (c, Name(c))).ToList();
        return new GalleryPage(items, page, pageCount, ordered.Count, methods, models.Select(m => (m.Key, m.DisplayName)).ToList(), classes);
    }

    /// <summary>Ground-truth boxes: VOC pixel coordinates, 1-based and inclusive (docs/study-pack.md).</summary>
    public static IReadOnlyList<OverlayBox> ReadGroundTruth(StudyImage image, Func<int, string> className)
    {
        IReadOnlyList<GroundTruthBox> boxes;
        try
        {
            boxes = BoxesJson.Parse(image.BoxesJson);
        }
        catch (JsonException exception)
        {
            throw new InvalidOperationException($"Image '{image.Stem}': boxes_json is not a JSON array of boxes: {exception.Message}", exception);
        }
        return boxes.Select(b => Overlay(className(b.Class), b.XMin - 1, b.YMin - 1, b.XMax - 1, b.YMax - 1, image))
            .OfType<OverlayBox>().ToList();
    }

    /// <summary>
    /// The localisation box of an explanation (threshold at 15 % of the map's maximum, largest segment;
    /// Grad-CAM §3.1) from its stored metrics: 0-based inclusive pixels of the original image.
    /// </summary>
    public static OverlayBox? ReadPredictedBox(string? metricsJson, StudyImage image, string label) =>
        ExplanationMetricsJson.Parse(metricsJson)?.LocalisationBox is [var x0, var y0, var x1, var y1]
            ? Overlay(label, x0, y0, x1, y1, image)
            : null;

    /// <summary>A box of 0-based inclusive pixels as percentages of the image.</summary>
    private static OverlayBox? Overlay(string label, int x0, int y0, int x1, int y1, StudyImage image) =>
        image.Width <= 0 || image.Height <= 0
            ? null
            : new OverlayBox(label,
                100.0 * x0 / image.Width, 100.0 * y0 / image.Height,
                100.0 * (x1 - x0 + 1) / image.Width, 100.0 * (y1 - y0 + 1) / image.Height);
}
