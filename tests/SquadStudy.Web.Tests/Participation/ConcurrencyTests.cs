using System.Collections.Concurrent;
using System.Net;
using Microsoft.EntityFrameworkCore;
using SquadStudy.Data.Entities;
using SquadStudy.Testing;

namespace SquadStudy.Web.Tests.Participation;

public sealed class SqliteConcurrencyTests(SquadStudyWebFactory factory) : ConcurrencyTests(factory), IClassFixture<SquadStudyWebFactory>;

[Trait("Database", "PostgreSQL")]
public sealed class PostgresConcurrencyTests(PostgresWebFactory factory) : ConcurrencyTests(factory), IClassFixture<PostgresWebFactory>;

/// <summary>Run on SQLite and on PostgreSQL (the subclasses above).</summary>
public abstract class ConcurrencyTests(SquadStudyWebFactory factory) : ParticipationTestBase(factory)
{
    [Fact]
    public async Task ConcurrentEnrolments_KeepEveryExperimentBalancedWithinOne()
    {
        // One stimulus per image and experiment: the image rule never forces a skip, so balance must hold exactly.
        var study = await AddStudyAsync(b => new TestStudyBuilder { Slug = b.Slug, Images = 17, DiscriminationQuestions = 5, TrustQuestions = 3, ComparisonQuestions = 2 });
        var bots = Enumerable.Range(0, 40).Select(_ => new ParticipantBot(Factory.CreateParticipantClient(), study.Slug)).ToList();
        var responses = await Task.WhenAll(bots.Select(b => b.EnrolAsync($"?PROLIFIC_PID=p{Guid.NewGuid():N}")));
        responses.Where(r => r.StatusCode != HttpStatusCode.Redirect).ShouldBeEmpty($"the site logged: {string.Join(" | ", Factory.LoggedProblems())}");

        var stimuli = await Factory.WithDbAsync(db => db.Stimuli.AsNoTracking().Where(s => s.StudyId == study.Id).ToListAsync());
        foreach (var experiment in stimuli.GroupBy(s => s.Experiment))
        {
            var counts = experiment.Select(s => s.AssignedCount).ToList();
            (counts.Max() - counts.Min()).ShouldBeLessThanOrEqualTo(1, experiment.Key);
        }
        stimuli.Where(s => s.Experiment == ExperimentKind.Discrimination).Sum(s => s.AssignedCount).ShouldBe(40 * 5);
        (await Factory.WithDbAsync(db => db.Participants.CountAsync(p => p.StudyId == study.Id))).ShouldBe(40);
        // No image twice within an experiment for one participant.
        var duplicates = await Factory.WithDbAsync(db => db.PlanItems.AsNoTracking()
            .Where(i => i.Stimulus != null && i.Stimulus.StudyId == study.Id)
            .GroupBy(i => new { i.ParticipantId, i.Stimulus!.Experiment, i.Stimulus.ImageId })
            .CountAsync(g => g.Count() > 1));
        duplicates.ShouldBe(0);
        await AssertCountersConsistentAsync(study.Id);
    }

    /// <summary>
    /// Many participants at once, each misbehaving at random: reloads, back-button and double
    /// submits, invalid choices, some withdrawing part-way. Afterwards every acknowledged answer is
    /// stored exactly once, nothing else is, and the counters agree with the plans.
    /// </summary>
    [Fact]
    public async Task ManyParticipants_WithReloadsReplaysAndWithdrawals_StoreExactlyTheAcknowledgedAnswers()
    {
        var study = await AddStudyAsync(b => new TestStudyBuilder { Slug = b.Slug, Images = 20 });
        var acknowledged = new ConcurrentDictionary<string, List<(int Position, string Choice)>>();
        var withdrawn = new ConcurrentBag<string>();

        async Task RunAsync(int index)
        {
            var random = new Random(index);
            var bot = await EnrolledBotAsync(study);
            var mine = new List<(int, string)>();
            QuestionPage? previous = null;
            var withdrawAt = index % 5 == 0 ? random.Next(1, 6) : -1;
            while (true)
            {
                if (mine.Count == withdrawAt)
                {
                    var (_, confirm) = await bot.GetAsync($"/s/{study.Slug}/withdraw");
                    (await bot.PostAsync($"/s/{study.Slug}/withdraw", [new("__RequestVerificationToken", ParticipantBot.Token(confirm))]))
                        .StatusCode.ShouldBe(HttpStatusCode.Redirect);
                    withdrawn.Add(index.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    return;
                }
                var (page, response) = await bot.GetQuestionAsync();
                if (page is null)
                {
                    response.Headers.Location!.OriginalString.ShouldEndWith("/done");
                    break;
                }
                if (random.NextDouble() < 0.2)
                {
                    (await bot.GetQuestionAsync()).Page!.Position.ShouldBe(page.Position);
                }
                if (previous is not null && random.NextDouble() < 0.2)
                {
                    (await bot.AnswerAsync(previous, previous.Options[0])).StatusCode.ShouldBe(HttpStatusCode.Redirect);
                }
                if (random.NextDouble() < 0.1)
                {
                    (await bot.AnswerAsync(page, "bogus")).StatusCode.ShouldBe(HttpStatusCode.OK);
                }
                var choice = page.Options[random.Next(page.Options.Count)];
                if (random.NextDouble() < 0.2)
                {
                    var both = await Task.WhenAll(bot.AnswerAsync(page, choice), bot.AnswerAsync(page, choice));
                    both.ShouldAllBe(r => r.StatusCode == HttpStatusCode.Redirect);
                }
                else
                {
                    (await bot.AnswerAsync(page, choice)).StatusCode.ShouldBe(HttpStatusCode.Redirect);
                }
                mine.Add((page.Position, choice));
                previous = page;
            }
            acknowledged[index.ToString(System.Globalization.CultureInfo.InvariantCulture)] = mine;
        }

        await Task.WhenAll(Enumerable.Range(0, 24).Select(RunAsync));

        withdrawn.Count.ShouldBe(5);
        var answers = await Factory.WithDbAsync(db => db.Answers.AsNoTracking()
            .Where(a => db.Participants.Any(p => p.Id == a.ParticipantId && p.StudyId == study.Id))
            .Select(a => new { a.ParticipantId, a.Position, a.Choice }).ToListAsync());
        answers.Count.ShouldBe(acknowledged.Values.Sum(v => v.Count));
        answers.GroupBy(a => (a.ParticipantId, a.Position)).ShouldAllBe(g => g.Count() == 1);
        // Each surviving participant's stored answers are exactly the sequence it was acknowledged.
        var byParticipant = answers.GroupBy(a => a.ParticipantId)
            .Select(g => g.OrderBy(a => a.Position).Select(a => (a.Position, a.Choice)).ToList()).ToList();
        byParticipant.Count.ShouldBe(19);
        foreach (var expected in acknowledged.Values)
        {
            byParticipant.ShouldContain(actual => actual.SequenceEqual(expected));
        }
        (await Factory.WithDbAsync(db => db.Studies.Where(s => s.Id == study.Id).Select(s => s.WithdrawalCount).SingleAsync())).ShouldBe(5);
        await AssertCountersConsistentAsync(study.Id);
    }
}
