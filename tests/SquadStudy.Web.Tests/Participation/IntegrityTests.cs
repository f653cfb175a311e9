using System.Net;
using Microsoft.EntityFrameworkCore;
using SquadStudy.Data.Entities;
using SquadStudy.Testing;

namespace SquadStudy.Web.Tests.Participation;

public sealed class SqliteIntegrityTests(SquadStudyWebFactory factory) : IntegrityTests(factory), IClassFixture<SquadStudyWebFactory>;

[Trait("Database", "PostgreSQL")]
public sealed class PostgresIntegrityTests(PostgresWebFactory factory) : IntegrityTests(factory), IClassFixture<PostgresWebFactory>;

/// <summary>Run on SQLite and on PostgreSQL (the subclasses above).</summary>
public abstract class IntegrityTests(SquadStudyWebFactory factory) : ParticipationTestBase(factory)
{
    private Task<List<Answer>> AnswersAsync(long studyId) =>
        Factory.WithDbAsync(db => db.Answers.AsNoTracking().Where(a => db.Participants.Any(p => p.Id == a.ParticipantId && p.StudyId == studyId)).ToListAsync());

    [Fact]
    public async Task Post_StaleAnswer_BackButton_RecordsNothing_AndRedirectsToCurrent()
    {
        var study = await AddStudyAsync();
        var bot = await EnrolledBotAsync(study);
        var (first, _) = await bot.GetQuestionAsync();
        (await bot.AnswerAsync(first!, first!.Options[0])).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        // The back button shows the old page again; submitting it must not store a second answer.
        var stale = await bot.AnswerAsync(first, first.Options[1]);
        stale.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        stale.Headers.Location!.OriginalString.ShouldBe($"/s/{study.Slug}/q");
        var answers = await AnswersAsync(study.Id);
        answers.Count.ShouldBe(1);
        answers[0].Choice.ShouldBe(first.Options[0]);
        var (current, _) = await bot.GetQuestionAsync();
        current!.Position.ShouldBe(1);
    }

