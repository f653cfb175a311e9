using System.Globalization;
using SquadStudy.Analysis;
using SquadStudy.Reporting;
using SquadStudy.Web.Research;

namespace SquadStudy.Web.Pages.Research;

/// <summary>One row of a <see cref="BarChart"/>: a bar from the axis to the value, its interval as a whisker, all in SVG user units.</summary>
public sealed record ChartBar(string Label, string X, string Y, string LabelY, string Width, string? WhiskerLow, string? WhiskerHigh, string WhiskerY, string Title, string ValueX, string Value);

/// <summary>
/// The dashboard's one chart model: horizontal bars on a linear scale <c>[min, max]</c>, each from
/// the axis (0, or the scale's end nearest to 0) to its value, with an optional interval drawn
/// as a whisker. Accuracy (0–100 %), trust (−2 … +2) and every automated metric use it; the
/// view (<c>_BarChart.cshtml</c>) only draws what is laid out here. Attribute values are
/// invariant-culture numbers.
/// </summary>
public sealed record BarChart(string AriaLabel, string Fill, string Stroke, int Width, int Height, int LabelX, string AxisX, IReadOnlyList<ChartBar> Bars)
{
    /// <summary>Where the plot starts (the labels are to its left) and how wide it is.</summary>
    public const int PlotLeft = 210, PlotWidth = 300;

    /// <summary>Room right of the plot for the value printed after a bar that reaches the end.</summary>
    private const int ValueRoom = 70;

    private const int RowHeight = 22;

    /// <summary>A row to draw: the value and interval in the scale's units, and the tooltip.</summary>
    public sealed record Row(string Label, double? Value, double? Low, double? High, string Title, string Display);

    public static BarChart? Of(string ariaLabel, string fill, string stroke, double min, double max, IReadOnlyList<Row> rows)
    {
        if (rows.Count == 0)
        {
            return null;
        }
        if (!(max > min))
        {
            max = min + 1;
        }
        double X(double value) => PlotLeft + PlotWidth * (Math.Clamp(value, min, max) - min) / (max - min);
        var axis = X(0);
        var bars = rows.Select((row, i) =>
        {
            var y = 4 + i * RowHeight;
            var end = X(row.Value ?? 0);
            // The value is printed past the bar and its whisker, whichever reaches further right.
            var right = Math.Max(Math.Max(end, axis), row.High is { } h ? X(h) : 0);
            return new ChartBar(row.Label, Svg(Math.Min(end, axis)), Svg(y), Svg(y + 13), Svg(Math.Abs(end - axis)),
                row.Low is { } low ? Svg(X(low)) : null, row.High is { } high ? Svg(X(high)) : null, Svg(y + 8), row.Title,
                Svg(right + 4), row.Display);
        }).ToList();
        return new BarChart(ariaLabel, fill, stroke, PlotLeft + PlotWidth + ValueRoom, 8 + rows.Count * RowHeight + 14, PlotLeft - 6, Svg(axis), bars);
    }

    /// <summary>Explanatory accuracy per model × method, 0–100 % across the plot, with the Wilson interval.</summary>
    public static BarChart? Accuracy(IReadOnlyList<AccuracyRow> rows, double confidence, string what = "Explanatory accuracy") =>
        Of($"{what} per model and method with {ResultFormat.Percent(confidence)} intervals", "#6ea8fe", "#052c65", 0, 1,
            rows.Select(row => new Row($"{row.Model} · {row.Method}", row.Accuracy, row.CiLow, row.CiHigh,
                string.Create(CultureInfo.InvariantCulture,
                    $"{row.Model} {row.Method}: {ResultFormat.Percent(row.Accuracy)} (n = {row.N}), {ResultFormat.Percent(confidence)} interval {ResultFormat.PercentInterval(row.CiLow, row.CiHigh)}"),
                ResultFormat.Percent(row.Accuracy)))
            .ToList());

