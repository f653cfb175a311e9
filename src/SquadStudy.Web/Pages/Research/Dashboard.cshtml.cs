using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Mvc;
using SquadStudy.Analysis;
using Microsoft.AspNetCore.Mvc.RazorPages;
using SquadStudy.Data.Entities;
using SquadStudy.Reporting;
using SquadStudy.Web.Research;

namespace SquadStudy.Web.Pages.Research;

/// <summary>The dashboard of one study: links, open/close, live progress, balance, exports and results.</summary>
public sealed class DashboardModel(StudyDashboard dashboard, ResearchStudies studies, ResearchResults results) : PageModel
{
    /// <summary>The analysis settings form: study.json's <c>exclusions</c>.</summary>
    public sealed class ExclusionsInput
    {
        [Range(0, 600_000, ErrorMessage = "The minimum median response time is 0 to 600000 ms (empty: no such rule).")]
        [Display(Name = "Exclude participants whose median response time is below (ms)")]
        public int? MinMedianResponseMs { get; set; }

        [Display(Name = "Exclude participants who failed an attention check")]
        public bool FailAttention { get; set; }
    }

    [BindProperty]
    public ExclusionsInput Exclusions { get; set; } = new();

    /// <summary>Which of the study's texts each language's participants read in it.</summary>
    public IReadOnlyList<StudyLanguage> Languages { get; private set; } = [];

    /// <summary><c>?exclusions=off</c> shows the results without the exclusion rules applied.</summary>
    [BindProperty(SupportsGet = true, Name = "exclusions")]
    public string? ExclusionsToggle { get; set; }

    public bool WithExclusions => !string.Equals(ExclusionsToggle, "off", StringComparison.OrdinalIgnoreCase);

    public StudyResultsDocument? Results { get; private set; }

    /// <summary>The results the researcher chose to see: with or without exclusions.</summary>
    public StudyResults? Shown => Results is null ? null : WithExclusions ? Results.WithExclusions : Results.WithoutExclusions;

    public BarChart? AccuracyChart { get; private set; }

    /// <summary>The accuracy tables shown one after the other: class discrimination, then forward simulation when it has answers.</summary>
    public IReadOnlyList<AccuracySection> AccuracySections { get; private set; } = [];

    public BarChart? TrustChart { get; private set; }

    /// <summary>The automated metrics present in any model × method, in display order, each with its chart.</summary>
    public IReadOnlyList<(MetricInfo Metric, BarChart? Chart)> Metrics { get; private set; } = [];

    /// <summary>The mean deletion, insertion and ROAD curves, one line per model × method (charts without data left out).</summary>
    public IReadOnlyList<CurveChart> Curves { get; private set; } = [];

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
        Languages = await dashboard.LanguagesAsync(snapshot.Study, cancellationToken);
        if (!ModelState.ContainsKey($"{nameof(Exclusions)}.{nameof(ExclusionsInput.MinMedianResponseMs)}"))
        {
            Exclusions = new ExclusionsInput { MinMedianResponseMs = snapshot.Rules.MinMedianResponseMs, FailAttention = snapshot.Rules.FailAttention };
        }
        Balance = Status.Balance.Select(b => (b, HistogramChart.Of(b.Histogram))).ToList();
        Results = await results.ResultsAsync(Slug, cancellationToken);
        if (Shown is { } shown)
        {
            AccuracyChart = BarChart.Accuracy(shown.Accuracy.Where(r => r.Model is not null).ToList(), shown.Settings.Confidence);
            var discrimination = new AccuracySection("Explanatory accuracy (class discrimination)", "No class-discrimination answers yet.", "",
                new AccuracyTables(shown.Accuracy, shown.Comparisons, shown.Power, shown.ImageAccuracy), shown.Settings, AccuracyChart, "Image:target");
            AccuracySections = shown.Simulation.Accuracy.Count == 0
                ? [discrimination]
                : [discrimination, new AccuracySection("Forward simulation (the model's answer predicted)", "", "simulation", shown.Simulation, shown.Settings,
                    BarChart.Accuracy(shown.Simulation.Accuracy.Where(r => r.Model is not null).ToList(), shown.Settings.Confidence, "Simulation accuracy"), "Image")];
            TrustChart = BarChart.Trust(shown.Trust, shown.Settings.Confidence);
            Metrics = MetricInfo.InOrder(Results!.Metrics.SelectMany(m => m.Means.Keys))
                .Select(metric => (metric, BarChart.Metric(metric, Results.Metrics))).ToList();
            Curves = CurveChart.Perturbation(Results.Metrics);
        }
        // Absolute, with the path base the site runs under.
        DirectLink = Url.Page("/Participate/Landing", pageHandler: null, values: new { slug = Slug }, protocol: Request.Scheme)!;
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

    /// <summary>Changes the analysis settings; after opening, the change goes into the preregistration trail.</summary>
    public async Task<IActionResult> OnPostExclusionsAsync(CancellationToken cancellationToken)
    {
        if (!ModelState.IsValid)
        {
            return await OnGetAsync(cancellationToken);
        }
        var change = await studies.ChangeExclusionsAsync(Slug, new ExclusionDefinition(Exclusions.MinMedianResponseMs, Exclusions.FailAttention),
            User.Identity?.Name ?? "unknown researcher", cancellationToken);
        if (change.Error is not null)
        {
            TempData["Error"] = change.Error;
        }
        else
        {
            TempData["Message"] = change.Differences.Count == 0 ? "The analysis settings were already these; nothing changed."
                : "Analysis settings changed: " + string.Join("; ", change.Differences) + ".";
        }
        return RedirectToPage(new { slug = Slug });
    }

    private RedirectToPageResult Finish(StudyTransition transition, string success)
    {
        TempData[transition.Succeeded ? "Message" : "Error"] = transition.Error ?? success;
        return RedirectToPage(new { slug = Slug });
    }
}

/// <summary>
/// One accuracy section of the dashboard (<c>_AccuracyResults.cshtml</c>): the tables of an experiment type whose answers
/// are right or wrong, under its heading; the tables' ids carry <see cref="Id"/> as a prefix (none for class discrimination).
/// </summary>
public sealed record AccuracySection(string Heading, string Empty, string Id, AccuracyTables Tables, AnalysisSettings Settings, BarChart? Chart, string ImageHeading)
{
    public string IdOf(string table) => Id.Length == 0 ? table : $"{Id}-{table}";

    public PowerRow? PowerFor(ComparisonRow comparison) =>
        Tables.Power.FirstOrDefault(p => p.MethodA == comparison.MethodA && p.MethodB == comparison.MethodB && p.Model == comparison.Model);
}
