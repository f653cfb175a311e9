using System.Globalization;
using System.Net;
using System.Text.Json;
using AngleSharp.Html.Parser;
using CsvHelper;
using Microsoft.EntityFrameworkCore;
using SquadStudy.Data.Entities;
using SquadStudy.Testing;

namespace SquadStudy.Web.Tests.Participation;

public sealed class SqliteConfidenceTests(SquadStudyWebFactory factory) : ConfidenceTests(factory), IClassFixture<SquadStudyWebFactory>;

[Trait("Database", "PostgreSQL")]
public sealed class PostgresConfidenceTests(PostgresWebFactory factory) : ConfidenceTests(factory), IClassFixture<PostgresWebFactory>;

/// <summary>
/// Run on SQLite and on PostgreSQL (the subclasses above). The confidence scale of study.json <c>experiments[].confidence</c>: asked in the question's own form (one POST, one
/// answer row), refused when missing or forged, exported in answers.csv and analysed into results.json's calibration table.
/// </summary>
public abstract class ConfidenceTests(SquadStudyWebFactory factory) : ParticipationTestBase(factory)
{
    private Task<TestStudy> ConfidenceStudyAsync(int discrimination = 8, int trust = 1) => AddStudyAsync(b => new TestStudyBuilder
    {
        Slug = b.Slug,
        DiscriminationQuestions = discrimination,
        DiscriminationConfidence = new { levels = 4 },
        TrustQuestions = trust,
        ComparisonQuestions = 0,
        AttentionChecks = [],
    });

    private Task<List<Answer>> AnswersAsync(long studyId) => Factory.WithDbAsync(db =>
        db.Answers.AsNoTracking().Where(a => db.Participants.Any(p => p.Id == a.ParticipantId && p.StudyId == studyId)).OrderBy(a => a.Position).ToListAsync());

    private static List<KeyValuePair<string, string>> WithConfidence(QuestionPage page, string choice, string? confidence)
    {
        var fields = ParticipantBot.AnswerFields(page, choice);
        if (confidence is not null)
        {
            fields.Add(new("Confidence", confidence));
        }
        return fields;
    }

    private static List<string> ConfidenceValues(QuestionPage page) =>
        page.Document.QuerySelectorAll("#question-form input[name=Confidence]").Select(i => i.GetAttribute("value")!).ToList();

    /// <summary>A discrimination question first: the plan may start with the trust question, which is answered away.</summary>
    private static async Task<QuestionPage> DiscriminationPageAsync(ParticipantBot bot)
    {
        var (page, _) = await bot.GetQuestionAsync();
        while (ConfidenceValues(page!).Count == 0)
        {
            (await bot.AnswerAsync(page!, page!.Options[0])).StatusCode.ShouldBe(HttpStatusCode.Redirect);
            (page, _) = await bot.GetQuestionAsync();
        }
        return page!;
    }

    [Fact]
    public async Task QuestionPage_AsksConfidenceOnDiscriminationOnly_InTheSameForm()
    {
        var study = await ConfidenceStudyAsync();
        var bot = await EnrolledBotAsync(study);
        var asked = new List<bool>();
        while (await bot.GetQuestionAsync() is ({ } page, _))
        {
            var levels = ConfidenceValues(page);
            var experiment = page.Prompt.Contains("object categories") ? "discrimination" : "trust";
            if (experiment == "discrimination")
            {
                levels.ShouldBe(["1", "2", "3", "4"]);
                page.Document.QuerySelector("#confidence-prompt")!.TextContent.ShouldBe("How confident are you in your answer?");
                page.Document.QuerySelectorAll("#confidence label").Select(l => l.TextContent.Trim())
                    .ShouldBe(["Not at all confident", "Slightly confident", "Fairly confident", "Very confident"]);
                // Inside the question's form: the one POST carries both.
                page.Document.QuerySelector("#question-form #confidence").ShouldNotBeNull();
            }
            else
            {
                levels.ShouldBeEmpty();
            }
            asked.Add(levels.Count > 0);
            var response = await bot.PostAsync(bot.QuestionUrl, WithConfidence(page, page.Options[0], levels.Count > 0 ? "2" : null));
            response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        }
        asked.Count(a => a).ShouldBe(8);
        asked.Count(a => !a).ShouldBe(1);
        var answers = await AnswersAsync(study.Id);
        answers.Count.ShouldBe(9, "one row per answer, the confidence in the same row");
        answers.Count(a => a.Confidence == 2).ShouldBe(8);
        answers.Count(a => a.Confidence is null).ShouldBe(1);
    }

