using System.Net;
using Microsoft.EntityFrameworkCore;
using SquadStudy.Data.Entities;
using SquadStudy.Testing;
using SquadStudy.Web.Pages.Participate;

namespace SquadStudy.Web.Tests.Participation;

public sealed class SqliteRecruiterTests(SquadStudyWebFactory factory) : RecruiterTests(factory), IClassFixture<SquadStudyWebFactory>;

[Trait("Database", "PostgreSQL")]
public sealed class PostgresRecruiterTests(PostgresWebFactory factory) : RecruiterTests(factory), IClassFixture<PostgresWebFactory>;

/// <summary>Run on SQLite and on PostgreSQL (the subclasses above).</summary>
public abstract class RecruiterTests(SquadStudyWebFactory factory) : ParticipationTestBase(factory)
{
    [Fact]
    public async Task MturkPreview_ShowsTheTask_AndEnrolsNobody()
    {
        var study = await AddStudyAsync();
        var client = Factory.CreateParticipantClient();
        var response = await client.GetAsync($"/s/{study.Slug}?assignmentId=ASSIGNMENT_ID_NOT_AVAILABLE&hitId=H1");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var document = await ParticipantBot.ParseAsync(response);
        document.Body!.TextContent.ShouldContain("You are previewing this HIT");
        document.QuerySelectorAll("form[method=post]").ShouldBeEmpty();
        (await Factory.WithDbAsync(db => db.Participants.CountAsync(p => p.StudyId == study.Id))).ShouldBe(0);
    }

    [Fact]
    public async Task Prolific_ReturningId_ResumesWhereItStopped_WithoutANewPlan()
    {
        var study = await AddStudyAsync();
        const string query = "?PROLIFIC_PID=5f0c1a2b3c4d5e6f7a8b9c0d&STUDY_ID=st&SESSION_ID=se";
        var first = await EnrolledBotAsync(study, query);
        for (var i = 0; i < 2; i++)
        {
            var (page, _) = await first.GetQuestionAsync();
            await first.AnswerAsync(page!, page!.Options[0]);
        }
        // The same person on another device: no cookie, same Prolific id, and the resume code their first device shows.
        var (_, firstPage) = await first.GetAsync(first.QuestionUrl);
        var resumeCode = firstPage.QuerySelector("#resume-code")!.TextContent;
        var second = new ParticipantBot(Factory.CreateParticipantClient(), study.Slug);
        var (landing, form) = await second.GetAsync($"/s/{study.Slug}{query}");
        landing.StatusCode.ShouldBe(HttpStatusCode.OK);
        var resume = await second.PostAsync(form.QuerySelector("form[method=post]")!.GetAttribute("action")!,
            [new("ResumeCode", resumeCode.ToLowerInvariant()), new("__RequestVerificationToken", ParticipantBot.Token(form))]);
        resume.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        resume.Headers.Location!.OriginalString.ShouldBe($"/s/{study.Slug}/q");
        (await second.GetQuestionAsync()).Page!.Position.ShouldBe(2);
        (await Factory.WithDbAsync(db => db.Participants.CountAsync(p => p.StudyId == study.Id))).ShouldBe(1);
    }

    [Fact]
    public async Task Mturk_ConcurrentConsents_OfOneWorker_EnrolOnce()
    {
        var study = await AddStudyAsync(b => new TestStudyBuilder { Slug = b.Slug, Redirect = "mturk" });
        const string query = "?workerId=W123&assignmentId=A456&hitId=H789&turkSubmitTo=https%3A%2F%2Fworkersandbox.mturk.com";
        var bots = Enumerable.Range(0, 5).Select(_ => new ParticipantBot(Factory.CreateParticipantClient(), study.Slug)).ToList();
        // Every device shows the consent form first; then all five consent at once.
        var forms = new List<AngleSharp.Html.Dom.IHtmlFormElement>();
        foreach (var bot in bots)
        {
            forms.Add(await bot.OpenConsentFormAsync(query));
        }
        var responses = await Task.WhenAll(bots.Select((b, i) => b.ConsentAsync(forms[i])));
        // Each device either got the new session or, once it existed, the resume-code form (the worker's id alone hands over nothing).
        responses.ShouldAllBe(r => r.StatusCode == HttpStatusCode.Redirect || r.StatusCode == HttpStatusCode.OK);
        responses.ShouldContain(r => r.StatusCode == HttpStatusCode.Redirect);
        bots = [.. bots.Where((_, i) => responses[i].StatusCode == HttpStatusCode.Redirect)];
        var participant = await Factory.WithDbAsync(db => db.Participants.AsNoTracking().SingleAsync(p => p.StudyId == study.Id));
        participant.Source.ShouldBe("mturk");
        participant.MturkSandbox.ShouldBeTrue();
        (await Factory.WithDbAsync(db => db.PlanItems.CountAsync(i => i.ParticipantId == participant.Id))).ShouldBe(participant.PlanLength);

        await bots[0].WalkToEndAsync(new Random(2));
        var (done, document) = await bots[0].GetAsync($"/s/{study.Slug}/done");
        done.StatusCode.ShouldBe(HttpStatusCode.OK);
        var form = document.QuerySelector("#mturk-submit")!;
        form.GetAttribute("action").ShouldBe("https://workersandbox.mturk.com/mturk/externalSubmit");
        form.QuerySelector("input[name=assignmentId]")!.GetAttribute("value").ShouldBe("A456");
        // The HIT is submitted automatically: a script file (no inline script) reads the delay from the form.
        form.GetAttribute("data-auto-submit-ms").ShouldBe((DoneModel.AutoReturnSeconds * 1000).ToString(System.Globalization.CultureInfo.InvariantCulture));
        var script = document.QuerySelectorAll("script[src]").Select(s => s.GetAttribute("src")!).Single(src => src.Contains("mturk-submit.js", StringComparison.Ordinal));
        (await bots[0].Client.GetStringAsync(script)).ShouldContain("form.submit()");
        document.QuerySelectorAll("script:not([src])").ShouldBeEmpty();
        await AssertCountersConsistentAsync(study.Id);
    }

