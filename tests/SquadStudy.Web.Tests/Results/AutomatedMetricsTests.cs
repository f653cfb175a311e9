using System.Text.Json;
using AngleSharp.Html.Parser;
using Microsoft.EntityFrameworkCore;
using SquadStudy.Reporting;
using SquadStudy.Testing;

namespace SquadStudy.Web.Tests.Results;

/// <summary>
/// The automated metrics beside the human results, from maps stored as the precompute worker stores them
/// (camelCase fields of SquadStudy.Studies' ExplanationMetrics).
/// </summary>
public sealed class AutomatedMetricsTests : IDisposable
{
    private readonly SquadStudyWebFactory site = new();

    public void Dispose() => site.Dispose();

    // Y = 0.8, O = 0.6, T = 0.2: drop 25 %, no increase, top-removed drop 75 %; localised and pointed.
    private const string First = """{"localisationBox":[1,2,30,40],"localisationIou":0.6,"localisationCorrect":true,"pointingHit":true,"score":0.8,"maskedScore":0.6,"topRemovedScore":0.2}""";

    // Y = 0.5, O = 0.6, T = 0.5: no drop, an increase, no top-removed drop; neither localised nor pointed.
    private const string Second = """{"localisationBox":[0,0,4,4],"localisationIou":0.2,"localisationCorrect":false,"pointingHit":false,"score":0.5,"maskedScore":0.6,"topRemovedScore":0.5}""";

    [Fact]
    public async Task ResultsJsonAndDashboard_AverageDropIncreaseAndLocalisationError_FromThePrecomputesFields()
    {
        using var client = await ResearcherClientWithMapsAsync("metrics", First, Second);

        using var json = JsonDocument.Parse(await client.GetStringAsync("/research/studies/metrics/results.json"));
        var row = json.RootElement.GetProperty("metrics").EnumerateArray().ShouldHaveSingleItem("only vgg × gradcam has metrics");
        row.GetProperty("model").GetString().ShouldBe("vgg");
        row.GetProperty("explanations").GetInt32().ShouldBe(2);
        var means = row.GetProperty("means");
        means.GetProperty("average_drop").GetDouble().ShouldBe(12.5, 1e-12);
        means.GetProperty("increase_in_confidence").GetDouble().ShouldBe(50.0, 1e-12);
        means.GetProperty("top_removed_drop").GetDouble().ShouldBe(37.5, 1e-12);
        means.GetProperty("localisation_error").GetDouble().ShouldBe(0.5, 1e-12);
        means.GetProperty("localisationIou").GetDouble().ShouldBe(0.4, 1e-12);
        means.GetProperty("pointingHit").GetDouble().ShouldBe(0.5, 1e-12);
        means.TryGetProperty("localisationBox", out _).ShouldBeFalse("a box is not a metric");

        var page = new HtmlParser().ParseDocument(await client.GetStringAsync("/research/studies/metrics"));
        var table = page.QuerySelector("#metrics-table")!.TextContent;
        table.ShouldContain("average_drop");
        table.ShouldContain("increase_in_confidence");
        table.ShouldContain("12.500");
        // Readable names with their units, and one chart per metric whose bar carries the mean.
        page.QuerySelectorAll("figure figcaption").Select(f => f.TextContent).ShouldContain("Average Drop (%; lower is better)");
        page.QuerySelectorAll("figure figcaption").Select(f => f.TextContent).ShouldContain("Localisation error (fraction of images (IoU < 0.5); lower is better)");
        var drop = page.QuerySelector("svg[aria-label='Average Drop per model and method']").ShouldNotBeNull();
        drop.QuerySelectorAll("g").ShouldHaveSingleItem().QuerySelector("title")!.TextContent.ShouldBe("vgg gradcam: Average Drop 12.500 % (mean of 2 explanations)");
        page.QuerySelectorAll("svg[aria-label$=' per model and method']").Length.ShouldBe(10, "six stored fields (the box is not a metric) and four derived");
    }

    // Two maps with the perturbation and sanity-check fields as the precompute worker stores them.
    private const string CurvesFirst = """{"score":0.8,"deletionAuc":0.3,"insertionAuc":0.7,"deletionCurve":[0.8,0.2,0.1],"insertionCurve":[0.1,0.6,0.8],"roadMorf":0.2,"roadLerf":0.6,"roadFractions":[0.1,0.5],"roadMorfCurve":[0.3,0.1],"roadLerfCurve":[0.7,0.5],"randomisationSpearman":0.9,"randomisationCurve":[0.95,0.9]}""";