    [Fact]
    public async Task QuestionPage_InGerman_ShowsTheScaleInGerman()
    {
        var study = await ConfidenceStudyAsync(trust: 0);
        var bot = await EnrolledBotAsync(study, "?lang=de");
        var (page, _) = await bot.GetQuestionAsync();

        page!.Document.QuerySelector("#confidence-prompt")!.TextContent.ShouldBe("Wie sicher sind Sie sich bei Ihrer Antwort?");
        page.Document.QuerySelectorAll("#confidence label").Select(l => l.TextContent.Trim())
            .ShouldBe(["Überhaupt nicht sicher", "Ein wenig sicher", "Ziemlich sicher", "Sehr sicher"]);
    }

    [Fact]
    public async Task Post_WithoutConfidence_Returns200WithError_AndRecordsNothing()
    {
        var study = await ConfidenceStudyAsync();
        var bot = await EnrolledBotAsync(study);
        var page = await DiscriminationPageAsync(bot);
        var before = (await AnswersAsync(study.Id)).Count;

        var response = await bot.PostAsync(bot.QuestionUrl, WithConfidence(page, page.Options[0], null));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var again = ParticipantBot.Read(await ParticipantBot.ParseAsync(response));
        again.Document.QuerySelector("#choice-error")!.TextContent.ShouldContain("Please say how confident you are");
        again.Position.ShouldBe(page.Position);
        again.ShownStamp.ShouldBe(page.ShownStamp);
        (await AnswersAsync(study.Id)).Count.ShouldBe(before);

        // Answered in full the second time: one row, with the level.
        (await bot.PostAsync(bot.QuestionUrl, WithConfidence(again, page.Options[1], "4"))).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        // The same POST again (a double click) stores nothing twice.
        (await bot.PostAsync(bot.QuestionUrl, WithConfidence(again, page.Options[1], "4"))).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var answers = await AnswersAsync(study.Id);
        answers.Count.ShouldBe(before + 1);
        answers.Single(a => a.Position == page.Position).Confidence.ShouldBe(4);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("5")]
    [InlineData("-1")]
    [InlineData("2.5")]
    [InlineData("very")]
    [InlineData("00000000003")]
    public async Task Post_ConfidenceNotOnTheScale_Returns400_AndRecordsNothing(string confidence)
    {
        var study = await ConfidenceStudyAsync();
        var bot = await EnrolledBotAsync(study);
        var page = await DiscriminationPageAsync(bot);
        var before = (await AnswersAsync(study.Id)).Count;

        var response = await bot.PostAsync(bot.QuestionUrl, WithConfidence(page, page.Options[0], confidence));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await ParticipantBot.ParseAsync(response)).QuerySelector("#choice-error")!.TextContent.ShouldContain("Please say how confident you are");
        (await AnswersAsync(study.Id)).Count.ShouldBe(before);
    }

    [Fact]
    public async Task Post_ConfidenceWhereNoneIsAsked_Returns400_AndRecordsNothing()
    {
        var study = await AddStudyAsync();
        var bot = await EnrolledBotAsync(study);
        var (page, _) = await bot.GetQuestionAsync();
        ConfidenceValues(page!).ShouldBeEmpty();

        var response = await bot.PostAsync(bot.QuestionUrl, WithConfidence(page!, page!.Options[0], "1"));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await AnswersAsync(study.Id)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Preview_AsksTheScale_RefusesAnAnswerWithoutIt_AndReportsTheLevel()
    {
        var study = await ConfidenceStudyAsync(trust: 0);
        var client = Factory.ResearcherClient();
        var bot = new ParticipantBot(client, study.Slug);
        var url = $"/research/studies/{study.Slug}/preview";
        var (_, document) = await bot.GetAsync(url);
        var page = ParticipantBot.Read(document);
        ConfidenceValues(page).ShouldBe(["1", "2", "3", "4"]);
        List<KeyValuePair<string, string>> fields = [new("Position", "0"), new("Choice", page.Options[0]), new("__RequestVerificationToken", page.AntiforgeryToken)];

        var missing = await bot.PostAsync(url, fields);
        missing.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await ParticipantBot.ParseAsync(missing)).QuerySelector("#choice-error")!.TextContent.ShouldContain("Please say how confident you are");

        (await bot.PostAsync(url, [.. fields, new("Confidence", "3")])).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var (_, next) = await bot.GetAsync(url);
        next.Body!.TextContent.ShouldContain("confidence 3");
        (await AnswersAsync(study.Id)).ShouldBeEmpty("the preview stores nothing");
    }

    /// <summary>
    /// Three participants answer with chosen confidence levels; answers.csv carries each level, and results.json's
    /// calibration numbers equal those computed here from the posted answers and the stimuli's target classes
    /// (Wilson's interval by its formula, not by the site's statistics library).
    /// </summary>
    [Fact]
    public async Task AnswersWithConfidence_AreExported_AndCalibratedInResultsJson()
    {
        var study = await ConfidenceStudyAsync(discrimination: 6, trust: 0);
        var posted = new List<(int Participant, int Position, string Choice, int Level)>();
        for (var p = 0; p < 3; p++)
        {
            var bot = await EnrolledBotAsync(study);
            while (await bot.GetQuestionAsync() is ({ } page, _))
            {
                var choice = page.Options[(page.Position + p) % 2];
                var level = (page.Position * 3 + p) % 4 + 1;
                (await bot.PostAsync(bot.QuestionUrl, WithConfidence(page, choice, level.ToString(CultureInfo.InvariantCulture)))).StatusCode.ShouldBe(HttpStatusCode.Redirect);
                posted.Add((p, page.Position, choice, level));
            }
        }
        // Whether each posted choice was right, from the plans' stimuli.
        var targets = await Factory.WithDbAsync(db => db.PlanItems.AsNoTracking()
            .Where(i => db.Participants.Any(p => p.Id == i.ParticipantId && p.StudyId == study.Id))
            .OrderBy(i => i.ParticipantId).ThenBy(i => i.Position)
            .Select(i => new { i.ParticipantId, i.Position, i.Stimulus!.TargetClass }).ToListAsync());
        var participantIds = targets.Select(t => t.ParticipantId).Distinct().Order().ToList();
        var rated = posted.Select(x => (x.Level, Correct: targets.Single(t => t.ParticipantId == participantIds[x.Participant] && t.Position == x.Position)
            .TargetClass.ToString(CultureInfo.InvariantCulture) == x.Choice)).ToList();
        rated.Count.ShouldBe(18);
        rated.ShouldContain(r => r.Correct);
        rated.ShouldContain(r => !r.Correct);

        using var researcher = Factory.ResearcherClient();
        var csv = await researcher.GetStringAsync($"/research/studies/{study.Slug}/export/answers.csv");
        using (var reader = new CsvReader(new StringReader(csv), CultureInfo.InvariantCulture))
        {
            var rows = reader.GetRecords<dynamic>().Cast<IDictionary<string, object>>().ToList();
            rows.Count.ShouldBe(18);
            rows.Select(r => ((string)r["confidence"], (string)r["correct"])).Order()
                .ShouldBe(rated.Select(r => (r.Level.ToString(CultureInfo.InvariantCulture), r.Correct ? "true" : "false")).Order());
        }

        var json = await researcher.GetStringAsync($"/research/studies/{study.Slug}/results.json");
        using var document = JsonDocument.Parse(json);
        var calibration = document.RootElement.GetProperty("calibration");
        calibration.GetArrayLength().ShouldBe(2, "pooled over methods and for the one method");
        // The documented fields (docs/results.md).
        calibration[0].EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ShouldBe(new[] { "experiment", "method", "levels", "n", "by_level",
            "n_correct", "n_incorrect", "mean_confidence_correct", "mean_confidence_incorrect" }.Order(StringComparer.Ordinal));
        calibration[0].GetProperty("by_level")[0].EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)
            .ShouldBe(new[] { "level", "n", "correct", "accuracy", "ci_low", "ci_high" }.Order(StringComparer.Ordinal));
        foreach (var row in calibration.EnumerateArray())
        {
            row.GetProperty("experiment").GetString().ShouldBe("discrimination");
            row.GetProperty("levels").GetInt32().ShouldBe(4);
            row.GetProperty("n").GetInt32().ShouldBe(18);
            var byLevel = row.GetProperty("by_level").EnumerateArray().ToList();
            byLevel.Count.ShouldBe(4);
            for (var level = 1; level <= 4; level++)
            {
                var at = rated.Where(r => r.Level == level).ToList();
                var cell = byLevel[level - 1];
                cell.GetProperty("level").GetInt32().ShouldBe(level);
                cell.GetProperty("n").GetInt32().ShouldBe(at.Count);
                cell.GetProperty("correct").GetInt32().ShouldBe(at.Count(r => r.Correct));
                if (at.Count == 0)
                {
                    cell.GetProperty("accuracy").ValueKind.ShouldBe(JsonValueKind.Null);
                    continue;
                }
                cell.GetProperty("accuracy").GetDouble().ShouldBe((double)at.Count(r => r.Correct) / at.Count, 1e-12);
                var (low, high) = Wilson(at.Count(r => r.Correct), at.Count);
                cell.GetProperty("ci_low").GetDouble().ShouldBe(low, 1e-9);
                cell.GetProperty("ci_high").GetDouble().ShouldBe(high, 1e-9);
            }
            row.GetProperty("n_correct").GetInt32().ShouldBe(rated.Count(r => r.Correct));
            row.GetProperty("n_incorrect").GetInt32().ShouldBe(rated.Count(r => !r.Correct));
            row.GetProperty("mean_confidence_correct").GetDouble().ShouldBe(rated.Where(r => r.Correct).Average(r => r.Level), 1e-12);
            row.GetProperty("mean_confidence_incorrect").GetDouble().ShouldBe(rated.Where(r => !r.Correct).Average(r => r.Level), 1e-12);
        }
        calibration[0].GetProperty("method").ValueKind.ShouldBe(JsonValueKind.Null);
        calibration[1].GetProperty("method").GetString().ShouldBe("gradcam");
        document.RootElement.GetProperty("without_exclusions").GetProperty("calibration").GetArrayLength().ShouldBe(2);

        var dashboard = new HtmlParser().ParseDocument(await researcher.GetStringAsync($"/research/studies/{study.Slug}"));
        var lines = dashboard.QuerySelectorAll("#calibration-table tbody tr").Select(r => r.QuerySelectorAll("td").Select(c => c.TextContent.Trim()).ToArray()).ToList();
        lines.Count.ShouldBe(8, "four levels, pooled and for gradcam");
        var top = lines.First(l => l[1] == "all methods" && l[2] == "4 of 4");
        top[3].ShouldBe(rated.Count(r => r.Level == 4).ToString(CultureInfo.InvariantCulture));
        dashboard.QuerySelectorAll("#confidence-means-table tbody tr").Length.ShouldBe(2);
    }

    [Fact]
    public async Task ResultsJson_WithoutConfidence_HasAnEmptyCalibrationTable()
    {
        var study = await AddStudyAsync();
        var bot = await EnrolledBotAsync(study);
        await bot.WalkToEndAsync(new Random(3));

        using var researcher = Factory.ResearcherClient();
        using var document = JsonDocument.Parse(await researcher.GetStringAsync($"/research/studies/{study.Slug}/results.json"));
        document.RootElement.GetProperty("calibration").GetArrayLength().ShouldBe(0);
        var csv = await researcher.GetStringAsync($"/research/studies/{study.Slug}/export/answers.csv");
        using var reader = new CsvReader(new StringReader(csv), CultureInfo.InvariantCulture);
        reader.GetRecords<dynamic>().Cast<IDictionary<string, object>>().ShouldAllBe(r => (string)r["confidence"] == "");
    }

    /// <summary>Wilson's score interval at 95 % (Wilson 1927), written out here rather than taken from the library under test.</summary>
    private static (double Low, double High) Wilson(int successes, int n)
    {
        const double z = 1.959963984540054;
        double p = (double)successes / n, z2 = z * z;
        double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
        double half = z * Math.Sqrt(p * (1 - p) / n + z2 / (4.0 * n * n)) / (1 + z2 / n);
        return (successes == 0 ? 0 : centre - half, successes == n ? 1 : centre + half);
    }
}
