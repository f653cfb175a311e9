using System.Globalization;
using System.Net;
using System.Text.Json;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Options;
using SquadStudy.Analysis.Statistics;
using SquadStudy.Testing;
using SquadStudy.Testing.Results;
using SquadStudy.Web.Pages.Research;

namespace SquadStudy.Web.Tests.Results;

/// <summary>
/// End to end from the database: answers that participants would have left with the Squad-CAM report's Table 1
/// proportions (450 per model × method) and Table 2 trust distributions come out of the dashboard and results.json
/// as the tables and SciPy say (tests/fixtures/stats/paper_tables.json, the statistics library's own reference).
/// </summary>
public sealed class PaperTablesResultsTests(PaperTablesSite site) : IClassFixture<PaperTablesSite>
{
    private const double Tolerance = 1e-9;

    private string Slug => site.Paper.Study.Slug;

    private async Task<JsonElement> ResultsJsonAsync()
    {
        using var client = site.ResearcherClient();
        var response = await client.GetAsync($"/research/studies/{Slug}/results.json");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/json");
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.Clone();
    }

    private async Task<IDocument> DashboardAsync(string query = "")
    {
        using var client = site.ResearcherClient();
        var response = await client.GetAsync($"/research/studies/{Slug}{query}");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        return new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync());
    }

    private static JsonElement Single(JsonElement table, string? model, string method, string modelField = "model") =>
        table.EnumerateArray().Single(r =>
            (model is null ? r.GetProperty(modelField).ValueKind == JsonValueKind.Null : r.GetProperty(modelField).GetString() == model)
            && r.GetProperty("method").GetString() == method);

    private static string[] Cells(IElement row) => row.QuerySelectorAll("td").Select(c => c.TextContent.Trim()).ToArray();

    private static string Percent(double proportion) => (proportion * 100).ToString("0.0", CultureInfo.InvariantCulture) + " %";

    private static void Names(JsonElement element, params string[] expected) =>
        element.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ShouldBe(expected.Order(StringComparer.Ordinal), $"fields of {element}");

    [Fact]
    public async Task ResultsJson_FieldNames_AreTheDocumentedOnes()
    {
        var root = await ResultsJsonAsync();

        Names(root, "study", "title", "generated_utc", "participants", "answers", "without_exclusions", "metrics", "preregistration",
            "settings", "exclusions", "accuracy", "comparisons", "trust", "power", "image_accuracy", "preferences", "calibration", "simulation");
        Names(root.GetProperty("without_exclusions"), "settings", "exclusions", "accuracy", "comparisons", "trust", "power", "image_accuracy", "preferences",
            "calibration", "simulation");
        foreach (var analysis in new[] { root, root.GetProperty("without_exclusions") })
        {
            Names(analysis.GetProperty("accuracy")[0], "model", "method", "n", "correct", "accuracy", "ci_low", "ci_high", "bootstrap_low", "bootstrap_high");
            Names(analysis.GetProperty("comparisons")[0], "method_a", "method_b", "model", "n_a", "n_b", "accuracy_a", "accuracy_b",
                "z_p", "fisher_p", "permutation_p", "holm_p", "cohens_h", "notes");
            Names(analysis.GetProperty("trust")[0], "method", "model", "n", "mean", "sd", "ci_low", "ci_high", "t_p", "wilcoxon_p",
                "wilcoxon_method", "cohens_d", "notes");
            Names(analysis.GetProperty("power")[0], "method_a", "method_b", "model", "n_a", "n_b", "baseline", "detectable_difference",
                "target_difference", "n_needed", "notes");
            Names(analysis.GetProperty("simulation"), "accuracy", "comparisons", "power", "image_accuracy");
            Names(analysis.GetProperty("exclusions"), "applied", "participants_before", "participants_after", "failed_attention_checks",
                "too_fast", "excluded", "unknown_participants", "answers_before", "answers_after", "max_failed_attention_checks",
                "min_median_response_ms", "by_flag");
        }
        root.GetProperty("study").GetString().ShouldBe(Slug);
    }

    [Fact]
    public async Task ResultsJson_WithExclusions_ReproducesTable1()
    {
        var with = (await ResultsJsonAsync());

        foreach (var cell in site.Paper.Table1)
        {
            var row = Single(with.GetProperty("accuracy"), cell.Model, cell.Method);
            row.GetProperty("n").GetInt32().ShouldBe(cell.N);
            row.GetProperty("correct").GetInt32().ShouldBe(cell.Correct);
            row.GetProperty("accuracy").GetDouble().ShouldBe(cell.Accuracy, Tolerance);
            var wilson = Proportions.Wilson(cell.Correct, cell.N, 0.95);
            row.GetProperty("ci_low").GetDouble().ShouldBe(wilson.Low, Tolerance);
            row.GetProperty("ci_high").GetDouble().ShouldBe(wilson.High, Tolerance);
        }

        // Pooled over the two models: Grad-CAM 639/900 against Squad-CAM 671/900.
        int Pooled(string method) => site.Paper.Table1.Where(c => c.Method == method).Sum(c => c.Correct);
        var comparison = with.GetProperty("comparisons").EnumerateArray().Single(r =>
            r.GetProperty("model").ValueKind == JsonValueKind.Null && r.GetProperty("method_a").GetString() == "Grad-CAM"
            && r.GetProperty("method_b").GetString() == "Squad-CAM");
        comparison.GetProperty("n_a").GetInt32().ShouldBe(900);
        comparison.GetProperty("n_b").GetInt32().ShouldBe(900);
        var fisher = FisherExact.TwoSidedP(Pooled("Grad-CAM"), 900 - Pooled("Grad-CAM"), Pooled("Squad-CAM"), 900 - Pooled("Squad-CAM"));
        comparison.GetProperty("fisher_p").GetDouble().ShouldBe(fisher, Tolerance);
        with.GetProperty("comparisons").GetArrayLength().ShouldBe(9, "3 method pairs pooled and for each of 2 models");
        with.GetProperty("power").GetArrayLength().ShouldBe(9);
    }

    [Fact]
    public async Task ResultsJson_TrustScoresStoredForModelA_ReproduceTable2ForBothModels()
    {
        var with = (await ResultsJsonAsync());
        var fixture = PaperTablesSeed.LoadFixture().GetProperty("table2");

        fixture.GetArrayLength().ShouldBe(6, "3 methods × 2 models");
        foreach (var expected in fixture.EnumerateArray())
        {
            var row = Single(with.GetProperty("trust"), expected.GetProperty("model").GetString(), expected.GetProperty("method").GetString()!);
            row.GetProperty("n").GetInt32().ShouldBe(expected.GetProperty("n").GetInt32());
            foreach (var field in new[] { "mean", "ci_low", "ci_high", "t_p", "wilcoxon_p" })
            {
                row.GetProperty(field).GetDouble().ShouldBe(expected.GetProperty(field).GetDouble(), 1e-6, $"{row} {field}");
            }
            row.GetProperty("wilcoxon_method").GetString().ShouldBe(expected.GetProperty("wilcoxon_method").GetString());
        }
    }

    [Fact]
    public async Task Dashboard_TableCells_ShowTable1AccuraciesAndTable2Means()
    {
        var page = await DashboardAsync();

        var accuracy = page.QuerySelectorAll("#accuracy-table tbody tr").Select(Cells).ToList();
        foreach (var cell in site.Paper.Table1)
        {
            var row = accuracy.Single(r => r[0] == cell.Method && r[1] == cell.Model);
            row[2].ShouldBe("450");
            row[3].ShouldBe(cell.Correct.ToString(CultureInfo.InvariantCulture));
            row[4].ShouldBe(Percent(cell.Accuracy));
        }

        var trust = page.QuerySelectorAll("#trust-table tbody tr").Select(Cells).ToList();
        foreach (var expected in site.Paper.Table2)
        {
            var row = trust.Single(r => r[0] == expected.Method && r[1] == expected.Model);
            row[2].ShouldBe("300");
            row[3].ShouldBe(expected.Mean.ToString("F3", CultureInfo.InvariantCulture));
        }
        trust.Single(r => r[0] == "Squad-CAM" && r[1] == "ResNet-50")[3].ShouldBe("0.267");
        trust.Single(r => r[0] == "Squad-CAM" && r[1] == "VGG-16")[3].ShouldBe("-0.267");
    }

    [Fact]
    public async Task Dashboard_AccuracyTable_DrawsEachCellsWilsonIntervalOnAHundredPercentTrack()
    {
        var page = await DashboardAsync();

        foreach (var cell in site.Paper.Table1)
        {
            var row = page.QuerySelectorAll("#accuracy-table tbody tr").Single(r => Cells(r)[0] == cell.Method && Cells(r)[1] == cell.Model);
            var wilson = SquadStudy.Analysis.Statistics.Proportions.Wilson(cell.Correct, cell.N);
            var rects = row.QuerySelector("svg.interval-bar")!.QuerySelectorAll("rect").ToList();
            double Attribute(int i, string name) => double.Parse(rects[i].GetAttribute(name)!, CultureInfo.InvariantCulture);
            // Track, interval, point: 200 px for 0–100 %.
            Attribute(0, "width").ShouldBe(200);
            Attribute(1, "x").ShouldBe(200 * wilson.Low, 0.01);
            Attribute(1, "width").ShouldBe(200 * (wilson.High - wilson.Low), 0.02);
            Attribute(2, "x").ShouldBe(200 * cell.Accuracy, 0.01);
        }
    }

    [Fact]
    public async Task ResultsJson_EveryAccuracyRowHasAClusterBootstrapInterval_ShownOnTheDashboard()
    {
        var root = await ResultsJsonAsync();
        var page = await DashboardAsync();

        root.GetProperty("settings").GetProperty("bootstrap_resamples").GetInt32().ShouldBe(2000);
        foreach (var row in root.GetProperty("accuracy").EnumerateArray())
        {
            double low = row.GetProperty("bootstrap_low").GetDouble(), high = row.GetProperty("bootstrap_high").GetDouble();
            low.ShouldBeLessThan(row.GetProperty("accuracy").GetDouble());
            high.ShouldBeGreaterThan(row.GetProperty("accuracy").GetDouble());
        }
        foreach (var cell in site.Paper.Table1)
        {
            var json = Single(root.GetProperty("accuracy"), cell.Model, cell.Method);
            var shown = page.QuerySelectorAll("#accuracy-table tbody tr").Select(Cells).Single(r => r[0] == cell.Method && r[1] == cell.Model);
            shown[6].ShouldBe(ResultFormat.PercentInterval(json.GetProperty("bootstrap_low").GetDouble(), json.GetProperty("bootstrap_high").GetDouble()));
        }
        page.QuerySelector("#bootstrap-note")!.TextContent.ShouldContain("2,000 resamples that each draw the participants and, independently, the images");
    }

    [Fact]
    public async Task BootstrapResamples_FromConfiguration_ZeroTurnsItOff_NegativeStopsTheSite()
    {
        using var off = site.WithWebHostBuilder(b => b.UseSetting("SquadStudy:Results:BootstrapResamples", "0"));
        using var client = off.CreateClient(new() { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Add(TestResearcherAuthentication.Header, "1");

        using var json = JsonDocument.Parse(await client.GetStringAsync($"/research/studies/{Slug}/results.json"));
        json.RootElement.GetProperty("settings").GetProperty("bootstrap_resamples").GetInt32().ShouldBe(0);
        json.RootElement.GetProperty("accuracy").EnumerateArray().ShouldAllBe(r => r.GetProperty("bootstrap_low").ValueKind == JsonValueKind.Null);
        var page = new HtmlParser().ParseDocument(await client.GetStringAsync($"/research/studies/{Slug}"));
        page.QuerySelector("#bootstrap-note")!.TextContent.ShouldContain("Cluster bootstrap off");

        using var negative = site.WithWebHostBuilder(b => b.UseSetting("SquadStudy:Results:BootstrapResamples", "-1"));
        Should.Throw<OptionsValidationException>(() => negative.CreateClient()).Message.ShouldContain("BootstrapResamples must be 0 (off) or more");
    }

    [Fact]
    public async Task Dashboard_TrustChart_DrawsEachMeanFromZeroWithItsInterval()
    {
        var page = await DashboardAsync();

        var chart = page.QuerySelector("svg[aria-label^='Mean trust score']").ShouldNotBeNull();
        var zero = double.Parse(chart.QuerySelectorAll("line").Last().GetAttribute("x1")!, CultureInfo.InvariantCulture);
        var bars = chart.QuerySelectorAll("g").ToList();
        bars.Count.ShouldBe(6, "3 methods × 2 models");
        foreach (var expected in site.Paper.Table2)
        {
            var bar = bars.Single(g => g.QuerySelector("title")!.TextContent.StartsWith($"{expected.Method} {expected.Model}:", StringComparison.Ordinal));
            bar.QuerySelector("title")!.TextContent.ShouldContain($"mean {expected.Mean.ToString("F3", CultureInfo.InvariantCulture)} (n = 300)");
            var rect = bar.QuerySelector("rect")!;
            double x = double.Parse(rect.GetAttribute("x")!, CultureInfo.InvariantCulture), width = double.Parse(rect.GetAttribute("width")!, CultureInfo.InvariantCulture);
            // 300 px span the scale −2 … +2, so a mean m is a bar of 75·|m| px on its side of zero.
            width.ShouldBe(75 * Math.Abs(expected.Mean), 0.01);
            (expected.Mean > 0 ? x : x + width).ShouldBe(zero, 0.01);
            bar.QuerySelector("line").ShouldNotBeNull("the interval's whisker");
        }
    }

    [Fact]
    public async Task ExclusionsToggle_AddsTheExcludedParticipantsAnswersToTheirCell()
    {
        var root = await ResultsJsonAsync();
        var paper = site.Paper;
        var cell = paper.Table1.Single(c => c.Model == paper.ExtraCellModel && c.Method == paper.ExtraCellMethod);

        var with = root;
        var exclusions = with.GetProperty("exclusions");
        exclusions.GetProperty("applied").GetBoolean().ShouldBeTrue();
        exclusions.GetProperty("participants_before").GetInt32().ShouldBe(PaperTablesSeed.Participants + 2);
        exclusions.GetProperty("participants_after").GetInt32().ShouldBe(PaperTablesSeed.Participants);
        exclusions.GetProperty("failed_attention_checks").GetInt32().ShouldBe(1);
        exclusions.GetProperty("too_fast").GetInt32().ShouldBe(1);
        exclusions.GetProperty("excluded").GetInt32().ShouldBe(2);
        exclusions.GetProperty("min_median_response_ms").GetDouble().ShouldBe(1000);
        Single(with.GetProperty("accuracy"), cell.Model, cell.Method).GetProperty("n").GetInt32().ShouldBe(cell.N);

        var without = root.GetProperty("without_exclusions");
        without.GetProperty("exclusions").GetProperty("applied").GetBoolean().ShouldBeFalse();
        without.GetProperty("exclusions").GetProperty("participants_after").GetInt32().ShouldBe(PaperTablesSeed.Participants + 2);
        var grown = Single(without.GetProperty("accuracy"), cell.Model, cell.Method);
        grown.GetProperty("n").GetInt32().ShouldBe(cell.N + paper.ExtraWrongAnswers);
        grown.GetProperty("correct").GetInt32().ShouldBe(cell.Correct, "the excluded participants answered wrongly");
        foreach (var other in paper.Table1.Where(c => c != cell))
        {
            Single(without.GetProperty("accuracy"), other.Model, other.Method).GetProperty("n").GetInt32().ShouldBe(other.N);
        }

        var shownWithout = await DashboardAsync("?exclusions=off");
        var row = shownWithout.QuerySelectorAll("#accuracy-table tbody tr").Select(Cells)
            .Single(r => r[0] == cell.Method && r[1] == cell.Model);
        row[2].ShouldBe((cell.N + paper.ExtraWrongAnswers).ToString(CultureInfo.InvariantCulture));
        row[4].ShouldBe(Percent((double)cell.Correct / (cell.N + paper.ExtraWrongAnswers)));
    }

    [Fact]
    public async Task Anonymous_GetsNoResults_FromTheJsonOrTheDashboard()
    {
        using var anonymous = site.CreateParticipantClient();

        foreach (var url in new[] { $"/research/studies/{Slug}/results.json", $"/research/studies/{Slug}", $"/research/studies/{Slug}?exclusions=off" })
        {
            var response = await anonymous.GetAsync(url);
            response.StatusCode.ShouldBeOneOf([HttpStatusCode.Redirect, HttpStatusCode.Unauthorized], url);
            if (response.StatusCode == HttpStatusCode.Redirect)
            {
                response.Headers.Location!.OriginalString.ShouldContain("/research/login", Case.Insensitive);
            }
            (await response.Content.ReadAsStringAsync()).ShouldNotContain("Grad-CAM");
        }
    }
}