    [Fact]
    public async Task Post_DoubleSubmit_Concurrent_RecordsOnce()
    {
        var study = await AddStudyAsync();
        var bot = await EnrolledBotAsync(study);
        var (page, _) = await bot.GetQuestionAsync();
        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => bot.AnswerAsync(page!, page!.Options[0])));
        responses.ShouldAllBe(r => r.StatusCode == HttpStatusCode.Redirect);
        (await AnswersAsync(study.Id)).Count.ShouldBe(1);
        (await bot.GetQuestionAsync()).Page!.Position.ShouldBe(1);
    }

    [Theory]
    [InlineData("99")]
    [InlineData("")]
    [InlineData("A")]
    [InlineData("1 OR 1=1")]
    public async Task Post_ChoiceNotAmongOptions_Returns200WithError_AndRecordsNothing(string choice)
    {
        var study = await AddStudyAsync();
        var bot = await EnrolledBotAsync(study);
        var (page, _) = await bot.GetQuestionAsync();
        var response = await bot.AnswerAsync(page!, choice);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var document = await ParticipantBot.ParseAsync(response);
        document.QuerySelector("#choice-error")!.TextContent.ShouldContain("Please choose one of the options");
        ParticipantBot.Read(document).Position.ShouldBe(0);
        (await AnswersAsync(study.Id)).ShouldBeEmpty();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(-1)]
    [InlineData(1000)]
    public async Task Post_ForgedPosition_RecordsNothing(int position)
    {
        var study = await AddStudyAsync();
        var bot = await EnrolledBotAsync(study);
        var (page, _) = await bot.GetQuestionAsync();
        var response = await bot.AnswerAsync(page!, page!.Options[0], position);
        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        (await AnswersAsync(study.Id)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Post_WithoutOrWithForeignAntiforgeryToken_Returns400_AndRecordsNothing()
    {
        var study = await AddStudyAsync();
        var bot = await EnrolledBotAsync(study);
        var other = await EnrolledBotAsync(study);
        var (page, _) = await bot.GetQuestionAsync();
        var (otherPage, _) = await other.GetQuestionAsync();
        (await bot.AnswerAsync(page!, page!.Options[0], token: "forged")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await bot.AnswerAsync(page, page.Options[0], token: otherPage!.AntiforgeryToken)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await bot.PostAsync(bot.QuestionUrl, [new("Position", "0"), new("Choice", page.Options[0])])).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await AnswersAsync(study.Id)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Post_AnotherParticipantsForm_IsCheckedAgainstTheSendersOwnPlan()
    {
        var study = await AddStudyAsync(b => new TestStudyBuilder { Slug = b.Slug, DiscriminationQuestions = 0, TrustQuestions = 0, ComparisonQuestions = 2, AttentionChecks = [] });
        var alice = await EnrolledBotAsync(study);
        var bob = await EnrolledBotAsync(study);
        var (alicePage, _) = await alice.GetQuestionAsync();
        (await alice.AnswerAsync(alicePage!, "A")).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        // Bob replays Alice's position-0 form with his own antiforgery token: it answers Bob's item 0, not Alice's.
        var (bobPage, _) = await bob.GetQuestionAsync();
        (await bob.AnswerAsync(bobPage!, "B", position: alicePage!.Position)).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        // Alice's cookie with a forged participant token is unknown and enrols nothing new.
        var intruder = Factory.CreateParticipantClient();
        intruder.DefaultRequestHeaders.Add("Cookie", $"ss.p.{study.Slug}=not-a-token");
        var response = await intruder.GetAsync($"/s/{study.Slug}/q");
        response.Headers.Location!.OriginalString.ShouldBe($"/s/{study.Slug}");

        var rows = await Factory.WithDbAsync(db => db.Answers.AsNoTracking()
            .Join(db.PlanItems, a => a.PlanItemId, i => i.Id, (a, i) => new { a.ParticipantId, ItemParticipant = i.ParticipantId, a.Choice })
            .Where(x => db.Participants.Any(p => p.Id == x.ParticipantId && p.StudyId == study.Id)).ToListAsync());
        rows.Count.ShouldBe(2);
        rows.ShouldAllBe(r => r.ParticipantId == r.ItemParticipant);
        rows.Select(r => r.Choice).Order().ShouldBe(["A", "B"]);
        (await Factory.WithDbAsync(db => db.Participants.CountAsync(p => p.StudyId == study.Id))).ShouldBe(2);
    }

    [Fact]
    public async Task Trust_StoredScore_IsForTheStimulusModelA_WhicheverSideItWasShown()
    {
        var study = await AddStudyAsync(b => new TestStudyBuilder { Slug = b.Slug, DiscriminationQuestions = 0, TrustQuestions = 6, ComparisonQuestions = 0, AttentionChecks = [] });
        var bot = await EnrolledBotAsync(study);
        (await bot.WalkToEndAsync(new Random(3))).Count.ShouldBe(6);
        var rows = await Factory.WithDbAsync(db => db.Answers.AsNoTracking()
            .Join(db.PlanItems, a => a.PlanItemId, i => i.Id, (a, i) => new { a.Choice, a.Score, i.Swapped, a.IsCorrect, a.ParticipantId })
            .Where(x => db.Participants.Any(p => p.Id == x.ParticipantId && p.StudyId == study.Id)).ToListAsync());
        foreach (var row in rows)
        {
            var shown = int.Parse(row.Choice, System.Globalization.CultureInfo.InvariantCulture);
            row.Score.ShouldBe(row.Swapped ? -shown : shown);
            row.IsCorrect.ShouldBeNull();
        }
    }

    [Fact]
    public async Task Discrimination_IsCorrect_OnlyForTheTargetClass()
    {
        var study = await AddStudyAsync(b => new TestStudyBuilder { Slug = b.Slug, DiscriminationQuestions = 8, TrustQuestions = 0, ComparisonQuestions = 0, AttentionChecks = [] });
        var bot = await EnrolledBotAsync(study);
        await bot.WalkToEndAsync(new Random(5));
        var rows = await Factory.WithDbAsync(db => db.Answers.AsNoTracking()
            .Join(db.Stimuli, a => a.StimulusId, s => s.Id, (a, s) => new { a.Choice, a.IsCorrect, s.TargetClass, s.DistractorClass, s.StudyId })
            .Where(x => x.StudyId == study.Id).ToListAsync());
        rows.Count.ShouldBe(8);
        foreach (var row in rows)
        {
            var chosen = int.Parse(row.Choice, System.Globalization.CultureInfo.InvariantCulture);
            new[] { row.TargetClass, row.DistractorClass!.Value }.ShouldContain(chosen);
            row.IsCorrect.ShouldBe(chosen == row.TargetClass);
        }
    }

    [Fact]
    public async Task AttentionCheck_StoresWhetherTheInstructedAnswerWasGiven()
    {
        var study = await AddStudyAsync(b => new TestStudyBuilder
        {
            Slug = b.Slug, DiscriminationQuestions = 1, TrustQuestions = 0, ComparisonQuestions = 0,
            AttentionChecks = [new(0, "Choose \"Neither\".", "Neither"), new(1, "Choose \"Agree\".", "Agree")],
        });
        var bot = await EnrolledBotAsync(study);
        var (check, _) = await bot.GetQuestionAsync();
        check!.Prompt.ShouldBe("Choose \"Neither\".");
        check.Options.ShouldContain("Neither");
        (await bot.AnswerAsync(check, "Neither")).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var (question, _) = await bot.GetQuestionAsync();
        (await bot.AnswerAsync(question!, question!.Options[0])).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var (second, _) = await bot.GetQuestionAsync();
        (await bot.AnswerAsync(second!, "Disagree")).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var answers = (await AnswersAsync(study.Id)).OrderBy(a => a.Position).ToList();
        answers.Select(a => a.IsCorrect).ShouldBe([true, answers[1].IsCorrect, false]);
        answers[0].StimulusId.ShouldBeNull();
    }

    [Fact]
    public async Task Done_BeforeTheLastAnswer_RedirectsToTheQuestion()
    {
        var study = await AddStudyAsync();
        var bot = await EnrolledBotAsync(study);
        var response = await bot.Client.GetAsync($"/s/{study.Slug}/done");
        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        response.Headers.Location!.OriginalString.ShouldBe($"/s/{study.Slug}/q");
    }

    [Fact]
    public async Task CompletedParticipant_PostingAgain_RecordsNothing()
    {
        var study = await AddStudyAsync();
        var bot = await EnrolledBotAsync(study);
        QuestionPage? last = null;
        while ((await bot.GetQuestionAsync()).Page is { } page)
        {
            last = page;
            await bot.AnswerAsync(page, page.Options[0]);
        }
        var before = (await AnswersAsync(study.Id)).Count;
        var replay = await bot.AnswerAsync(last!, last!.Options[0]);
        replay.Headers.Location!.OriginalString.ShouldBe($"/s/{study.Slug}/done");
        (await AnswersAsync(study.Id)).Count.ShouldBe(before);
    }
}
