using System.Globalization;
using System.Net;
using System.Text.Json;
using AngleSharp.Html.Parser;
using CsvHelper;
using Microsoft.EntityFrameworkCore;
using SquadStudy.Testing;
using SquadStudy.Web.Participation;

namespace SquadStudy.Web.Tests.Participation;

public sealed class SqliteSimulationTests(SquadStudyWebFactory factory) : SimulationTests(factory), IClassFixture<SquadStudyWebFactory>;

[Trait("Database", "PostgreSQL")]
public sealed class PostgresSimulationTests(PostgresWebFactory factory) : SimulationTests(factory), IClassFixture<PostgresWebFactory>;

/// <summary>
/// Run on SQLite and on PostgreSQL (the subclasses above). Forward simulation (Hase &amp; Bansal 2020): the participant sees the photo and the explanation of the model's answer and
/// predicts that answer. Correct means the model's stored prediction was chosen, which on every third image of the test
/// study (<see cref="TestStudyBuilder.ModelIsWrong"/>) differs from the image's label.
/// </summary>
public abstract class SimulationTests(SquadStudyWebFactory factory) : ParticipationTestBase(factory)
{
    private Task<TestStudy> SimulationStudyAsync(object? confidence = null) => AddStudyAsync(b => new TestStudyBuilder
    {
        Slug = b.Slug,
        DiscriminationQuestions = 0,
        TrustQuestions = 0,
        ComparisonQuestions = 0,
        SimulationQuestions = 12,
        SimulationMethods = ["gradcam", "squadcam"],
        SimulationConfidence = confidence,
        AttentionChecks = [],
        InstructionsMarkdown = null,
    });

    /// <summary>The image index (stem img0007 → 7) and method of each plan position of the study's newest participant.</summary>
    private Task<List<(int Image, string Method, string PhotoPath)>> PlanAsync(long studyId) => Factory.WithDbAsync(async db =>
    {
        var participant = await db.Participants.Where(p => p.StudyId == studyId).OrderByDescending(p => p.Id).Select(p => p.Id).FirstAsync();
        var rows = await (from i in db.PlanItems
                          join s in db.Stimuli on i.StimulusId equals s.Id
                          join image in db.StudyImages on s.ImageId equals image.Id
                          where i.ParticipantId == participant
                          orderby i.Position
                          select new { image.Stem, s.MethodA, image.FilePath }).ToListAsync();
        return rows.Select(r => (int.Parse(r.Stem[3..], CultureInfo.InvariantCulture), r.MethodA, r.FilePath)).ToList();
    });

    [Fact]
    public async Task Instructions_SayTheParticipantPredictsTheModelsAnswer()
    {
        var study = await SimulationStudyAsync();
        var bot = await EnrolledBotAsync(study);

        var (response, page) = await bot.GetAsync($"/s/{study.Slug}/instructions");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var text = page.QuerySelector("#ex-simulation")!.ParentElement!.TextContent;
        text.ShouldContain("choose the one you think the model answered");
        text.ShouldContain("you are asked for the model's answer, not for what the photo really shows");
    }

    [Fact]
    public async Task QuestionPage_ShowsThePhotoThenTheExplanation_AndAsksForTheModelsAnswer()
    {
        var study = await SimulationStudyAsync();
        var bot = await EnrolledBotAsync(study);
        var plan = await PlanAsync(study.Id);
        var (page, _) = await bot.GetQuestionAsync();

        page!.Prompt.ShouldBe(Questions.SimulationPrompt);
        page.ImageUrls.Count.ShouldBe(2);
        page.ImageUrls[0].ShouldBe(MediaEndpoint.UrlFor(plan[0].PhotoPath));
        page.ImageUrls[1].ShouldNotBe(page.ImageUrls[0]);
        page.Document.QuerySelectorAll("figcaption").Select(c => c.TextContent.Trim()).ShouldBe(["Photo", "Explanation"]);
        var index = plan[0].Image;
        page.Options.Order().ShouldBe(new[] { TestStudyBuilder.Predicted(index),
            TestStudyBuilder.ModelIsWrong(index) ? index % 5 : (index % 5 + 1) % 5 }.Select(c => c.ToString(CultureInfo.InvariantCulture)).Order());
        foreach (var url in page.ImageUrls)
        {
            (await bot.Client.GetAsync(url)).StatusCode.ShouldBe(HttpStatusCode.OK);
        }
    }