    private const string CurvesSecond = """{"score":0.6,"deletionAuc":0.1,"insertionAuc":0.5,"deletionCurve":[0.6,0.0,0.0],"insertionCurve":[0.3,0.4,0.6],"roadMorf":0.4,"roadLerf":0.8,"roadFractions":[0.1,0.5],"roadMorfCurve":[0.5,0.3],"roadLerfCurve":[0.9,0.7],"randomisationSpearman":0.1,"randomisationCurve":[null,0.1]}""";

    [Fact]
    public async Task ResultsJsonAndDashboard_ShowDeletionInsertionRoadAndTheSanityCheck_WithCurvePlots()
    {
        using var client = await ResearcherClientWithMapsAsync("curves", CurvesFirst, CurvesSecond);

        using var json = JsonDocument.Parse(await client.GetStringAsync("/research/studies/curves/results.json"));
        var row = json.RootElement.GetProperty("metrics").EnumerateArray().ShouldHaveSingleItem();
        var means = row.GetProperty("means");
        means.GetProperty("deletionAuc").GetDouble().ShouldBe(0.2, 1e-12);
        means.GetProperty("insertionAuc").GetDouble().ShouldBe(0.6, 1e-12);
        means.GetProperty("roadMorf").GetDouble().ShouldBe(0.3, 1e-12);
        means.GetProperty("roadLerf").GetDouble().ShouldBe(0.7, 1e-12);
        means.GetProperty("randomisationSpearman").GetDouble().ShouldBe(0.5, 1e-12);
        means.GetProperty("weight_independent").GetDouble().ShouldBe(50.0, 1e-12, "one map of two kept ρ ≥ 0.5");
        var curves = row.GetProperty("curves");
        Values(curves, "deletionCurve").ShouldBe([0.7, 0.1, 0.05], 1e-12);
        Values(curves, "insertionCurve").ShouldBe([0.2, 0.5, 0.7], 1e-12);
        Values(curves, "roadFractions").ShouldBe([0.1, 0.5], 1e-12);
        Values(curves, "roadMorfCurve").ShouldBe([0.4, 0.2], 1e-12);
        Values(curves, "randomisationCurve").ShouldBe([0.95, 0.5], 1e-12, "a null correlation (constant map) is left out of its step's mean");

        var page = new HtmlParser().ParseDocument(await client.GetStringAsync("/research/studies/curves"));
        var captions = page.QuerySelectorAll("figure figcaption").Select(f => f.TextContent).ToList();
        captions.ShouldContain("Deletion AUC (area under the probability curve, 0–1; lower is better)");
        captions.ShouldContain("Insertion (higher is better)");
        var deletion = page.QuerySelector("svg[aria-label^='Deletion curves']").ShouldNotBeNull();
        var line = deletion.QuerySelectorAll("polyline").ShouldHaveSingleItem();
        // x = 40 + 260·fraction, y = 10 + 160·(1 − probability).
        line.GetAttribute("points").ShouldBe("40,58 170,154 300,162");
        deletion.QuerySelector("g title")!.TextContent.ShouldBe("vgg gradcam: mean probability 0.700, 0.100, 0.050");
        page.QuerySelector("svg[aria-label^='ROAD, least relevant first curves']").ShouldNotBeNull()
            .QuerySelector("polyline")!.GetAttribute("points").ShouldBe("66,42 170,74");
        page.QuerySelector("svg[aria-label='Sanity check failed (ρ ≥ 0.5: the map ignores the weights) per model and method']").ShouldNotBeNull();
        page.QuerySelectorAll("script").ShouldAllBe(s => s.HasAttribute("src"), "the plots need no inline script");
    }

