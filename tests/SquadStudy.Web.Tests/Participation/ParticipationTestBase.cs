using Microsoft.EntityFrameworkCore;
using SquadStudy.Data.Entities;
using SquadStudy.Testing;

namespace SquadStudy.Web.Tests.Participation;

/// <summary>
/// One site per test class (the class takes <see cref="SquadStudyWebFactory"/> or, for the tests that run on both
/// providers, <see cref="PostgresWebFactory"/> as its fixture); each test adds its own study so tests do not see each other's counts.
/// </summary>
public abstract class ParticipationTestBase(SquadStudyWebFactory factory)
{
    protected SquadStudyWebFactory Factory { get; } = factory;

    protected static string NewSlug() => "t" + Guid.NewGuid().ToString("N")[..12];

    protected async Task<TestStudy> AddStudyAsync(Func<TestStudyBuilder, TestStudyBuilder>? configure = null)
    {
        var builder = new TestStudyBuilder { Slug = NewSlug() };
        return await Factory.AddStudyAsync(configure is null ? builder : configure(builder));
    }

    protected async Task<ParticipantBot> EnrolledBotAsync(TestStudy study, string query = "")
    {
        var bot = new ParticipantBot(Factory.CreateParticipantClient(), study.Slug);
        var response = await bot.EnrolAsync(query);
        response.StatusCode.ShouldBe(System.Net.HttpStatusCode.Redirect);
        return bot;
    }

    /// <summary>
    /// The balance counters agree with the plans: AssignedCount counts the plan items of live plans
    /// (an abandoned, returned, timed-out or screened-out plan keeps only its answered positions), AnsweredCount the stored answers.
    /// </summary>
    protected Task AssertCountersConsistentAsync(long studyId) => Factory.WithDbAsync(async db =>
    {
        var stimuli = await db.Stimuli.AsNoTracking().Where(s => s.StudyId == studyId).ToListAsync();
        var held = await db.PlanItems.AsNoTracking()
            .Join(db.Participants, i => i.ParticipantId, p => p.Id, (i, p) => new { i.StimulusId, i.Position, p.Status, p.CurrentPosition, p.StudyId })
            .Where(x => x.StudyId == studyId && x.StimulusId != null
                && ((x.Status != ParticipantStatus.Abandoned && x.Status != ParticipantStatus.Returned && x.Status != ParticipantStatus.TimedOut
                    && x.Status != ParticipantStatus.ScreenedOut) || x.Position < x.CurrentPosition))
            .GroupBy(x => x.StimulusId).Select(g => new { Id = g.Key!.Value, Count = g.Count() }).ToDictionaryAsync(x => x.Id, x => x.Count);
        var answered = await db.Answers.AsNoTracking().Where(a => a.StimulusId != null && db.Participants.Any(p => p.Id == a.ParticipantId && p.StudyId == studyId))
            .GroupBy(a => a.StimulusId).Select(g => new { Id = g.Key!.Value, Count = g.Count() }).ToDictionaryAsync(x => x.Id, x => x.Count);
        foreach (var s in stimuli)
        {
            s.AssignedCount.ShouldBe(held.GetValueOrDefault(s.Id), $"AssignedCount of stimulus {s.Id}");
            s.AnsweredCount.ShouldBe(answered.GetValueOrDefault(s.Id), $"AnsweredCount of stimulus {s.Id}");
        }
        return 0;
    });
}
