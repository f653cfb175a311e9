using System.Net;
using Microsoft.EntityFrameworkCore;
using SquadStudy.Data.Entities;
using SquadStudy.Testing;
using SquadStudy.Web.Participation;

namespace SquadStudy.Web.Tests.Participation;

public sealed class SqliteFlowTests(SquadStudyWebFactory factory) : FlowTests(factory), IClassFixture<SquadStudyWebFactory>;

[Trait("Database", "PostgreSQL")]
public sealed class PostgresFlowTests(PostgresWebFactory factory) : FlowTests(factory), IClassFixture<PostgresWebFactory>;

/// <summary>Run on SQLite and on PostgreSQL (the subclasses above).</summary>
public abstract class FlowTests(SquadStudyWebFactory factory) : ParticipationTestBase(factory)
{
    [Fact]
    public async Task Landing_RendersConsentMarkdown_WithRawHtmlEscaped()
    {
        var study = await AddStudyAsync();
        var bot = new ParticipantBot(Factory.CreateParticipantClient(), study.Slug);
        var (response, document) = await bot.GetAsync($"/s/{study.Slug}");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        document.QuerySelector("main h1 + section strong, section strong")!.TextContent.ShouldBe("explanations");
        document.QuerySelectorAll("main script").ShouldBeEmpty();
        document.Body!.TextContent.ShouldContain("<script>alert('x')</script>");
        document.QuerySelectorAll("input[type=checkbox]").Length.ShouldBe(3);
    }

    [Fact]
    public async Task Consent_WithoutCheckboxes_Returns200WithErrors_AndEnrolsNobody()
    {
        var study = await AddStudyAsync();
        var bot = new ParticipantBot(Factory.CreateParticipantClient(), study.Slug);
        var (_, document) = await bot.GetAsync($"/s/{study.Slug}");
        var response = await bot.PostAsync($"/s/{study.Slug}", [new("Input.Adult", "true"), new("__RequestVerificationToken", ParticipantBot.Token(document))]);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var body = (await ParticipantBot.ParseAsync(response)).Body!.TextContent;
        body.ShouldContain("Please confirm that you have read and agree");
        body.ShouldContain("Please confirm that you understand you can withdraw");
        (await Factory.WithDbAsync(db => db.Participants.CountAsync(p => p.StudyId == study.Id))).ShouldBe(0);
    }

    [Fact]
    public async Task Decline_CountsTheDecline_AndStoresNothingElse()
    {
        var study = await AddStudyAsync();
        var bot = new ParticipantBot(Factory.CreateParticipantClient(), study.Slug);
        var (_, document) = await bot.GetAsync($"/s/{study.Slug}?PROLIFIC_PID=abc123");
        var response = await bot.PostAsync($"/s/{study.Slug}?handler=Decline", [new("__RequestVerificationToken", ParticipantBot.Token(document))]);
        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        response.Headers.Location!.OriginalString.ShouldBe($"/s/{study.Slug}/declined");
        response.Headers.Contains("Set-Cookie").ShouldBeFalse();
        var (declines, participants) = await Factory.WithDbAsync(async db =>
            (await db.Studies.Where(s => s.Id == study.Id).Select(s => s.DeclineCount).SingleAsync(),
             await db.Participants.CountAsync(p => p.StudyId == study.Id)));
        declines.ShouldBe(1);
        participants.ShouldBe(0);
    }

    [Fact]
    public async Task FullWalk_AllExperimentTypes_StoresEveryAnswerOnce_AndShowsCodes()
    {
        // A study without instructions of its own: the built-in ones show a worked example per question type.
        var study = await AddStudyAsync(b => new TestStudyBuilder { Slug = b.Slug, InstructionsMarkdown = null });
        var bot = await EnrolledBotAsync(study, "?PROLIFIC_PID=pid-1&STUDY_ID=s1&SESSION_ID=x.y");
        var (instructions, document) = await bot.GetAsync($"/s/{study.Slug}/instructions");
        instructions.StatusCode.ShouldBe(HttpStatusCode.OK);
        document.QuerySelectorAll("section.card h2").Select(h => h.TextContent).ShouldBe(
            ["Which category is shown?", "Which model seems more reliable?", "Which explanation is better?"]);

        var prompts = new List<string>();
        var random = new Random(1);
        while (true)
        {
            var (page, response) = await bot.GetQuestionAsync();
            if (page is null)
            {
                response.Headers.Location!.OriginalString.ShouldBe($"/s/{study.Slug}/done");
                break;
            }
            prompts.Add(page.Prompt);
            page.Document.QuerySelector("[role=progressbar]")!.GetAttribute("aria-valuenow").ShouldBe(page.Position.ToString(System.Globalization.CultureInfo.InvariantCulture));
            foreach (var url in page.ImageUrls)
            {
                url.ShouldMatch("^/media/[0-9a-f]{64}\\.png$");
            }
            (await bot.AnswerAsync(page, page.Options[random.Next(page.Options.Count)])).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        }
        // 4 discrimination, then the attention check after 3 real questions, 3 trust, 2 comparison.
        prompts.Count.ShouldBe(10);
        prompts.Count(p => p == Questions.DiscriminationPrompt).ShouldBe(4);
        prompts.Count(p => p == Questions.TrustPrompt).ShouldBe(3);
        prompts.Count(p => p == Questions.ComparisonPrompt).ShouldBe(2);
        prompts[3].ShouldStartWith("To show you are reading");

        var (done, doneDocument) = await bot.GetAsync($"/s/{study.Slug}/done");
        done.StatusCode.ShouldBe(HttpStatusCode.OK);
        doneDocument.QuerySelector("#completion-code")!.TextContent.ShouldBe(study.CompletionCode);
        doneDocument.QuerySelector("#return-link")!.GetAttribute("href").ShouldBe($"https://app.prolific.com/submissions/complete?cc={study.CompletionCode}");
        var withdrawalCode = doneDocument.QuerySelector("#withdrawal-code")!.TextContent;

        var participant = await Factory.WithDbAsync(db => db.Participants.Include(p => p.Answers).SingleAsync(p => p.StudyId == study.Id));
        participant.Status.ShouldBe(ParticipantStatus.Completed);
        participant.ProlificPid.ShouldBe("pid-1");
        participant.ProlificSessionId.ShouldBe("x.y");
        participant.Answers.Select(a => a.Position).Order().ShouldBe(Enumerable.Range(0, 10));
        Secrets.FormatWithdrawalCode(participant.WithdrawalCode).ShouldBe(withdrawalCode);
        await AssertCountersConsistentAsync(study.Id);
    }

