using System.Text.Json;
using AngleSharp.Html.Parser;
using SquadStudy.Analysis;
using SquadStudy.Analysis.Statistics;
using SquadStudy.Data.Entities;

namespace SquadStudy.Web.Tests.Research;

public sealed class ResultsTests : IDisposable
{
    private readonly ResearchSiteFactory site = new();

    public void Dispose() => site.Dispose();

    private static JsonElement Row(JsonElement table, Func<JsonElement, bool> match) => table.EnumerateArray().Single(match);

    private static string? Text(JsonElement element, string name) =>
        element.GetProperty(name).ValueKind == JsonValueKind.Null ? null : element.GetProperty(name).GetString();

    [Fact]
    public async Task ResultsJson_HasEveryTableWithAndWithoutExclusions()
    {
        var seeded = await ResearchSeed.StudyAsync(site, "demo");
        await ResearchSeed.ParticipantsAsync(site, seeded);
        var client = await site.SignedInClientAsync();

        var response = await client.GetAsync("/research/studies/demo/results.json");
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/json");
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = json.RootElement;
        root.GetProperty("study").GetString().ShouldBe("demo");
        foreach (var name in new[] { "accuracy", "comparisons", "trust", "power", "exclusions", "image_accuracy", "preferences", "settings" })
        {
            root.TryGetProperty(name, out _).ShouldBeTrue(name);
            root.GetProperty("without_exclusions").TryGetProperty(name, out _).ShouldBeTrue(name);
        }

        // The Prolific participant failed the attention check; the study excludes on that.
        var with = root;
        with.GetProperty("exclusions").GetProperty("excluded").GetInt32().ShouldBe(1);
        with.GetProperty("exclusions").GetProperty("failed_attention_checks").GetInt32().ShouldBe(1);
        var pooled = Row(with.GetProperty("accuracy"), r => Text(r, "model") is null && r.GetProperty("method").GetString() == "gradcam");
        pooled.GetProperty("n").GetInt32().ShouldBe(1);
        with.GetProperty("trust").GetArrayLength().ShouldBe(0);

        var without = root.GetProperty("without_exclusions");
        without.GetProperty("exclusions").GetProperty("applied").GetBoolean().ShouldBeFalse();
        Row(without.GetProperty("accuracy"), r => Text(r, "model") == "vgg").GetProperty("n").GetInt32().ShouldBe(2);
        var vggTrust = Row(without.GetProperty("trust"), r => r.GetProperty("model").GetString() == "vgg");
        vggTrust.GetProperty("mean").GetDouble().ShouldBe(-2.0);
        Row(without.GetProperty("trust"), r => r.GetProperty("model").GetString() == "weak").GetProperty("mean").GetDouble().ShouldBe(2.0);
        var preference = Row(without.GetProperty("preferences"), r => Text(r, "model") is null);
        preference.GetProperty("method_a").GetString().ShouldBe("gradcam");
        preference.GetProperty("b_preferred").GetInt32().ShouldBe(1);

        var metrics = Row(root.GetProperty("metrics"), r => r.GetProperty("model").GetString() == "vgg" && r.GetProperty("method").GetString() == "gradcam");
        metrics.GetProperty("means").GetProperty("average_drop").GetDouble().ShouldBe(12.5);
        metrics.GetProperty("means").GetProperty("pointing_hit").GetDouble().ShouldBe(1.0);
        metrics.GetProperty("means").TryGetProperty("localisation_box", out _).ShouldBeFalse();
    }

