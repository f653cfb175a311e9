using System.Net;
using Microsoft.EntityFrameworkCore;
using SquadStudy.Data.Entities;
using SquadStudy.Testing;
using SquadStudy.Web.Tests.Participation;

namespace SquadStudy.Web.Tests.Security;

public sealed class SqliteTakeoverTests(SquadStudyWebFactory factory) : TakeoverTests(factory), IClassFixture<SquadStudyWebFactory>;

[Trait("Database", "PostgreSQL")]
public sealed class PostgresTakeoverTests(PostgresWebFactory factory) : TakeoverTests(factory), IClassFixture<PostgresWebFactory>;

/// <summary>A recruiter id is in the study link for anyone to type: it alone must never hand over someone's session.</summary>
public abstract class TakeoverTests(SquadStudyWebFactory factory) : ParticipationTestBase(factory)
{
    private const string Query = "?PROLIFIC_PID=aaaabbbbccccdddd00001111&STUDY_ID=st&SESSION_ID=se";

    [Fact]
    public async Task SomeoneElsesProlificId_OnAnotherDevice_GetsNoSession_AndWrongCodesAreLogged()
    {
        var study = await AddStudyAsync();
        var victim = await EnrolledBotAsync(study, Query);
        var (page, _) = await victim.GetQuestionAsync();
        await victim.AnswerAsync(page!, page!.Options[0]);

        var attacker = new ParticipantBot(Factory.CreateParticipantClient(), study.Slug);
        var (landing, document) = await attacker.GetAsync($"/s/{study.Slug}{Query}");
        (landing.Headers.TryGetValues("Set-Cookie", out var set) ? set : []).ShouldNotContain(c => c.StartsWith("ss.p.", StringComparison.Ordinal));
        var action = document.QuerySelector("form[method=post]")!.GetAttribute("action")!;
        var token = ParticipantBot.Token(document);
        var wrong = await attacker.PostAsync(action, [new("ResumeCode", "ABCDE-FGHJK"), new("__RequestVerificationToken", token)]);
        // Consenting again with the id does not hand the session over either.
        var consent = await attacker.PostAsync($"/s/{study.Slug}{Query}",
            [new("Input.Adult", "true"), new("Input.Agree", "true"), new("Input.UnderstandWithdrawal", "true"), new("__RequestVerificationToken", token)]);

        landing.StatusCode.ShouldBe(HttpStatusCode.OK);
        document.QuerySelector("#resume-code").ShouldBeNull();
        wrong.StatusCode.ShouldBe(HttpStatusCode.OK);
        consent.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await attacker.Client.GetAsync(attacker.QuestionUrl)).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        // Withdrawing here means withdrawing by code: the session is not this device's.
        (await attacker.Client.GetAsync($"/s/{study.Slug}/withdraw")).Headers.Location?.OriginalString.ShouldBe("/withdraw");
        (await victim.GetQuestionAsync()).Page!.Position.ShouldBe(1);
        var attempts = await Factory.WithDbAsync(db => db.ResumeAttempts.AsNoTracking().Where(a => a.StudyId == study.Id).ToListAsync());
        attempts.Select(a => a.Outcome).ShouldBe([ResumeOutcome.WrongCode]);

        var researcher = Factory.CreateClient();
        researcher.DefaultRequestHeaders.Add(TestResearcherAuthentication.Header, "1");
        var csv = await researcher.GetStringAsync($"/research/studies/{study.Slug}/export/resume-attempts.csv");
        csv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length.ShouldBe(2);
        csv.ShouldContain(",wrong_code");
    }
}
