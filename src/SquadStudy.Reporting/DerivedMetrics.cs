using System.Text.Json;

namespace SquadStudy.Reporting;

/// <summary>
/// The automated metrics of one map that the precompute worker's raw fields imply (camelCase, as
/// SquadStudy.Studies' <c>ExplanationMetrics</c> serialises them): <c>localisationCorrect</c> (IoU ≥ 0.5),
/// <c>score</c> Y (class probability on the image), <c>maskedScore</c> O (on the image times the map) and
/// <c>topRemovedScore</c> T (with the map's top 25 % of pixels removed). Averaged per model × method they are the
/// papers' figures: localisation error = 1 − localisation accuracy (Grad-CAM §3.1); Average Drop
/// = 100 · max(0, Y − O) / Y and Increase in Confidence = 100 · 1[Y &lt; O] (Grad-CAM++ §6.1, eq. 19 and 20);
/// the drop with the top 25 % removed = 100 · max(0, Y − T) / Y, a deletion check of the same form.
/// <c>weight_independent</c> = 100 · 1[ρ ≥ 0.5] for the model-randomisation sanity check's Spearman ρ with
/// every cascade layer re-initialised (<c>randomisationSpearman</c>; Adebayo et al. 2018): the share of
/// maps that barely changed when the weights they explain were destroyed.
/// A map without the fields a metric needs (or with Y ≤ 0) contributes nothing to that metric.
/// </summary>
public static class DerivedMetrics
{
    /// <summary>The Spearman ρ at or above which a map counts as weight independent (the engine's <c>SanityCheck.DefaultThreshold</c>).</summary>
    public const double WeightIndependentThreshold = 0.5;

    public static IEnumerable<(string Name, double Value)> Of(JsonElement metrics)
    {
        if (metrics.ValueKind != JsonValueKind.Object)
        {
            yield break;
        }
        if (Field(metrics, "localisationCorrect") is { } correct)
        {
            yield return ("localisation_error", 1.0 - correct);
        }
        if (Field(metrics, "randomisationSpearman") is { } rho)
        {
            yield return ("weight_independent", rho >= WeightIndependentThreshold ? 100.0 : 0.0);
        }
        if (Field(metrics, "score") is not { } y || !(y > 0.0))
        {
            yield break;
        }
        if (Field(metrics, "maskedScore") is { } o)
        {
            yield return ("average_drop", 100.0 * Math.Max(0.0, y - o) / y);
            yield return ("increase_in_confidence", y < o ? 100.0 : 0.0);
        }
        if (Field(metrics, "topRemovedScore") is { } t)
        {
            yield return ("top_removed_drop", 100.0 * Math.Max(0.0, y - t) / y);
        }
    }

    private static double? Field(JsonElement metrics, string name) =>
        metrics.TryGetProperty(name, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.Number when value.TryGetDouble(out var d) && double.IsFinite(d) => d,
                JsonValueKind.True => 1.0,
                JsonValueKind.False => 0.0,
                _ => null,
            }
            : null;
}