    /// <summary>
    /// Mean trust score per method × model on the answer scale −2 … +2, zero in the middle: a bar to
    /// the right means participants found that model more reliable than the one it was shown beside.
    /// </summary>
    public static BarChart? Trust(IReadOnlyList<TrustRow> rows, double confidence) =>
        Of($"Mean trust score per method and model on the scale -2 to +2, with {ResultFormat.Percent(confidence)} intervals", "#a3cfbb", "#0a3622", -2, 2,
            rows.Select(row => new Row($"{row.Method} · {row.Model}", row.Mean, row.CiLow, row.CiHigh,
                $"{row.Method} {row.Model}: mean {ResultFormat.Number(row.Mean)} (n = {row.N.ToString(CultureInfo.InvariantCulture)}), interval {ResultFormat.Interval(row.CiLow, row.CiHigh)}",
                ResultFormat.Number(row.Mean, 2)))
            .ToList());

    /// <summary>One automated metric's mean per model × method, on a scale from 0 (or the lowest mean) to its own range's top.</summary>
    public static BarChart? Metric(MetricInfo metric, IReadOnlyList<MetricsRow> rows)
    {
        var cells = rows.Where(r => r.Means.ContainsKey(metric.Key)).ToList();
        if (cells.Count == 0)
        {
            return null;
        }
        var means = cells.Select(r => r.Means[metric.Key]).ToList();
        var max = metric.Max ?? Math.Max(means.Max(), 0);
        var min = Math.Min(means.Min(), 0);
        return Of($"{metric.Name} per model and method", "#ffda6a", "#664d03", min, max > min ? max : min + 1,
            cells.Select(r => new Row($"{r.Model} · {r.Method}", r.Means[metric.Key], null, null,
                string.Create(CultureInfo.InvariantCulture, $"{r.Model} {r.Method}: {metric.Name} {ResultFormat.Number(r.Means[metric.Key])} {metric.Unit} (mean of {r.Counts.GetValueOrDefault(metric.Key)} explanations)"),
                ResultFormat.Number(r.Means[metric.Key], 2)))
            .ToList());
    }

    private static string Svg(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}

/// <summary>One line of a <see cref="CurveChart"/>: its polyline points and legend, in SVG user units.</summary>
public sealed record CurveLine(string Label, string Points, string Stroke, string? Dash, string LegendY, string Title);

/// <summary>
/// Mean perturbation curves (deletion, insertion, ROAD), one line per model × method, the class
/// probability (0–1, up) over the fraction of pixels changed (0–1, right), laid out for a
/// server-rendered SVG (<c>_CurveChart.cshtml</c>; no script, so the strict Content-Security-Policy holds).
/// </summary>
public sealed record CurveChart(string Title, string AriaLabel, string Better, int Width, int Height, IReadOnlyList<CurveLine> Lines)
{
    /// <summary>The plot's frame: left, top, width and height in user units; the legend is to the right.</summary>
    public const int Left = 40, Top = 10, PlotWidth = 260, PlotHeight = 160, LegendX = Left + PlotWidth + 16;

    /// <summary>The frame's other edges and middles, where the view puts the axes and their 0, 0.5, 1 ticks.</summary>
    public const int Right = Left + PlotWidth, Bottom = Top + PlotHeight, MiddleX = Left + PlotWidth / 2, MiddleY = Top + PlotHeight / 2,
        TickLabelY = Bottom + 14, AxisTitleY = Bottom + 28, LegendTextX = LegendX + 22;

    /// <summary>Colour-blind-safe strokes (Okabe–Ito), repeated with dashes past eight lines.</summary>
    private static readonly string[] Strokes = ["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000", "#f0e442"];

    /// <summary>The deletion and insertion curves (x: 0, 1/n, …, 1), then ROAD's (x: its fractions), where any row has them.</summary>
    public static IReadOnlyList<CurveChart> Perturbation(IReadOnlyList<MetricsRow> rows) =>
        new[]
        {
            Of("Deletion", "lower is better", "deletionCurve", null, rows),
            Of("Insertion", "higher is better", "insertionCurve", null, rows),
            Of("ROAD, most relevant first", "lower is better", "roadMorfCurve", "roadFractions", rows),
            Of("ROAD, least relevant first", "higher is better", "roadLerfCurve", "roadFractions", rows),
        }.OfType<CurveChart>().ToList();

