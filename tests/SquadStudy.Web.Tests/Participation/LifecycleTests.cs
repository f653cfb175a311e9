using System.Net;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SquadStudy.Data.Entities;
using SquadStudy.Testing;
using SquadStudy.Web.Participation;

namespace SquadStudy.Web.Tests.Participation;

public sealed class SqliteLifecycleTests(SquadStudyWebFactory factory) : LifecycleTests(factory), IClassFixture<SquadStudyWebFactory>;

[Trait("Database", "PostgreSQL")]
public sealed class PostgresLifecycleTests(PostgresWebFactory factory) : LifecycleTests(factory), IClassFixture<PostgresWebFactory>;

/// <summary>
/// Returning, timing out and being screened out (docs/participants.md "Life cycle"): the status, the
/// freed slots, the kept answers, the endings' codes. Run on SQLite and on PostgreSQL.
/// </summary>
public abstract class LifecycleTests(SquadStudyWebFactory factory) : ParticipationTestBase(factory)
{
    private const string Pid = "?PROLIFIC_PID=aaaaaaaaaaaaaaaaaaaaaaaa&STUDY_ID=bbbbbbbbbbbbbbbbbbbbbbbb&SESSION_ID=cccccccccccccccccccccccc";

    private Task<TestStudy> AddProlificStudyAsync(int? timeLimit = null, object? comprehension = null) =>
        AddStudyAsync(b => new TestStudyBuilder
        {
            Slug = b.Slug, Redirect = "prolific", ScreenedOutCode = "SCREENED1", NoCode = "RETURNED1", TimeLimitMinutes = timeLimit, Comprehension = comprehension,
        });

    private Task<(string Status, int Answers, DateTime? Ended)> StateAsync(long studyId) => Factory.WithDbAsync(async db =>
    {
        var p = await db.Participants.AsNoTracking().Where(p => p.StudyId == studyId).OrderBy(p => p.Id).FirstAsync();
        return (p.Status, await db.Answers.CountAsync(a => a.ParticipantId == p.Id), p.EndedUtc);
    });