    /// <summary>
    /// Twenty participants each answer one gradcam and one squadcam discrimination question: gradcam is
    /// right 16 times, squadcam 8 times. The comparison row must carry the library's statistics for those counts.
    /// </summary>
    [Fact]
    public async Task Dashboard_ComparisonTableAndPowerLine_ReflectTheAnswers()
    {
        var seeded = await ResearchSeed.StudyAsync(site, "demo");
        await site.WithDbAsync(async db =>
        {
            var squad = new Stimulus { StudyId = seeded.StudyId, Experiment = ExperimentKind.Discrimination, ImageId = seeded.Image2Id, TargetClass = 1, DistractorClass = 0, ModelAId = seeded.VggId, MethodA = "squadcam" };
            db.Stimuli.Add(squad);
            await db.SaveChangesAsync();
            var t0 = new DateTime(2026, 11, 22, 10, 0, 0, DateTimeKind.Utc);
            for (var i = 0; i < 20; i++)
            {
                var participant = new Participant
                {
                    StudyId = seeded.StudyId, Token = $"tok{i}", WithdrawalCode = $"wd{i}", Source = "direct", Status = ParticipantStatus.Completed,
                    PlanLength = 2, CurrentPosition = 2, ConsentedUtc = t0, LastSeenUtc = t0, CompletedUtc = t0,
                };
                db.Participants.Add(participant);
                await db.SaveChangesAsync();
                var first = new PlanItem { ParticipantId = participant.Id, Position = 0, Kind = PlanItemKind.Question, StimulusId = seeded.DiscriminationId };
                var second = new PlanItem { ParticipantId = participant.Id, Position = 1, Kind = PlanItemKind.Question, StimulusId = squad.Id };
                db.PlanItems.AddRange(first, second);
                await db.SaveChangesAsync();
                db.Answers.AddRange(
                    new Answer { ParticipantId = participant.Id, PlanItemId = first.Id, Position = 0, StimulusId = seeded.DiscriminationId, Choice = "x", IsCorrect = i < 16, ResponseMs = 2000, ShownUtc = t0, AnsweredUtc = t0 },
                    new Answer { ParticipantId = participant.Id, PlanItemId = second.Id, Position = 1, StimulusId = squad.Id, Choice = "x", IsCorrect = i < 8, ResponseMs = 2000, ShownUtc = t0, AnsweredUtc = t0 });
            }
            await db.SaveChangesAsync();
        });
        var client = await site.SignedInClientAsync();

        var document = new HtmlParser().ParseDocument(await client.GetStringAsync("/research/studies/demo"));

        var accuracy = document.QuerySelector("#accuracy-table")!.TextContent;
        accuracy.ShouldContain("80.0 %");
        accuracy.ShouldContain("40.0 %");
        var comparisons = document.QuerySelector("#comparisons-table")!;
        var pooled = comparisons.QuerySelectorAll("tbody tr").First(r => r.TextContent.Contains("all models"));
        pooled.TextContent.ShouldContain("gradcam vs squadcam");
        var fisher = FisherExact.TwoSidedP(16, 4, 8, 12);
        pooled.TextContent.ShouldContain(fisher.ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture));
        var power = comparisons.QuerySelectorAll(".power-line").First().TextContent;
        power.ShouldContain("n = 20 vs 20");
        power.ShouldContain("needs n = ");
        document.QuerySelector("svg[aria-label^='Explanatory accuracy']")!.QuerySelectorAll("rect").Length.ShouldBe(2);
        document.QuerySelector("#metrics-table")!.TextContent.ShouldContain("average_drop");
    }

    [Fact]
    public async Task Dashboard_ExclusionsToggle_ShowsTheOtherAnalysis()
    {
        var seeded = await ResearchSeed.StudyAsync(site, "demo");
        await ResearchSeed.ParticipantsAsync(site, seeded);
        var client = await site.SignedInClientAsync();

        var with = new HtmlParser().ParseDocument(await client.GetStringAsync("/research/studies/demo"));
        var without = new HtmlParser().ParseDocument(await client.GetStringAsync("/research/studies/demo?exclusions=off"));

        with.QuerySelector("#exclusions-table")!.TextContent.ShouldContain("2 → 1");
        with.QuerySelector("#exclusions-table")!.TextContent.ShouldContain("excluded after one failure");
        with.QuerySelector("#exclusions-table")!.TextContent.ShouldContain("under 800 ms");
        with.QuerySelector("#trust-table").ShouldBeNull();
        without.QuerySelector("#exclusions-table")!.TextContent.ShouldContain("2 → 2");
        without.QuerySelector("#trust-table")!.TextContent.ShouldContain("-2.000");
        with.QuerySelector("a[href='/research/studies/demo?exclusions=off#results-heading']").ShouldNotBeNull();
    }

    [Fact]
    public async Task ResultsJson_MatchesTheLibraryOnTheSameRecords()
    {
        var seeded = await ResearchSeed.StudyAsync(site, "demo");
        await ResearchSeed.ParticipantsAsync(site, seeded);
        var client = await site.SignedInClientAsync();
        using var json = JsonDocument.Parse(await client.GetStringAsync("/research/studies/demo/results.json"));

        var expected = StudyAnalyzer.Analyze(new StudyData(
            [new ParticipantInfo("a", 1, 1500), new ParticipantInfo("b", 0, 2000)],
            [new DiscriminationAnswer("a", "scene_0001:cat", "vgg", "gradcam", true), new DiscriminationAnswer("b", "scene_0001:cat", "vgg", "gradcam", true)],
            [new TrustAnswer("a", "scene_0001", "gradcam", "vgg", "weak", -2)],
            [new ComparisonAnswer("a", "scene_0002", "vgg", "gradcam", "squadcam", Preference.B)]),
            new AnalysisOptions { ApplyExclusions = false, MaxFailedAttentionChecks = 0, MinMedianResponseMs = 800 });
        var actual = ResultsJson.DeserializeResults(json.RootElement.GetProperty("without_exclusions").GetRawText())!;

        actual.Accuracy.ShouldBe(expected.Accuracy);
        actual.ImageAccuracy.ShouldBe(expected.ImageAccuracy);
        // ByFlag is a dictionary: a record compares it by reference, so it is compared by content here.
        (actual.Exclusions with { ByFlag = expected.Exclusions.ByFlag }).ShouldBe(expected.Exclusions);
        actual.Exclusions.ByFlag.ShouldBe(expected.Exclusions.ByFlag);
        actual.Trust.Select(t => (t.Model, t.Mean, t.N)).ShouldBe(expected.Trust.Select(t => (t.Model, t.Mean, t.N)));
    }
}
