using System.Net;
using Microsoft.EntityFrameworkCore;
using SquadStudy.Testing;

namespace SquadStudy.Web.Tests.Participation;

public sealed class SqliteWithdrawalTests(SquadStudyWebFactory factory) : WithdrawalTests(factory), IClassFixture<SquadStudyWebFactory>;

[Trait("Database", "PostgreSQL")]
public sealed class PostgresWithdrawalTests(PostgresWebFactory factory) : WithdrawalTests(factory), IClassFixture<PostgresWebFactory>;

/// <summary>Run on SQLite and on PostgreSQL (the subclasses above).</summary>
public abstract class WithdrawalTests(SquadStudyWebFactory factory) : ParticipationTestBase(factory)
{
    [Fact]
    public async Task Withdraw_ByCode_Later_DeletesEverything_AndGivesBackTheCounts()
    {
        var study = await AddStudyAsync();
        var keeper = await EnrolledBotAsync(study);
        await keeper.WalkToEndAsync(new Random(1));
        var leaver = await EnrolledBotAsync(study);
        await leaver.WalkToEndAsync(new Random(2));
        var code = (await leaver.GetAsync($"/s/{study.Slug}/done")).Document.QuerySelector("#withdrawal-code")!.TextContent;

        // Much later, from another browser, typed in lower case with spaces.
        var stranger = new ParticipantBot(Factory.CreateParticipantClient(), study.Slug);
        var (_, form) = await stranger.GetAsync("/withdraw");
        var typed = code.Replace("-", " ", StringComparison.Ordinal).ToLowerInvariant();
        var check = await stranger.PostAsync("/withdraw", [new("Code", typed), new("__RequestVerificationToken", ParticipantBot.Token(form))]);
        check.StatusCode.ShouldBe(HttpStatusCode.OK);
        var confirm = await ParticipantBot.ParseAsync(check);
        confirm.Body!.TextContent.ShouldContain("10 answers stored");
        var done = await stranger.PostAsync("/withdraw?handler=Confirm", [new("Code", typed), new("__RequestVerificationToken", ParticipantBot.Token(confirm))]);
        done.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        done.Headers.Location!.OriginalString.ShouldBe("/withdraw/done");

        var (participants, withdrawals, orphanItems, orphanAnswers) = await Factory.WithDbAsync(async db => (
            await db.Participants.CountAsync(p => p.StudyId == study.Id),
            await db.Studies.Where(s => s.Id == study.Id).Select(s => s.WithdrawalCount).SingleAsync(),
            await db.PlanItems.CountAsync(i => !db.Participants.Any(p => p.Id == i.ParticipantId)),
            await db.Answers.CountAsync(a => !db.Participants.Any(p => p.Id == a.ParticipantId))));
        participants.ShouldBe(1);
        withdrawals.ShouldBe(1);
        orphanItems.ShouldBe(0);
        orphanAnswers.ShouldBe(0);
        await AssertCountersConsistentAsync(study.Id);

        // The code is spent: using it again finds nothing (200 with the error).
        var (_, again) = await stranger.GetAsync("/withdraw");
        var second = await stranger.PostAsync("/withdraw", [new("Code", typed), new("__RequestVerificationToken", ParticipantBot.Token(again))]);
        second.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await second.Content.ReadAsStringAsync()).ShouldContain("No participation has this withdrawal code");
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a code")]
    [InlineData("0000000000000000000000000U")]
    public async Task Withdraw_InvalidCode_Returns200WithError(string code)
    {
        var client = Factory.CreateParticipantClient();
        var bot = new ParticipantBot(client, "x");
        var (_, form) = await bot.GetAsync("/withdraw");
        var response = await bot.PostAsync("/withdraw", [new("Code", code), new("__RequestVerificationToken", ParticipantBot.Token(form))]);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await ParticipantBot.ParseAsync(response)).QuerySelector("span.text-danger")!.TextContent.ShouldNotBeEmpty();
    }

    [Fact]
    public async Task Withdraw_CurrentParticipant_MidStudy_OneClick()
    {
        var study = await AddStudyAsync();
        var bot = await EnrolledBotAsync(study);
        var (page, _) = await bot.GetQuestionAsync();
        page!.Document.QuerySelector("footer a")!.GetAttribute("href").ShouldBe($"/s/{study.Slug}/withdraw");
        await bot.AnswerAsync(page, page.Options[0]);
        var (confirm, document) = await bot.GetAsync($"/s/{study.Slug}/withdraw");
        confirm.StatusCode.ShouldBe(HttpStatusCode.OK);
        var response = await bot.PostAsync($"/s/{study.Slug}/withdraw", [new("__RequestVerificationToken", ParticipantBot.Token(document))]);
        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        response.Headers.Location!.OriginalString.ShouldBe("/withdraw/done");
        (await Factory.WithDbAsync(db => db.Participants.CountAsync(p => p.StudyId == study.Id))).ShouldBe(0);
        (await Factory.WithDbAsync(db => db.Stimuli.Where(s => s.StudyId == study.Id).SumAsync(s => s.AssignedCount + s.AnsweredCount))).ShouldBe(0);
        // The cookie is gone: the study link offers consent again.
        (await bot.Client.GetAsync($"/s/{study.Slug}")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}