    private static async Task AnswerAsync(ParticipantBot bot, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var (page, _) = await bot.GetQuestionAsync();
            (await bot.AnswerAsync(page!, page!.Options[0])).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        }
    }

    private static async Task<HttpResponseMessage> ReturnAsync(ParticipantBot bot, string? token = null)
    {
        if (token is null)
        {
            var (confirm, document) = await bot.GetAsync($"/s/{bot.Slug}/return");
            confirm.StatusCode.ShouldBe(HttpStatusCode.OK);
            token = ParticipantBot.Token(document);
        }
        return await bot.PostAsync($"/s/{bot.Slug}/return", [new("__RequestVerificationToken", token)]);
    }

    [Fact]
    public async Task Return_KeepsTheAnswers_FreesTheSlots_AndEndsWithTheNoCodeCode()
    {
        var study = await AddProlificStudyAsync();
        var bot = await EnrolledBotAsync(study, Pid);
        await AnswerAsync(bot, 2);
        var (question, questionPage) = await bot.GetAsync(bot.QuestionUrl);
        questionPage.QuerySelector("#return-study-link")!.GetAttribute("href").ShouldBe($"/s/{study.Slug}/return");

        var returned = await ReturnAsync(bot);

        returned.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        returned.Headers.Location!.OriginalString.ShouldBe($"/s/{study.Slug}/ended");
        var (status, answers, ended) = await StateAsync(study.Id);
        status.ShouldBe(ParticipantStatus.Returned);
        answers.ShouldBe(2);
        ended.ShouldNotBeNull();
        await AssertCountersConsistentAsync(study.Id);
        (await Factory.WithDbAsync(db => db.Stimuli.Where(s => s.StudyId == study.Id).SumAsync(s => s.AssignedCount))).ShouldBe(2);

        var (endedResponse, endedPage) = await bot.GetAsync($"/s/{study.Slug}/ended");
        endedResponse.StatusCode.ShouldBe(HttpStatusCode.OK);
        endedPage.QuerySelector("#ending-code")!.TextContent.ShouldBe("RETURNED1");
        endedPage.QuerySelector("#return-link")!.GetAttribute("href").ShouldBe("https://app.prolific.com/submissions/complete?cc=RETURNED1");
        endedPage.QuerySelector("#return-study-link").ShouldBeNull();
    }

    [Fact]
    public async Task Return_Twice_OrReplayed_ChangesNothingMore_AndNoAnswerIsTakenAfterwards()
    {
        var study = await AddProlificStudyAsync();
        var bot = await EnrolledBotAsync(study, Pid);
        await AnswerAsync(bot, 1);
        var (page, _) = await bot.GetQuestionAsync();
        var (_, confirm) = await bot.GetAsync($"/s/{study.Slug}/return");
        var token = ParticipantBot.Token(confirm);

        (await ReturnAsync(bot, token)).Headers.Location!.OriginalString.ShouldEndWith("/ended");
        var first = await StateAsync(study.Id);
        // A double click, and the same POST replayed later.
        (await ReturnAsync(bot, token)).Headers.Location!.OriginalString.ShouldEndWith("/ended");
        (await ReturnAsync(bot, token)).Headers.Location!.OriginalString.ShouldEndWith("/ended");

        (await StateAsync(study.Id)).ShouldBe(first);
        await AssertCountersConsistentAsync(study.Id);
        // The question page answers nothing any more and sends the participant to their ending.
        var late = await bot.AnswerAsync(page!, page!.Options[0]);
        late.Headers.Location!.OriginalString.ShouldEndWith("/ended");
        (await bot.GetQuestionAsync()).Response.Headers.Location!.OriginalString.ShouldEndWith("/ended");
        (await StateAsync(study.Id)).Answers.ShouldBe(1);
        // The study link with the same recruiter id does not enrol again.
        var (landing, _) = await bot.GetAsync($"/s/{study.Slug}{Pid}");
        landing.Headers.Location!.OriginalString.ShouldEndWith("/ended");
    }

    [Fact]
    public async Task Return_WithoutAntiforgeryToken_Is400_AndChangesNothing()
    {
        var study = await AddProlificStudyAsync();
        var bot = await EnrolledBotAsync(study, Pid);

        var forged = await bot.PostAsync($"/s/{study.Slug}/return", []);

        forged.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await StateAsync(study.Id)).Status.ShouldBe(ParticipantStatus.Active);
    }

    [Fact]
    public async Task Return_AfterAbandonment_EndsReturned_AndCountsStayRight()
    {
        var study = await AddProlificStudyAsync();
        var bot = await EnrolledBotAsync(study, Pid);
        await AnswerAsync(bot, 1);
        await Factory.WithDbAsync(db => db.Participants.Where(p => p.StudyId == study.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.LastSeenUtc, DateTime.UtcNow.AddHours(-3))));
        await SweepAsync();
        (await StateAsync(study.Id)).Status.ShouldBe(ParticipantStatus.Abandoned);

        (await ReturnAsync(bot)).StatusCode.ShouldBe(HttpStatusCode.Redirect);

        (await StateAsync(study.Id)).Status.ShouldBe(ParticipantStatus.Returned);
        await AssertCountersConsistentAsync(study.Id);
    }

    [Fact]
    public async Task Withdrawal_AfterReturning_StillDeletesEverything()
    {
        var study = await AddProlificStudyAsync();
        var bot = await EnrolledBotAsync(study, Pid);
        await AnswerAsync(bot, 2);
        await ReturnAsync(bot);

        var (_, confirm) = await bot.GetAsync($"/s/{study.Slug}/withdraw");
        await bot.PostAsync($"/s/{study.Slug}/withdraw", [new("__RequestVerificationToken", ParticipantBot.Token(confirm))]);

        (await Factory.WithDbAsync(db => db.Participants.CountAsync(p => p.StudyId == study.Id))).ShouldBe(0);
        (await Factory.WithDbAsync(db => db.Stimuli.Where(s => s.StudyId == study.Id).SumAsync(s => s.AssignedCount + s.AnsweredCount))).ShouldBe(0);
    }

    [Fact]
    public async Task TimeLimit_ThePastLimitParticipantTimesOut_AtTheSweep_AndCannotGoOn()
    {
        var study = await AddProlificStudyAsync(timeLimit: 30);
        var bot = await EnrolledBotAsync(study, Pid);
        await AnswerAsync(bot, 1);
        var (page, _) = await bot.GetQuestionAsync();
        await Factory.WithDbAsync(db => db.Participants.Where(p => p.StudyId == study.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.ConsentedUtc, DateTime.UtcNow.AddMinutes(-31))));

        (await SweepAsync()).ShouldBeGreaterThanOrEqualTo(1);

        var (status, answers, _) = await StateAsync(study.Id);
        status.ShouldBe(ParticipantStatus.TimedOut);
        answers.ShouldBe(1);
        await AssertCountersConsistentAsync(study.Id);
        (await bot.AnswerAsync(page!, page!.Options[0])).Headers.Location!.OriginalString.ShouldEndWith("/ended");
        var (_, ended) = await bot.GetAsync($"/s/{study.Slug}/ended");
        ended.QuerySelector("#ended-message")!.TextContent.ShouldContain("time limit");
        // Prolific timed the submission out itself: no code to send back.
        ended.QuerySelector("#ending-code").ShouldBeNull();
    }

    [Fact]
    public async Task TimeLimit_AnAbandonedParticipantPastIt_TimesOut_WithoutFreeingTwice()
    {
        var study = await AddProlificStudyAsync(timeLimit: 120);
        var bot = await EnrolledBotAsync(study, Pid);
        await AnswerAsync(bot, 2);
        await Factory.WithDbAsync(db => db.Participants.Where(p => p.StudyId == study.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.LastSeenUtc, DateTime.UtcNow.AddHours(-2)).SetProperty(p => p.ConsentedUtc, DateTime.UtcNow.AddHours(-1))));
        await SweepAsync();
        (await StateAsync(study.Id)).Status.ShouldBe(ParticipantStatus.Abandoned);
        await Factory.WithDbAsync(db => db.Participants.Where(p => p.StudyId == study.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.ConsentedUtc, DateTime.UtcNow.AddHours(-3))));

        await SweepAsync();

        (await StateAsync(study.Id)).Status.ShouldBe(ParticipantStatus.TimedOut);
        await AssertCountersConsistentAsync(study.Id);
        // Coming back: no "continue" choice, the ending.
        (await bot.GetQuestionAsync()).Response.Headers.Location!.OriginalString.ShouldEndWith("/ended");
    }

    [Fact]
    public async Task Completion_KeepsItsOwnCode_WhenTheOtherEndingsHaveTheirs()
    {
        var study = await AddProlificStudyAsync();
        var bot = await EnrolledBotAsync(study, Pid);
        await bot.WalkToEndAsync(new Random(1));

        var (_, done) = await bot.GetAsync($"/s/{study.Slug}/done");

        done.QuerySelector("#return-link")!.GetAttribute("href").ShouldBe("https://app.prolific.com/submissions/complete?cc=" + study.CompletionCode);
        // A finished participant cannot return any more, and has no link to.
        done.QuerySelector("#return-study-link").ShouldBeNull();
        (await bot.GetAsync($"/s/{study.Slug}/return")).Response.Headers.Location!.OriginalString.ShouldEndWith("/done");
    }

    private static readonly object Gate = new
    {
        max_attempts = 2,
        questions = new[] { new { prompt = "What do you judge?", options = new[] { "The colours", "Which category is shown" }, answer = "Which category is shown", feedback = "See the second paragraph." } },
    };

    private static async Task<HttpResponseMessage> GateAsync(ParticipantBot bot, string choice)
    {
        var (response, page) = await bot.GetAsync($"/s/{bot.Slug}/gate");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        return await bot.PostAsync($"/s/{bot.Slug}/gate",
        [
            new("Attempt", page.QuerySelector("input[name=Attempt]")!.GetAttribute("value")!),
            new("Choices[0]", choice),
            new("__RequestVerificationToken", ParticipantBot.Token(page)),
        ]);
    }

    [Fact]
    public async Task Gate_QuestionsRefuseUntilPassed_FeedbackAfterAWrongTry_ThenTheStudyOpens()
    {
        var study = await AddProlificStudyAsync(comprehension: Gate);
        var bot = await EnrolledBotAsync(study, Pid);
        (await bot.GetQuestionAsync()).Response.Headers.Location!.OriginalString.ShouldBe($"/s/{study.Slug}/gate");
        var (_, gatePage) = await bot.GetAsync($"/s/{study.Slug}/gate");
        gatePage.Body!.InnerHtml.ShouldNotContain("See the second paragraph.");
        // Skipping the gate by posting to the question endpoint stores nothing.
        var skip = await bot.PostAsync(bot.QuestionUrl, [new("Position", "0"), new("Choice", "0"), new("__RequestVerificationToken", ParticipantBot.Token(gatePage))]);
        skip.Headers.Location!.OriginalString.ShouldBe($"/s/{study.Slug}/gate");
        (await StateAsync(study.Id)).Answers.ShouldBe(0);

        (await GateAsync(bot, "The colours")).Headers.Location!.OriginalString.ShouldEndWith("/gate");
        var (_, again) = await bot.GetAsync($"/s/{study.Slug}/gate");
        again.QuerySelector("#gate-feedback")!.TextContent.ShouldContain("See the second paragraph.");
        (await GateAsync(bot, "Which category is shown")).Headers.Location!.OriginalString.ShouldBe($"/s/{study.Slug}/q");

        (await bot.GetQuestionAsync()).Page.ShouldNotBeNull();
        var attempts = await Factory.WithDbAsync(db => db.GateAttempts.AsNoTracking().OrderBy(a => a.Attempt).Select(a => new { a.Attempt, a.IsCorrect })
            .Where(a => true).ToListAsync());
        (await StateAsync(study.Id)).Status.ShouldBe(ParticipantStatus.Active);
        attempts.Count.ShouldBeGreaterThanOrEqualTo(2);
    }

    [Fact]
    public async Task Gate_FailedEveryTry_ScreensOut_WithTheScreenedOutCode_AndFreesTheSlots()
    {
        var study = await AddProlificStudyAsync(comprehension: Gate);
        var bot = await EnrolledBotAsync(study, Pid);

        (await GateAsync(bot, "The colours")).Headers.Location!.OriginalString.ShouldEndWith("/gate");
        (await GateAsync(bot, "The colours")).Headers.Location!.OriginalString.ShouldEndWith("/ended");

        (await StateAsync(study.Id)).Status.ShouldBe(ParticipantStatus.ScreenedOut);
        (await Factory.WithDbAsync(db => db.Stimuli.Where(s => s.StudyId == study.Id).SumAsync(s => s.AssignedCount))).ShouldBe(0);
        await AssertCountersConsistentAsync(study.Id);
        var (_, ended) = await bot.GetAsync($"/s/{study.Slug}/ended");
        ended.QuerySelector("#return-link")!.GetAttribute("href").ShouldBe("https://app.prolific.com/submissions/complete?cc=SCREENED1");
        (await bot.GetAsync($"/s/{study.Slug}/gate")).Response.Headers.Location!.OriginalString.ShouldEndWith("/ended");
    }

    [Fact]
    public async Task QualityFlags_AreRaisedFromTheAnswers_AndExportedInParticipantsCsv()
    {
        var study = await AddStudyAsync(b => new TestStudyBuilder { Slug = b.Slug, Quality = new { fast_answer_ms = 500, fast_answer_count = 2, identical_run = 3 } });
        var careless = await EnrolledBotAsync(study);
        var careful = await EnrolledBotAsync(study);
        for (var i = 0; i < 4; i++)
        {
            var (page, _) = await careless.GetQuestionAsync();
            await careless.PostAsync(careless.QuestionUrl, [.. ParticipantBot.AnswerFields(page!, page!.Options[0]), new(QualitySignals.Hidden, i == 0 ? "1" : "")]);
            (page, _) = await careful.GetQuestionAsync();
            Factory.Clock.Advance(TimeSpan.FromSeconds(2));
            await careful.PostAsync(careful.QuestionUrl, [.. ParticipantBot.AnswerFields(page!, page!.Options[i % 2]), new(QualitySignals.Trusted, "1")]);
        }

        var researcher = Factory.CreateClient();
        researcher.DefaultRequestHeaders.Add(TestResearcherAuthentication.Header, "1");
        var csv = await researcher.GetStringAsync($"/research/studies/{study.Slug}/export/participants.csv");

        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].Split(',');
        var rows = lines.Skip(1).Select(l => header.Zip(l.Split(',')).ToDictionary(x => x.First, x => x.Second)).ToList();
        rows.Count.ShouldBe(2);
        var (first, second) = (rows[0], rows[1]);
        first["flags"].ShouldBe("fast_answers;identical_run;page_hidden;scripted_input");
        first["flag_fast_answers"].ShouldBe("true");
        first["fast_answers"].ShouldBe("4");
        first["hidden_answers"].ShouldBe("1");
        first["excluded"].ShouldBe("false");
        second["flags"].ShouldBe("");
        second["flag_scripted_input"].ShouldBe("false");
        second["status"].ShouldBe(ParticipantStatus.Active);
    }

    [Fact]
    public async Task QualityFlags_DuplicateDevice_JoinsRecruiterIdsThatShareABrowser_AndNoOneElse()
    {
        var study = await AddStudyAsync();
        var baseUri = Factory.Server.BaseAddress;
        var firstBrowser = new CookieContainer();
        var first = new ParticipantBot(Factory.CreateDefaultClient(new CookieContainerHandler(firstBrowser)), study.Slug);
        (await first.EnrolAsync("?PROLIFIC_PID=dddddddddddddddddddddddd")).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var device = firstBrowser.GetCookies(baseUri)[DeviceCookie.Name].ShouldNotBeNull();
        device.HttpOnly.ShouldBeTrue();

        // The same browser profile under another recruiter id: a fresh session, the same device cookie.
        var sameBrowser = new CookieContainer();
        sameBrowser.Add(baseUri, new Cookie(DeviceCookie.Name, device.Value, "/"));
        var second = new ParticipantBot(Factory.CreateDefaultClient(new CookieContainerHandler(sameBrowser)), study.Slug);
        (await second.EnrolAsync("?PROLIFIC_PID=eeeeeeeeeeeeeeeeeeeeeeee")).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        // A stranger, and a browser that sends a forged, malformed device id (it gets a new one, joins no one).
        await EnrolledBotAsync(study, "?PROLIFIC_PID=ffffffffffffffffffffffff");
        var forgedBrowser = new CookieContainer();
        forgedBrowser.Add(baseUri, new Cookie(DeviceCookie.Name, device.Value.ToUpperInvariant(), "/"));
        var forged = new ParticipantBot(Factory.CreateDefaultClient(new CookieContainerHandler(forgedBrowser)), study.Slug);
        (await forged.EnrolAsync("?PROLIFIC_PID=gggggggggggggggggggggggg")).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        forgedBrowser.GetCookies(baseUri)[DeviceCookie.Name]!.Value.ShouldNotBe(device.Value.ToUpperInvariant());

        var rows = await ParticipantsCsvAsync(study.Slug);
        rows.Count.ShouldBe(4);
        // Rows in enrolment order; participants.csv carries no recruiter id.
        rows.Select(r => (r["flag_duplicate_device"], r["same_device_participants"])).ShouldBe([("true", "1"), ("true", "1"), ("false", "0"), ("false", "0")]);
        rows.Where(r => r["flag_duplicate_device"] == "true").ShouldAllBe(r => r["flags"] == QualityFlags.DuplicateDevice && r["excluded"] == "false");
        // The database keeps only the cookie's hash, never the id itself.
        var hashes = await Factory.WithDbAsync(db => db.Participants.AsNoTracking().Where(p => p.StudyId == study.Id).Select(p => p.DeviceHash).ToListAsync());
        hashes.ShouldNotContain(device.Value);
        hashes.ShouldContain(DeviceCookie.Hash(device.Value));
    }

    [Fact]
    public async Task QualityFlags_PastedInput_IsFlagged_AndExcludesOnlyWhereTheStudysRuleNamesIt()
    {
        foreach (var excludeScripted in new[] { false, true })
        {
            var study = await AddStudyAsync(b => new TestStudyBuilder
            {
                Slug = b.Slug,
                Exclusions = excludeScripted ? new { flags = new[] { QualityFlags.ScriptedInput } } : null,
            });
            var paster = await EnrolledBotAsync(study);
            var careful = await EnrolledBotAsync(study);
            for (var i = 0; i < 3; i++)
            {
                var (page, _) = await paster.GetQuestionAsync();
                (await paster.PostAsync(paster.QuestionUrl, [.. ParticipantBot.AnswerFields(page!, page!.Options[i % 2]), new(QualitySignals.Trusted, "1"), new(QualitySignals.Pasted, i == 1 ? "1" : "")]))
                    .StatusCode.ShouldBe(HttpStatusCode.Redirect);
                (page, _) = await careful.GetQuestionAsync();
                Factory.Clock.Advance(TimeSpan.FromSeconds(2));
                (await careful.PostAsync(careful.QuestionUrl, [.. ParticipantBot.AnswerFields(page!, page!.Options[i % 2]), new(QualitySignals.Trusted, "1")]))
                    .StatusCode.ShouldBe(HttpStatusCode.Redirect);
            }

            var rows = await ParticipantsCsvAsync(study.Slug);
            rows.Count.ShouldBe(2);
            rows[0]["flags"].ShouldContain(QualityFlags.ScriptedInput);
            rows[0]["flag_scripted_input"].ShouldBe("true");
            rows[0]["excluded"].ShouldBe(excludeScripted ? "true" : "false");
            rows[0]["exclusion_reason"].ShouldBe(excludeScripted ? QualityFlags.ScriptedInput : "");
            rows[1]["flag_scripted_input"].ShouldBe("false");
            rows[1]["excluded"].ShouldBe("false");

            using var results = System.Text.Json.JsonDocument.Parse(await Factory.ResearcherClient().GetStringAsync($"/research/studies/{study.Slug}/results.json"));
            var byFlag = results.RootElement.GetProperty("exclusions").GetProperty("by_flag");
            if (excludeScripted)
            {
                byFlag.GetProperty(QualityFlags.ScriptedInput).GetInt32().ShouldBe(1);
            }
            else
            {
                byFlag.EnumerateObject().ShouldBeEmpty();
            }
        }
    }

    private async Task<List<Dictionary<string, string>>> ParticipantsCsvAsync(string slug)
    {
        var csv = await Factory.ResearcherClient().GetStringAsync($"/research/studies/{slug}/export/participants.csv");
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].Split(',');
        return [.. lines.Skip(1).Select(l => header.Zip(l.Split(',')).ToDictionary(x => x.First, x => x.Second))];
    }

    private Task<int> SweepAsync() => Factory.WithDbAsync(async _ =>
    {
        await using var scope = Factory.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ParticipationService>().ReleaseAbandonedAsync(CancellationToken.None);
    });
}
