using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SquadStudy.Data.Entities;
using SquadStudy.Testing;
using SquadStudy.Web.Participation;

namespace SquadStudy.Web.Tests.Participation;

public sealed class SqliteAbandonmentTests(SquadStudyWebFactory factory) : AbandonmentTests(factory), IClassFixture<SquadStudyWebFactory>;

[Trait("Database", "PostgreSQL")]
public sealed class PostgresAbandonmentTests(PostgresWebFactory factory) : AbandonmentTests(factory), IClassFixture<PostgresWebFactory>;

/// <summary>Run on SQLite and on PostgreSQL (the subclasses above).</summary>
public abstract class AbandonmentTests(SquadStudyWebFactory factory) : ParticipationTestBase(factory)
{
    private async Task MakeIdleAsync(long studyId) => await Factory.WithDbAsync(db => db.Participants.Where(p => p.StudyId == studyId)
        .ExecuteUpdateAsync(s => s.SetProperty(p => p.LastSeenUtc, DateTime.UtcNow.AddHours(-3))));

    [Fact]
    public async Task IdlePlan_IsReleasedLazilyAtTheNextEnrolment_AndTheParticipantMayResume()
    {
        var study = await AddStudyAsync(b => new TestStudyBuilder { Slug = b.Slug, AbandonAfterMinutes = 60 });
        var idle = await EnrolledBotAsync(study);
        var (page, _) = await idle.GetQuestionAsync();
        await idle.AnswerAsync(page!, page!.Options[0]);
        await MakeIdleAsync(study.Id);

        await EnrolledBotAsync(study);
        var status = await Factory.WithDbAsync(db => db.Participants.OrderBy(p => p.Id).Where(p => p.StudyId == study.Id).Select(p => p.Status).FirstAsync());
        status.ShouldBe(ParticipantStatus.Abandoned);
        await AssertCountersConsistentAsync(study.Id);

        // The participant comes back: told so, chooses to continue, and goes on at position 1.
        var (back, document) = await idle.GetAsync(idle.QuestionUrl);
        back.StatusCode.ShouldBe(HttpStatusCode.OK);
        document.Body!.TextContent.ShouldContain("You were away for a long time");
        var stale = await idle.AnswerAsync(page, page.Options[0], position: 1);
        stale.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var resume = await idle.PostAsync($"{idle.QuestionUrl}?handler=Resume", [new("__RequestVerificationToken", ParticipantBot.Token(document))]);
        resume.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        (await idle.GetQuestionAsync()).Page!.Position.ShouldBe(1);
        await AssertCountersConsistentAsync(study.Id);
        var rest = await idle.WalkToEndAsync(new Random(4));
        rest.Count.ShouldBe(9);
        await AssertCountersConsistentAsync(study.Id);
    }

    [Fact]
    public async Task Sweep_ReleasesIdlePlansOfEveryStudy_AndWithdrawalAfterwardsKeepsCountsRight()
    {
        var study = await AddStudyAsync(b => new TestStudyBuilder { Slug = b.Slug, AbandonAfterMinutes = 60 });
        var bot = await EnrolledBotAsync(study);
        for (var i = 0; i < 2; i++)
        {
            var (page, _) = await bot.GetQuestionAsync();
            await bot.AnswerAsync(page!, page!.Options[0]);
        }
        await MakeIdleAsync(study.Id);
        var released = await Factory.WithDbAsync(async db =>
        {
            await using var scope = Factory.Services.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<ParticipationService>().ReleaseAbandonedAsync(CancellationToken.None);
        });
        released.ShouldBeGreaterThanOrEqualTo(1);
        (await Factory.WithDbAsync(db => db.Stimuli.Where(s => s.StudyId == study.Id).SumAsync(s => s.AssignedCount))).ShouldBe(2);
        await AssertCountersConsistentAsync(study.Id);

        var (_, confirm) = await bot.GetAsync($"/s/{study.Slug}/withdraw");
        await bot.PostAsync($"/s/{study.Slug}/withdraw", [new("__RequestVerificationToken", ParticipantBot.Token(confirm))]);
        (await Factory.WithDbAsync(db => db.Stimuli.Where(s => s.StudyId == study.Id).SumAsync(s => s.AssignedCount + s.AnsweredCount))).ShouldBe(0);
    }
}
