namespace SquadStudy.Web.Pages.Research;

/// <summary>
/// What an automated metric's key in results.json means, for the dashboard: a readable name, the
/// unit of its mean, which way is better, and the top of its scale where it has one. Keys are
/// those of SquadStudy.Studies' <c>ExplanationMetrics</c> (camelCase, per map) and of
/// SquadStudy.Reporting's <c>DerivedMetrics</c> (snake_case, the papers' figures).
/// </summary>
public sealed record MetricInfo(string Key, string Name, string Unit, string? Better, double? Max, string? Source)
{
    private static readonly MetricInfo[] Known =
    [
        new("average_drop", "Average Drop", "%", "lower is better", 100, "Grad-CAM++ §6.1, eq. 19"),
        new("increase_in_confidence", "Increase in Confidence", "% of images", "higher is better", 100, "Grad-CAM++ §6.1, eq. 20"),
        new("top_removed_drop", "Drop with the top 25 % of the map removed", "%", "higher is better", 100, "deletion check, same form as eq. 19"),
        new("localisation_error", "Localisation error", "fraction of images (IoU < 0.5)", "lower is better", 1, "Grad-CAM §3.1"),
        new("localisationCorrect", "Localisation accuracy", "fraction of images (IoU ≥ 0.5)", "higher is better", 1, "Grad-CAM §3.1"),
        new("localisationIou", "Localisation IoU", "intersection over union, 0–1", "higher is better", 1, null),
        new("pointingHit", "Pointing game", "fraction of hits", "higher is better", 1, "Zhang et al., excitation backprop, 2016"),
        new("deletionAuc", "Deletion AUC", "area under the probability curve, 0–1", "lower is better", 1, "Petsiuk et al. 2018 (RISE), §4.1"),
        new("insertionAuc", "Insertion AUC", "area under the probability curve, 0–1", "higher is better", 1, "Petsiuk et al. 2018 (RISE), §4.1"),
        new("roadMorf", "ROAD, most relevant first", "mean probability over the fractions removed", "lower is better", 1, "Rong et al. 2022, noisy linear imputation"),
        new("roadLerf", "ROAD, least relevant first", "mean probability over the fractions removed", "higher is better", 1, "Rong et al. 2022, noisy linear imputation"),
        new("randomisationSpearman", "Sanity check: rank correlation with the top layers re-initialised", "Spearman ρ", "lower is better", 1, "Adebayo et al. 2018, cascading randomisation"),
        new("weight_independent", "Sanity check failed (ρ ≥ 0.5: the map ignores the weights)", "% of maps", "lower is better", 100, "Adebayo et al. 2018"),
        new("score", "Class probability, original image", "probability", null, 1, null),
        new("maskedScore", "Class probability, image × map", "probability", null, 1, null),
        new("topRemovedScore", "Class probability, top 25 % removed", "probability", null, 1, null),
    ];

    /// <summary>The known metric, or one named after its key (a pack may store metrics this site does not know).</summary>
    public static MetricInfo For(string key) =>
        Known.FirstOrDefault(m => m.Key == key) ?? new MetricInfo(key, key, "", null, null, null);

    /// <summary>The keys in the order the dashboard shows them: the known ones as listed, then the others by name.</summary>
    public static IReadOnlyList<MetricInfo> InOrder(IEnumerable<string> keys)
    {
        var present = keys.ToHashSet(StringComparer.Ordinal);
        return Known.Where(m => present.Contains(m.Key))
            .Concat(present.Where(k => Known.All(m => m.Key != k)).Order(StringComparer.Ordinal).Select(For))
            .ToList();
    }
}
