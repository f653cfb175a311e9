using System.Globalization;
using SquadStudy.Analysis;

namespace SquadStudy.Web.Pages.Research;

/// <summary>One method × model bar of the trust chart: from 0 to the mean score, its interval as a whisker.</summary>
public sealed record TrustBar(string Label, string X, string Y, string LabelY, string BarWidth, string? WhiskerLow, string? WhiskerHigh, string WhiskerY, string Value);

/// <summary>
/// Mean trust score per method × model as horizontal bars (SVG) on the answer scale −2 … +2, zero in the middle:
/// a bar to the right means participants found that model more reliable than the one it was shown beside.
/// </summary>
public sealed record TrustChart(int Width, int Height, int PlotLeft, int PlotWidth, string ZeroX, IReadOnlyList<TrustBar> Bars)
{
    private const int Left = 170, Plot = 300, RowHeight = 22;
    private const double ScaleMax = 2.0;

    public int LabelX => PlotLeft - 6;

    public int PlotRight => PlotLeft + PlotWidth;

    public static TrustChart? Of(IReadOnlyList<TrustRow> rows)
    {
        if (rows.Count == 0)
        {
            return null;
        }
        static string Svg(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
        static double X(double score) => Left + Plot * (Math.Clamp(score, -ScaleMax, ScaleMax) + ScaleMax) / (2 * ScaleMax);
        var bars = rows.Select((row, i) =>
        {
            var y = 4 + i * RowHeight;
            var end = X(row.Mean ?? 0.0);
            return new TrustBar(
                $"{row.Method} · {row.Model}", Svg(Math.Min(end, X(0))), Svg(y), Svg(y + 13), Svg(Math.Abs(end - X(0))),
                row.CiLow is { } low ? Svg(X(low)) : null,
                row.CiHigh is { } high ? Svg(X(high)) : null,
                Svg(y + 8),
                $"{row.Method} {row.Model}: mean {ResultFormat.Number(row.Mean)} (n = {row.N.ToString(CultureInfo.InvariantCulture)}), interval {ResultFormat.Interval(row.CiLow, row.CiHigh)}");
        }).ToList();
        return new TrustChart(Left + Plot + 20, 8 + rows.Count * RowHeight + 14, Left, Plot, Svg(X(0)), bars);
    }
}