    [Fact]
    public async Task ResultsJsonAndDashboard_MetricsAddedFromTheStoredMapsLater_AreShownAtOnce()
    {
        using var client = await ResearcherClientWithMapsAsync("later", First, Second);
        using (var before = JsonDocument.Parse(await client.GetStringAsync("/research/studies/later/results.json")))
        {
            before.RootElement.GetProperty("metrics")[0].GetProperty("means").TryGetProperty("deletionAuc", out _).ShouldBeFalse();
        }
        var page = new HtmlParser().ParseDocument(await client.GetStringAsync("/research/studies/later"));
        page.QuerySelector("#perturbation-hint").ShouldNotBeNull().TextContent.ShouldContain("squadstudy metrics --study later --all");

        // What StoredMetrics (squadstudy metrics) writes: the same rows with more fields, and the time of the change.
        await site.WithDbAsync(async db =>
        {
            var study = await db.Studies.SingleAsync(s => s.Slug == "later");
            var maps = await db.Explanations.Where(x => x.StudyId == study.Id && x.MetricsJson != null).OrderBy(x => x.Id).ToListAsync();
            maps.Count.ShouldBe(2);
            maps[0].MetricsJson = First[..^1] + ",\"deletionAuc\":0.3,\"insertionAuc\":0.7}";
            maps[1].MetricsJson = Second[..^1] + ",\"deletionAuc\":0.1,\"insertionAuc\":0.5}";
            foreach (var map in maps)
            {
                map.MetricsUpdatedUtc = DateTime.UtcNow;
            }
            return await db.SaveChangesAsync();
        });

        using var after = JsonDocument.Parse(await client.GetStringAsync("/research/studies/later/results.json"));
        var means = after.RootElement.GetProperty("metrics")[0].GetProperty("means");
        means.GetProperty("deletionAuc").GetDouble().ShouldBe(0.2, 1e-12);
        means.GetProperty("insertionAuc").GetDouble().ShouldBe(0.6, 1e-12);
        page = new HtmlParser().ParseDocument(await client.GetStringAsync("/research/studies/later"));
        page.QuerySelector("#perturbation-hint").ShouldBeNull();
        page.QuerySelectorAll("figure figcaption").Select(f => f.TextContent).ShouldContain("Deletion AUC (area under the probability curve, 0–1; lower is better)");
    }

    /// <summary>A study whose first two vgg × gradcam maps carry the given metrics, and a researcher's client.</summary>
    private async Task<HttpClient> ResearcherClientWithMapsAsync(string slug, string first, string second)
    {
        site.CreateClient().Dispose();
        var study = await site.AddStudyAsync(new TestStudyBuilder { Slug = slug, Images = 3 });
        await site.WithDbAsync(async db =>
        {
            var vgg = await db.StudyModels.SingleAsync(m => m.StudyId == study.Id && m.Key == "vgg");
            var maps = await db.Explanations.Where(x => x.StudyId == study.Id && x.ModelId == vgg.Id && x.Method == "gradcam")
                .OrderBy(x => x.Id).Take(2).ToListAsync();
            maps[0].MetricsJson = first;
            maps[1].MetricsJson = second;
            return await db.SaveChangesAsync();
        });
        var client = site.CreateParticipantClient();
        client.DefaultRequestHeaders.Add(TestResearcherAuthentication.Header, "1");
        return client;
    }

    private static double[] Values(JsonElement curves, string name) =>
        curves.GetProperty(name).EnumerateArray().Select(e => e.GetDouble()).ToArray();

    [Theory]
    [InlineData("""{"score":0,"maskedScore":0.5}""")]
    [InlineData("""{"maskedScore":0.5,"topRemovedScore":0.1}""")]
    [InlineData("""{"score":"0.8","maskedScore":0.5}""")]
    [InlineData("""[0.8, 0.5]""")]
    public void DerivedMetrics_WithoutAPositiveNumericScore_DeriveNoDrop(string metrics)
    {
        using var document = JsonDocument.Parse(metrics);

        DerivedMetrics.Of(document.RootElement).ShouldBeEmpty();
    }

    [Fact]
    public void DerivedMetrics_MaskedScoreAboveScore_IsAnIncreaseWithoutDrop()
    {
        using var document = JsonDocument.Parse("""{"score":0.4,"maskedScore":0.9}""");

        var derived = DerivedMetrics.Of(document.RootElement).ToDictionary(m => m.Name, m => m.Value);

        derived.Keys.Order().ShouldBe(["average_drop", "increase_in_confidence"]);
        derived["average_drop"].ShouldBe(0.0);
        derived["increase_in_confidence"].ShouldBe(100.0);
    }
}
