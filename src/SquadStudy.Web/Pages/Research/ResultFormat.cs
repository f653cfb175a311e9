using System.Globalization;
using SquadStudy.Analysis;

namespace SquadStudy.Web.Pages.Research;

/// <summary>How the dashboard prints statistics; undefined values (null) print as an em dash.</summary>
public static class ResultFormat
{
    public const string Undefined = "—";

    public static string P(double? p) => p switch
    {
        null => Undefined,
        < 0.0001 => "< 0.0001",
        { } value => value.ToString("0.0000", CultureInfo.InvariantCulture),
    };

    public static string Number(double? value, int digits = 3) =>
        value?.ToString("F" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) ?? Undefined;

    public static string Percent(double? value) =>
        value is { } v ? (100 * v).ToString("0.0", CultureInfo.InvariantCulture) + " %" : Undefined;

    public static string PercentInterval(double? low, double? high) =>
        low is null || high is null ? Undefined : $"[{Percent(low)}, {Percent(high)}]";

    public static string Interval(double? low, double? high) =>
        low is null || high is null ? Undefined : $"[{Number(low)}, {Number(high)}]";

    /// <summary>The attention rule as the study set it: off, or how many failures are tolerated.</summary>
    public static string AttentionRule(ExclusionReport report) => report.MaxFailedAttentionChecks switch
    {
        int.MaxValue => "rule off",
        0 => "excluded after one failure",
        var max => $"excluded after more than {max.ToString(CultureInfo.InvariantCulture)} failures",
    };

    public static string SpeedRule(ExclusionReport report) =>
        report.MinMedianResponseMs is { } min ? $"excluded when the median answer takes under {Number(min, 0)} ms" : "rule off";

    public static string Model(string? model) => model ?? "all models";

    public static string Method(string? method) => method ?? "all methods";

    /// <summary>What the accuracy table's cluster bootstrap column resampled, printed under the table.</summary>
    public static string BootstrapLine(AnalysisSettings settings) => settings.BootstrapResamples == 0
        ? "Cluster bootstrap off (SquadStudy__Results__BootstrapResamples = 0)."
        : string.Create(CultureInfo.InvariantCulture,
            $"Cluster bootstrap: {settings.BootstrapResamples:N0} resamples that each draw the participants and, independently, the images with replacement (pigeonhole bootstrap, Owen 2007; seed {settings.Seed}); percentile interval. It keeps each participant's and each image's answers together, and is conservative: without any participant or image effect it is about √3 times as wide as Wilson's.");

    /// <summary>The power line printed under a comparison: what the current n can detect, and what n a target needs.</summary>
    public static string PowerLine(PowerRow power, AnalysisSettings settings)
    {
        var detectable = power.DetectableDifference is { } d
            ? $"the smallest difference detectable with n = {power.NA} vs {power.NB} is {Percent(d)} points"
            : $"no difference is detectable with n = {power.NA} vs {power.NB}";
        var needed = power.NNeeded is { } n
            ? $"detecting {Percent(power.TargetDifference)} points needs n = {n.ToString(CultureInfo.InvariantCulture)} per method"
            : $"a difference of {Percent(power.TargetDifference)} points does not fit around the baseline";
        return string.Create(CultureInfo.InvariantCulture,
            $"Power {settings.Power:0.##} at α = {settings.Alpha:0.###} (baseline {Percent(power.Baseline)}): {detectable}; {needed}.");
    }
}