    public static CurveChart? Of(string title, string better, string curve, string? fractions, IReadOnlyList<MetricsRow> rows)
    {
        var lines = new List<CurveLine>();
        foreach (var row in rows)
        {
            if (!row.Curves.TryGetValue(curve, out var y) || y.Length == 0)
            {
                continue;
            }
            double[] x;
            if (fractions is null)
            {
                x = y.Length == 1 ? [0.0] : y.Select((_, i) => (double)i / (y.Length - 1)).ToArray();
            }
            else if (row.Curves.TryGetValue(fractions, out var f) && f.Length == y.Length)
            {
                x = f;
            }
            else
            {
                continue;
            }
            var i = lines.Count;
            var points = string.Join(" ", x.Select((xi, j) => $"{Svg(Left + PlotWidth * Math.Clamp(xi, 0, 1))},{Svg(Top + PlotHeight * (1 - Math.Clamp(y[j], 0, 1)))}"));
            var label = $"{row.Model} · {row.Method}";
            var values = string.Join(", ", y.Select(v => ResultFormat.Number(v, 3)));
            lines.Add(new CurveLine(label, points, Strokes[i % Strokes.Length], i >= Strokes.Length ? "5 3" : null, Svg(Top + 10 + i * 16),
                $"{row.Model} {row.Method}: mean probability {values}"));
        }
        if (lines.Count == 0)
        {
            return null;
        }
        return new CurveChart(title, $"{title} curves: mean class probability over the fraction of pixels, per model and method", better,
            LegendX + 200, Math.Max(AxisTitleY + 6, Top + 10 + lines.Count * 16), lines);
    }

    private static string Svg(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}

/// <summary>One bar of a server-rendered SVG histogram: attribute values in the SVG's user units, invariant culture.</summary>
public sealed record SvgBar(string X, string Y, string Width, string Height, string LabelX, string Label, string Title)
{
    public static SvgBar Of(double x, double y, double width, double height, string label, string title) =>
        new(Svg(x), Svg(y), Svg(width), Svg(height), Svg(x + width / 2), label, title);

    private static string Svg(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}

/// <summary>A histogram of answers per stimulus, laid out for SVG (the view only draws it).</summary>
public sealed record HistogramChart(int Width, int Height, IReadOnlyList<SvgBar> Bars)
{
    private const int ChartWidth = 320, ChartHeight = 120, Baseline = 100;

    public static HistogramChart Of(IReadOnlyList<HistogramBin> bins)
    {
        if (bins.Count == 0)
        {
            return new HistogramChart(ChartWidth, ChartHeight, []);
        }
        var tallest = bins.Max(b => b.Stimuli);
        var slot = (double)ChartWidth / bins.Count;
        var bars = bins.Select((bin, i) =>
        {
            var height = tallest == 0 ? 0 : 90.0 * bin.Stimuli / tallest;
            return SvgBar.Of(i * slot + slot * 0.1, Baseline - height, slot * 0.8, height,
                bin.Answers.ToString(CultureInfo.InvariantCulture),
                string.Create(CultureInfo.InvariantCulture, $"{bin.Stimuli} stimuli with {bin.Answers} answers"));
        }).ToList();
        return new HistogramChart(ChartWidth, ChartHeight, bars);
    }
}

/// <summary>A Wilson interval drawn inside the accuracy table's cell: the 0–100 % track, the interval, the point.</summary>
public sealed record IntervalBar(string Low, string Width, string Point)
{
    public const int TrackWidth = 200;

    public static IntervalBar? Of(double? value, double? low, double? high) =>
        value is { } v && low is { } l && high is { } h
            ? new IntervalBar(Svg(TrackWidth * l), Svg(TrackWidth * (h - l)), Svg(TrackWidth * v))
            : null;

    private static string Svg(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}