    [Theory]
    [InlineData("PROLIFIC_PID=abc%3Cscript%3E")]
    [InlineData("PROLIFIC_PID=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    [InlineData("workerId=W1")]
    [InlineData("PROLIFIC_PID=a&PROLIFIC_PID=b")]
    [InlineData("PROLIFIC_PID=a&workerId=b&assignmentId=c")]
    public async Task InvalidRecruiterParameters_ShowAClearError_AndEnrolNobody(string query)
    {
        var study = await AddStudyAsync();
        var client = Factory.CreateParticipantClient();
        var response = await client.GetAsync($"/s/{study.Slug}?{query}");
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await ParticipantBot.ParseAsync(response)).Body!.TextContent.ShouldContain("This study link is not valid");
        (await Factory.WithDbAsync(db => db.Participants.CountAsync(p => p.StudyId == study.Id))).ShouldBe(0);
    }

    [Fact]
    public async Task Redirect_ToUrl_AndNone()
    {
        var withUrl = await AddStudyAsync(b => new TestStudyBuilder { Slug = b.Slug, Redirect = "https://example.org/thanks", DiscriminationQuestions = 1, TrustQuestions = 0, ComparisonQuestions = 0, AttentionChecks = [] });
        var bot = await EnrolledBotAsync(withUrl);
        await bot.WalkToEndAsync(new Random(1));
        var done = (await bot.GetAsync($"/s/{withUrl.Slug}/done")).Document;
        done.QuerySelector("#return-link")!.GetAttribute("href").ShouldBe("https://example.org/thanks");
        // The timed return is a script the participant can stop ("Stay on this page"), not a meta refresh (WCAG 2.2.1).
        done.QuerySelector("meta[http-equiv=refresh]").ShouldBeNull();
        done.QuerySelector("#return-link")!.GetAttribute("data-auto-return-ms").ShouldBe((DoneModel.AutoReturnSeconds * 1000).ToString(System.Globalization.CultureInfo.InvariantCulture));
        done.QuerySelector("#stay-here").ShouldNotBeNull();
        done.QuerySelectorAll("script[src]").Select(s => s.GetAttribute("src")!).ShouldContain(src => src.StartsWith("/js/auto-return.js", StringComparison.Ordinal));

        var none = await AddStudyAsync(b => new TestStudyBuilder { Slug = b.Slug, Redirect = null, DiscriminationQuestions = 1, TrustQuestions = 0, ComparisonQuestions = 0, AttentionChecks = [] });
        var other = await EnrolledBotAsync(none);
        await other.WalkToEndAsync(new Random(1));
        var document = (await other.GetAsync($"/s/{none.Slug}/done")).Document;
        document.QuerySelector("#return-link").ShouldBeNull();
        document.QuerySelector("#completion-code")!.TextContent.ShouldBe(none.CompletionCode);
    }

    [Fact]
    public async Task Direct_ReturningBrowser_ResumesByCookie()
    {
        var study = await AddStudyAsync();
        var bot = await EnrolledBotAsync(study);
        var (page, _) = await bot.GetQuestionAsync();
        await bot.AnswerAsync(page!, page!.Options[0]);
        var again = await bot.Client.GetAsync($"/s/{study.Slug}");
        again.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        again.Headers.Location!.OriginalString.ShouldBe($"/s/{study.Slug}/q");
        (await Factory.WithDbAsync(db => db.Participants.CountAsync(p => p.StudyId == study.Id && p.Source == "direct"))).ShouldBe(1);
    }
}
