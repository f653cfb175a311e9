using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using SquadStudy.Analysis;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SquadStudy.Data.Entities;
using SquadStudy.Reporting;
using SquadStudy.Web.Research;

namespace SquadStudy.Web.Pages.Research;

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

/// <summary>One model × method bar of the accuracy chart with its Wilson interval as a whisker.</summary>
public sealed record AccuracyBar(string Label, string Y, string LabelY, string BarWidth, string? WhiskerLow, string? WhiskerHigh, string WhiskerY, string Value);

/// <summary>Explanatory accuracy per model × method as horizontal bars (SVG), 0–100 % across the plot.</summary>
public sealed record AccuracyChart(int Width, int Height, int PlotLeft, int PlotWidth, IReadOnlyList<AccuracyBar> Bars)
{
    private const int Left = 170, Plot = 300, RowHeight = 22;

    public int LabelX => PlotLeft - 6;

    public static AccuracyChart? Of(IReadOnlyList<AccuracyRow> rows)
    {
        if (rows.Count == 0)
        {
            return null;
        }
        static string Svg(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
        var bars = rows.Select((row, i) =>
        {
            var y = 4 + i * RowHeight;
            return new AccuracyBar(
                $"{row.Model} · {row.Method}", Svg(y), Svg(y + 13), Svg(Plot * (row.Accuracy ?? 0)),
                row.CiLow is { } low ? Svg(Left + Plot * low) : null,
                row.CiHigh is { } high ? Svg(Left + Plot * high) : null,
                Svg(y + 8),
                string.Create(CultureInfo.InvariantCulture, $"{row.Model} {row.Method}: {ResultFormat.Percent(row.Accuracy)} (n = {row.N}), 95 % interval {ResultFormat.PercentInterval(row.CiLow, row.CiHigh)}"));
        }).ToList();
        return new AccuracyChart(Left + Plot + 20, 8 + rows.Count * RowHeight + 14, Left, Plot, bars);
    }
}

/// <summary>The dashboard of one study: links, open/close, live progress, balance, exports and results.</summary>
public sealed class DashboardModel(StudyDashboard dashboard, ResearchStudies studies, ResearchResults results) : PageModel
{
    /// <summary><c>?exclusions=off</c> shows the results without the exclusion rules applied.</summary>
    [BindProperty(SupportsGet = true, Name = "exclusions")]
    public string? ExclusionsToggle { get; set; }

    public bool WithExclusions => !string.Equals(ExclusionsToggle, "off", StringComparison.OrdinalIgnoreCase);

    public StudyResultsDocument? Results { get; private set; }

    /// <summary>The results the researcher chose to see: with or without exclusions.</summary>
    public StudyResults? Shown => Results is null ? null : WithExclusions ? Results.WithExclusions : Results.WithoutExclusions;

    public AccuracyChart? Chart { get; private set; }

    public TrustChart? TrustScores { get; private set; }

    /// <summary>Metric names across every model × method, for the metrics table's columns.</summary>
    public IReadOnlyList<string> MetricNames { get; private set; } = [];

    public string MetricCell(MetricsRow row, string name) =>
        ResultFormat.Number(row.Means.TryGetValue(name, out var mean) ? mean : null);

    public PowerRow? PowerFor(ComparisonRow comparison) =>
        Shown?.Power.FirstOrDefault(p => p.MethodA == comparison.MethodA && p.MethodB == comparison.MethodB && p.Model == comparison.Model);

    [BindProperty(SupportsGet = true)]
    public string Slug { get; set; } = "";

    public StudySnapshot Snapshot { get; private set; } = null!;

    public DashboardStatus Status { get; private set; } = null!;

    public IReadOnlyList<(ExperimentBalance Balance, HistogramChart Chart)> Balance { get; private set; } = [];

    public string DirectLink { get; private set; } = "";

    public string ProlificLink { get; private set; } = "";

    public string MturkExternalQuestion { get; private set; } = "";

    public bool CanOpen => Snapshot.Study.Status is StudyStatus.Ready or StudyStatus.Closed;

    public bool CanClose => Snapshot.Study.Status == StudyStatus.Open;

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (await dashboard.SnapshotAsync(Slug, cancellationToken) is not { } snapshot)
        {
            return NotFound();
        }
        Snapshot = snapshot;
        Status = await dashboard.StatusAsync(snapshot, cancellationToken);
        Balance = Status.Balance.Select(b => (b, HistogramChart.Of(b.Histogram))).ToList();
        Results = await results.ResultsAsync(Slug, cancellationToken);
        if (Shown is { } shown)
        {
            Chart = AccuracyChart.Of(shown.Accuracy.Where(r => r.Model is not null).ToList());
            TrustScores = TrustChart.Of(shown.Trust);
            MetricNames = Results!.Metrics.SelectMany(m => m.Means.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        }
        var origin = $"{Request.Scheme}://{Request.Host}";
        DirectLink = $"{origin}/s/{Slug}";
        // Prolific replaces the {{%…%}} placeholders with the participant's, study's and session's ids.
        ProlificLink = $"{DirectLink}?PROLIFIC_PID={{{{%PROLIFIC_PID%}}}}&STUDY_ID={{{{%STUDY_ID%}}}}&SESSION_ID={{{{%SESSION_ID%}}}}";
        // MTurk appends workerId, assignmentId, hitId and turkSubmitTo to an ExternalQuestion's URL itself.
        MturkExternalQuestion =
            "<ExternalQuestion xmlns=\"http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2006-07-14/ExternalQuestion.xsd\">\n" +
            $"  <ExternalURL>{System.Security.SecurityElement.Escape(DirectLink)}</ExternalURL>\n" +
            "  <FrameHeight>0</FrameHeight>\n" +
            "</ExternalQuestion>";
        return Page();
    }

    public async Task<IActionResult> OnPostOpenAsync(CancellationToken cancellationToken) =>
        Finish(await studies.OpenAsync(Slug, cancellationToken), "The study is open: participants can enrol.");

    public async Task<IActionResult> OnPostCloseAsync(CancellationToken cancellationToken) =>
        Finish(await studies.CloseAsync(Slug, cancellationToken), "The study is closed: no one new can enrol.");

    private RedirectToPageResult Finish(StudyTransition transition, string success)
    {
        TempData[transition.Succeeded ? "Message" : "Error"] = transition.Error ?? success;
        return RedirectToPage(new { slug = Slug });
    }
}
