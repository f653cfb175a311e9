using System.Text.Json;
using SquadStudy.Data.Entities;
using SquadStudy.Studies.Engine;

namespace SquadStudy.Studies;

/// <summary>
/// The <see cref="StudyImage.BoxesJson"/> format, written at import and read by precompute and the
/// gallery: <c>[{"class":i,"xmin":..,"ymin":..,"xmax":..,"ymax":..}]</c>, Pascal VOC pixels (1-based, inclusive).
/// </summary>
public static class BoxesJson
{
    private sealed record Row(int Class, int Xmin, int Ymin, int Xmax, int Ymax);

    private static readonly JsonSerializerOptions Options = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static string Serialize(IEnumerable<GroundTruthBox> boxes) =>
        JsonSerializer.Serialize(boxes.Select(b => new Row(b.Class, b.XMin, b.YMin, b.XMax, b.YMax)), Options);

    /// <exception cref="JsonException">The text is not a JSON array of boxes.</exception>
    public static IReadOnlyList<GroundTruthBox> Parse(string json) =>
        (JsonSerializer.Deserialize<Row[]>(json, Options) ?? []).Select(r => new GroundTruthBox(r.Class, r.Xmin, r.Ymin, r.Xmax, r.Ymax)).ToArray();
}

/// <summary>
/// The <see cref="Explanation.MetricsJson"/> format: <see cref="ExplanationMetrics"/> with camelCase
/// names (<c>{"localisationBox":[x0,y0,x1,y1],"localisationIou":..,…}</c>), written by precompute and
/// read by the gallery. One type for both, so the reader can not expect another shape than the writer's.
/// </summary>
public static class ExplanationMetricsJson
{
    private static readonly JsonSerializerOptions Options = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static string Serialize(ExplanationMetrics metrics) => JsonSerializer.Serialize(metrics, Options);

    /// <summary>The stored metrics, or null when the explanation has none.</summary>
    /// <exception cref="JsonException">The text is not metrics JSON.</exception>
    public static ExplanationMetrics? Parse(string? json) =>
        string.IsNullOrWhiteSpace(json) ? null : JsonSerializer.Deserialize<ExplanationMetrics>(json, Options);
}