    /// <summary>
    /// Two participants answer every question: on images where the model is wrong, some answers give the model's
    /// prediction and some the true label; on the others some give the prediction and some the other class. Only the
    /// predictions count as correct, in answers.csv, in results.json's simulation tables and on the dashboard.
    /// </summary>
    [Fact]
    public async Task AnswersMatchingThePrediction_AreCorrect_AndThoseMatchingOnlyTheTruth_AreWrong()
    {
        var study = await SimulationStudyAsync(new { levels = 3 });
        var expected = new List<(int Image, string Method, bool Correct, bool ChoseTruth, int Level)>();
        for (var p = 0; p < 2; p++)
        {
            var bot = await EnrolledBotAsync(study);
            var plan = await PlanAsync(study.Id);
            while (await bot.GetQuestionAsync() is ({ } page, _))
            {
                var (image, method, _) = plan[page.Position];
                var predicted = TestStudyBuilder.Predicted(image);
                var truth = image % 5;
                var other = page.Options.Select(o => int.Parse(o, CultureInfo.InvariantCulture)).Single(c => c != predicted);
                var choice = (page.Position + p) % 2 == 0 ? predicted : other;
                var level = (page.Position + 2 * p) % 3 + 1;
                var fields = ParticipantBot.AnswerFields(page, choice.ToString(CultureInfo.InvariantCulture));
                fields.Add(new("Confidence", level.ToString(CultureInfo.InvariantCulture)));
                (await bot.PostAsync(bot.QuestionUrl, fields)).StatusCode.ShouldBe(HttpStatusCode.Redirect);
                expected.Add((image, method, choice == predicted, choice == truth, level));
            }
        }
        expected.Count.ShouldBe(24);
        expected.ShouldContain(e => e.ChoseTruth && !e.Correct, "some answers name the truth where the model was wrong");
        expected.ShouldContain(e => !e.ChoseTruth && e.Correct, "some answers name the model's wrong prediction");

        using var researcher = Factory.ResearcherClient();
        var csv = await researcher.GetStringAsync($"/research/studies/{study.Slug}/export/answers.csv");
        using (var reader = new CsvReader(new StringReader(csv), CultureInfo.InvariantCulture))
        {
            var rows = reader.GetRecords<dynamic>().Cast<IDictionary<string, object>>().ToList();
            rows.Count.ShouldBe(24);
            rows.ShouldAllBe(r => (string)r["experiment"] == "simulation" && (string)r["correct_target"] == "model_prediction");
            foreach (var row in rows)
            {
                var image = int.Parse(((string)row["image"])[3..], CultureInfo.InvariantCulture);
                var choseTruth = (string)row["chosen_class"] == (string)row["image_label"];
                var chosePrediction = (string)row["chosen_class"] == study.ClassNames[TestStudyBuilder.Predicted(image)];
                ((string)row["correct"]).ShouldBe(chosePrediction ? "true" : "false", $"{row["image"]} chose {row["chosen_class"]}");
                ((string)row["target_class"]).ShouldBe(study.ClassNames[TestStudyBuilder.Predicted(image)]);
                ((string)row["model_correct"]).ShouldBe(TestStudyBuilder.ModelIsWrong(image) ? "false" : "true");
                if (TestStudyBuilder.ModelIsWrong(image) && choseTruth)
                {
                    ((string)row["correct"]).ShouldBe("false", "the truth is not the model's answer here");
                }
            }
        }

        using var document = JsonDocument.Parse(await researcher.GetStringAsync($"/research/studies/{study.Slug}/results.json"));
        var root = document.RootElement;
        var simulation = root.GetProperty("simulation");
        simulation.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)
            .ShouldBe(new[] { "accuracy", "comparisons", "power", "image_accuracy" }.Order(StringComparer.Ordinal));
        root.GetProperty("accuracy").GetArrayLength().ShouldBe(0, "no discrimination answers");
        foreach (var method in new[] { "gradcam", "squadcam" })
        {
            var ofMethod = expected.Where(e => e.Method == method).ToList();
            foreach (var model in new string?[] { null, "vgg" })
            {
                var row = simulation.GetProperty("accuracy").EnumerateArray().Single(r => r.GetProperty("method").GetString() == method
                    && (model is null ? r.GetProperty("model").ValueKind == JsonValueKind.Null : r.GetProperty("model").GetString() == model));
                row.GetProperty("n").GetInt32().ShouldBe(ofMethod.Count);
                row.GetProperty("correct").GetInt32().ShouldBe(ofMethod.Count(e => e.Correct));
                row.GetProperty("accuracy").GetDouble().ShouldBe((double)ofMethod.Count(e => e.Correct) / ofMethod.Count, 1e-12);
                row.GetProperty("ci_low").GetDouble().ShouldBeLessThan(row.GetProperty("accuracy").GetDouble());
                row.GetProperty("bootstrap_low").ValueKind.ShouldBe(JsonValueKind.Number, "the cluster bootstrap, as for discrimination");
            }
        }
        var comparisons = simulation.GetProperty("comparisons").EnumerateArray().ToList();
        comparisons.Count.ShouldBe(2, "gradcam vs squadcam, pooled and for vgg");
        var pooled = comparisons.Single(c => c.GetProperty("model").ValueKind == JsonValueKind.Null);
        pooled.GetProperty("n_a").GetInt32().ShouldBe(expected.Count(e => e.Method == "gradcam"));
        pooled.GetProperty("accuracy_b").GetDouble().ShouldBe(expected.Where(e => e.Method == "squadcam").Average(e => e.Correct ? 1.0 : 0.0), 1e-12);
        pooled.GetProperty("fisher_p").ValueKind.ShouldBe(JsonValueKind.Number);
        pooled.GetProperty("permutation_p").ValueKind.ShouldBe(JsonValueKind.Number);
        simulation.GetProperty("power").GetArrayLength().ShouldBe(2);
        var calibration = root.GetProperty("calibration").EnumerateArray().Single(c => c.GetProperty("method").ValueKind == JsonValueKind.Null);
        calibration.GetProperty("experiment").GetString().ShouldBe("simulation");
        calibration.GetProperty("by_level").EnumerateArray().Select(l => l.GetProperty("correct").GetInt32())
            .ShouldBe(Enumerable.Range(1, 3).Select(level => expected.Count(e => e.Level == level && e.Correct)));

