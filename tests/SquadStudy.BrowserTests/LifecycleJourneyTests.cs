using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using SquadStudy.Data;
using SquadStudy.Data.Entities;
using SquadStudy.Testing;

namespace SquadStudy.BrowserTests;

/// <summary>
/// The participant life cycle as a person meets it in Chromium (docs/participants.md "Life cycle"):
/// coming back later, returning the study from the footer, and failing the comprehension gate; the
/// pages on the way are checked with axe-core (no serious or critical violation).
/// </summary>
public sealed class LifecycleJourneyTests(Chromium chromium) : IClassFixture<Chromium>, IDisposable
{
    private readonly BrowserSite site = new();

    public void Dispose() => site.Dispose();

    private Task<TestStudy> AddStudyAsync(string slug, object? comprehension = null) => site.WithDbAsync(db => new TestStudyBuilder
    {
        Slug = slug, Images = 6, Redirect = "prolific", ScreenedOutCode = "SCREENED1", NoCode = "RETURNED1", Comprehension = comprehension,
    }.BuildAsync(db, new ContentStore(site.DataDirectory)));

    /// <summary>Routes Prolific's completion URL inside the test, so nothing reaches the network; returns the URLs it was asked for.</summary>
    private static async Task<List<string>> CatchProlificAsync(IPage page)
    {
        var asked = new List<string>();
        await page.RouteAsync("https://app.prolific.com/**", async route =>
        {
            asked.Add(route.Request.Url);
            await route.FulfillAsync(new() { Status = 200, ContentType = "text/html", Body = "<title>Prolific</title><p>Back on Prolific</p>" });
        });
        return asked;
    }

    private static async Task AnswerFirstOptionAsync(IPage page)
    {
        var position = await page.Locator("#question-form input[name=Position]").InputValueAsync();
        await page.GetByRole(AriaRole.Radiogroup).Locator("label").First.ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Next" }).ClickAsync();
        await Assertions.Expect(page.Locator($"#question-form input[name=Position][value='{position}']")).ToHaveCountAsync(0);
    }

    private Task<(string Status, int Answers)> StateAsync(long studyId) => site.WithDbAsync(async db =>
    {
        var p = await db.Participants.AsNoTracking().SingleAsync(p => p.StudyId == studyId);
        return (p.Status, await db.Answers.CountAsync(a => a.ParticipantId == p.Id));
    });

    /// <summary>
    /// A participant who closes the tab after two answers and opens the recruiter's link again the next
    /// day continues at the third question: same participant, nothing asked twice, nothing lost.
    /// </summary>
    [Fact]
    public async Task ReturningParticipant_OpensTheLinkAgain_AndGoesOnWhereTheyLeft()
    {
        var study = await AddStudyAsync("comeback");
        await using var context = await chromium.Browser.NewContextAsync(new() { BaseURL = site.BaseUrl });
        const string link = "/s/comeback?PROLIFIC_PID=5f0c0ffee0ddba21&STUDY_ID=study42&SESSION_ID=session21";
        var page = await context.NewPageAsync();
        await page.GotoAsync(link);
        await StudyWalk.ConsentAsync(page.Locator(":root"));
        await page.Locator("#question-prompt").WaitForAsync();
        await AnswerFirstOptionAsync(page);
        await AnswerFirstOptionAsync(page);
        var third = await page.Locator("#question-form input[name=Position]").InputValueAsync();
        await page.CloseAsync();

        var later = await context.NewPageAsync();
        await later.GotoAsync(link);
        // No second consent: the landing page sends an enrolled participant back to their question.
        await later.Locator("#question-prompt").WaitForAsync();
        (await later.Locator("#question-form input[name=Position]").InputValueAsync()).ShouldBe(third);
        (await StateAsync(study.Id)).ShouldBe((ParticipantStatus.Active, 2));

        var answered = await StudyWalk.AnswerUntilDoneAsync(later.Locator(":root"));
        await Assertions.Expect(later.Locator("#completion-code")).ToHaveTextAsync(study.CompletionCode);
        (await StateAsync(study.Id)).ShouldBe((ParticipantStatus.Completed, answered + 2));
        (await site.WithDbAsync(db => db.Participants.CountAsync(p => p.StudyId == study.Id))).ShouldBe(1);
    }