    [Theory]
    [InlineData("# Instructions\n\nName the **largest** shape.", 0)]
    [InlineData("Name the **largest** shape.", 1)]
    public async Task Instructions_OfThePack_AreShownOnce_WithoutTheBuiltInExamples(string markdown, int headingsAdded)
    {
        var study = await AddStudyAsync(b => new TestStudyBuilder { Slug = b.Slug, InstructionsMarkdown = markdown });
        var bot = await EnrolledBotAsync(study);

        var (response, document) = await bot.GetAsync($"/s/{study.Slug}/instructions");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var main = document.QuerySelector("main")!;
        main.QuerySelectorAll("h1").Select(h => h.TextContent).ShouldBe(["Instructions"]);
        main.QuerySelectorAll(".study-instructions h1").Length.ShouldBe(1 - headingsAdded);
        main.QuerySelector(".study-instructions strong")!.TextContent.ShouldBe("largest");
        main.QuerySelectorAll("section.card").ShouldBeEmpty();
        main.TextContent.ShouldNotContain("bicycle");
        main.TextContent.ShouldNotContain("dog");
    }

    [Fact]
    public async Task Reload_ShowsTheSameQuestion_AndWritesNothing()
    {
        var study = await AddStudyAsync();
        var bot = await EnrolledBotAsync(study);
        Task<string> StoredAsync() => Factory.WithDbAsync(async db => System.Text.Json.JsonSerializer.Serialize(
            await db.Participants.AsNoTracking().Where(p => p.StudyId == study.Id).Select(p => new { p.LastSeenUtc, p.CurrentPosition, p.Status }).SingleAsync()));
        var before = await StoredAsync();
        var (first, _) = await bot.GetQuestionAsync();
        Factory.Clock.Advance(TimeSpan.FromSeconds(5));
        var (second, _) = await bot.GetQuestionAsync();
        second!.Position.ShouldBe(first!.Position);
        second.Options.ShouldBe(first.Options);
        second.ImageUrls.ShouldBe(first.ImageUrls);
        // A GET changes no state: the time it was shown is in the page's form, not in the database.
        (await StoredAsync()).ShouldBe(before);
        second.ShownStamp.ShouldNotBe(first.ShownStamp);
    }

    [Fact]
    public async Task Answer_ResponseTime_IsServerMeasuredFromThePageItWasGivenOn()
    {
        var study = await AddStudyAsync();
        var bot = await EnrolledBotAsync(study);
        var (page, _) = await bot.GetQuestionAsync();
        Factory.Clock.Advance(TimeSpan.FromMilliseconds(300));
        // A reload in between (another tab, the back button): the form answered was shown first.
        (await bot.GetQuestionAsync()).Page.ShouldNotBeNull();
        Factory.Clock.Advance(TimeSpan.FromMilliseconds(500));
        (await bot.AnswerAsync(page!, page!.Options[0])).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var answer = await Factory.WithDbAsync(db => db.Answers.SingleAsync(a => db.Participants.Any(p => p.Id == a.ParticipantId && p.StudyId == study.Id)));
        answer.ResponseMs.ShouldBeInRange(800, 60_000);
        (answer.AnsweredUtc - answer.ShownUtc).TotalMilliseconds.ShouldBe(answer.ResponseMs, 1.0);
    }

    [Fact]
    public async Task Instructions_WithoutEnrolment_RedirectToTheStudyLink()
    {
        var study = await AddStudyAsync();
        var client = Factory.CreateParticipantClient();
        var response = await client.GetAsync($"/s/{study.Slug}/q");
        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        response.Headers.Location!.OriginalString.ShouldBe($"/s/{study.Slug}");
    }

    [Fact]
    public async Task UnknownStudy_Returns404WithMessage()
    {
        var client = Factory.CreateParticipantClient();
        var response = await client.GetAsync("/s/no-such-study");
        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await response.Content.ReadAsStringAsync()).ShouldContain("There is no study at this address");
    }

    [Theory]
    [InlineData(StudyStatus.Closed, "This study is closed")]
    [InlineData(StudyStatus.Draft, "This study has not opened yet")]
    public async Task NotOpenStudy_ShowsMessage_AndDoesNotEnrol(string status, string message)
    {
        var study = await AddStudyAsync(b => new TestStudyBuilder { Slug = b.Slug, Status = status });
        var client = Factory.CreateParticipantClient();
        var response = await client.GetAsync($"/s/{study.Slug}");
        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await response.Content.ReadAsStringAsync()).ShouldContain(message);
        (await Factory.WithDbAsync(db => db.Participants.CountAsync(p => p.StudyId == study.Id))).ShouldBe(0);
    }
}