        var dashboard = new HtmlParser().ParseDocument(await researcher.GetStringAsync($"/research/studies/{study.Slug}"));
        dashboard.QuerySelector("#simulation-accuracy-heading")!.TextContent.ShouldContain("Forward simulation");
        var cells = dashboard.QuerySelectorAll("#simulation-accuracy-table tbody tr").Select(r => r.QuerySelectorAll("td").Select(c => c.TextContent.Trim()).ToArray()).ToList();
        cells.Count.ShouldBe(4, "two methods, each pooled and for vgg");
        cells.Single(c => c[0] == "gradcam" && c[1] == "vgg")[3].ShouldBe(expected.Count(e => e.Method == "gradcam" && e.Correct).ToString(CultureInfo.InvariantCulture));
        dashboard.QuerySelectorAll("#simulation-comparisons-table tbody tr").Length.ShouldBeGreaterThan(0);
        dashboard.QuerySelector("#accuracy-table").ShouldBeNull("no discrimination answers");
    }

    /// <summary>Always clicking the first option shown is a run of the same screen position, whichever classes it named.</summary>
    [Fact]
    public async Task AlwaysTheFirstOption_RaisesTheIdenticalRunFlag()
    {
        var study = await AddStudyAsync(b => new TestStudyBuilder
        {
            Slug = b.Slug, DiscriminationQuestions = 0, TrustQuestions = 0, ComparisonQuestions = 0, SimulationQuestions = 6,
            AttentionChecks = [], Quality = new { identical_run = 6 },
        });
        var bot = await EnrolledBotAsync(study);
        var chosen = new List<string>();
        while (await bot.GetQuestionAsync() is ({ } page, _))
        {
            (await bot.AnswerAsync(page, page.Options[0])).StatusCode.ShouldBe(HttpStatusCode.Redirect);
            chosen.Add(page.Options[0]);
        }
        // The stored choices are class indices, which differ from question to question (the plan's images are drawn
        // at random, so not asserted); the run is of the screen position.
        chosen.Count.ShouldBe(6);

        using var researcher = Factory.ResearcherClient();
        var csv = await researcher.GetStringAsync($"/research/studies/{study.Slug}/export/participants.csv");
        using var reader = new CsvReader(new StringReader(csv), CultureInfo.InvariantCulture);
        var row = reader.GetRecords<dynamic>().Cast<IDictionary<string, object>>().Single();
        ((string)row["longest_identical_run"]).ShouldBe("6");
        ((string)row["flag_identical_run"]).ShouldBe("true");
    }
}