    /// <summary>
    /// "Return this study" from the footer: a confirmation page, then the Ended page with the no-code
    /// code and a link back to Prolific; the answers stay, and the study link cannot start it again.
    /// </summary>
    [Fact]
    public async Task Participant_ReturnsTheStudyFromTheFooter_EndsWithTheNoCodeCode_AndCannotGoOn()
    {
        var study = await AddStudyAsync("giveback");
        await using var context = await chromium.Browser.NewContextAsync(new() { BaseURL = site.BaseUrl });
        await Axe.AddToAsync(context);
        var page = await context.NewPageAsync();
        var prolific = await CatchProlificAsync(page);
        await page.GotoAsync("/s/giveback?PROLIFIC_PID=5f0c0ffee0ddba22&STUDY_ID=study42&SESSION_ID=session22");
        await StudyWalk.ConsentAsync(page.Locator(":root"));
        await page.Locator("#question-prompt").WaitForAsync();
        await AnswerFirstOptionAsync(page);

        await page.GetByRole(AriaRole.Link, new() { Name = "Return this study" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Return this study" })).ToBeVisibleAsync();
        await Axe.ShouldHaveNoSeriousViolationsAsync(page, "the return confirmation page");
        // Changing one's mind on the confirmation page leads back to the same question.
        await page.GetByRole(AriaRole.Link, new() { Name = "Go back to the study" }).ClickAsync();
        await page.Locator("#question-prompt").WaitForAsync();
        (await StateAsync(study.Id)).ShouldBe((ParticipantStatus.Active, 1));

        await page.GetByRole(AriaRole.Link, new() { Name = "Return this study" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Return this study" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "You have returned this study" })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#ending-code")).ToHaveTextAsync("RETURNED1");
        await Axe.ShouldHaveNoSeriousViolationsAsync(page, "the returned ending");
        (await StateAsync(study.Id)).ShouldBe((ParticipantStatus.Returned, 1));
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Return this study" })).ToHaveCountAsync(0);

        await page.GotoAsync("/s/giveback?PROLIFIC_PID=5f0c0ffee0ddba22&STUDY_ID=study42&SESSION_ID=session22");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "You have returned this study" })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Go back to the recruiter" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("^https://app\\.prolific\\.com/submissions/complete\\?cc=RETURNED1$"));
        prolific.ShouldBe(["https://app.prolific.com/submissions/complete?cc=RETURNED1"]);
        (await StateAsync(study.Id)).ShouldBe((ParticipantStatus.Returned, 1));
    }

    /// <summary>
    /// A participant who gets the practice question wrong sees the feedback, tries again, fails the
    /// last try and is ended politely with the screened-out code; no question of the study is shown.
    /// </summary>
    [Fact]
    public async Task Participant_WhoFailsTheComprehensionGate_SeesFeedback_AndIsScreenedOutPolitely()
    {
        var gate = new
        {
            max_attempts = 2,
            questions = new[] { new { prompt = "What do you judge?", options = new[] { "The colours", "Which category is shown" }, answer = "Which category is shown", feedback = "See the second paragraph." } },
        };
        var study = await AddStudyAsync("practice", gate);
        await using var context = await chromium.Browser.NewContextAsync(new() { BaseURL = site.BaseUrl });
        await Axe.AddToAsync(context);
        var page = await context.NewPageAsync();
        var prolific = await CatchProlificAsync(page);
        await page.GotoAsync("/s/practice?PROLIFIC_PID=5f0c0ffee0ddba23&STUDY_ID=study42&SESSION_ID=session23");
        await StudyWalk.ConsentAsync(page.Locator(":root"));

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Before you start: a few practice questions" })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#gate-feedback")).ToHaveCountAsync(0);
        await Axe.ShouldHaveNoSeriousViolationsAsync(page, "the comprehension gate");
        await page.GetByLabel("The colours").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Check my answers" }).ClickAsync();
        await Assertions.Expect(page.Locator("#gate-feedback")).ToContainTextAsync("See the second paragraph.");
        await Assertions.Expect(page.GetByText("This is try 2 of 2.")).ToBeVisibleAsync();
        await Axe.ShouldHaveNoSeriousViolationsAsync(page, "the comprehension gate with its feedback");

        await page.GetByLabel("The colours").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Check my answers" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Thank you for your time" })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#ending-code")).ToHaveTextAsync("SCREENED1");
        await Axe.ShouldHaveNoSeriousViolationsAsync(page, "the screened-out ending");
        await Assertions.Expect(page.Locator("#question-prompt")).ToHaveCountAsync(0);
        (await StateAsync(study.Id)).ShouldBe((ParticipantStatus.ScreenedOut, 0));
        (await site.WithDbAsync(db => db.GateAttempts.CountAsync(a => db.Participants.Any(p => p.Id == a.ParticipantId && p.StudyId == study.Id)))).ShouldBeGreaterThanOrEqualTo(2);

        // Going back does not reopen the gate or the study.
        await page.GoBackAsync();
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("#question-prompt")).ToHaveCountAsync(0);
        await page.GotoAsync("/s/practice/q");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Thank you for your time" })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Go back to the recruiter" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("^https://app\\.prolific\\.com/submissions/complete\\?cc=SCREENED1$"));
        prolific.ShouldBe(["https://app.prolific.com/submissions/complete?cc=SCREENED1"]);
    }
}
