using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using SquadStudy.Data;
using SquadStudy.Testing;

namespace SquadStudy.BrowserTests;

/// <summary>One participant, in a real browser, from the Prolific link to the redirect back to Prolific.</summary>
public sealed class ParticipantJourneyTests(Chromium chromium) : IClassFixture<Chromium>, IDisposable
{
    private readonly BrowserSite site = new();

    public void Dispose() => site.Dispose();

    [Fact]
    public async Task Participant_FromProlificLink_AnswersEveryQuestion_AndIsSentBackToProlific()
    {
        var builder = new TestStudyBuilder { Slug = "walk" };
        var study = await site.WithDbAsync(db => builder.BuildAsync(db, site.Services.GetRequiredService<ContentStore>()));
        await using var context = await chromium.Browser.NewContextAsync(new() { BaseURL = site.BaseUrl });
        // The last page sends the participant to Prolific; the test stops the request there.
        string? recruiterUrl = null;
        await context.RouteAsync("https://app.prolific.com/**", async route =>
        {
            recruiterUrl = route.Request.Url;
            await route.FulfillAsync(new() { Status = 200, ContentType = "text/html", Body = "<title>Prolific</title>" });
        });
        var page = await context.NewPageAsync();

        await page.GotoAsync("/s/walk?PROLIFIC_PID=pid-browser-1&STUDY_ID=st-1&SESSION_ID=se-1");
        await page.GetByLabel("I am 18 years of age or older.").CheckAsync();
        await page.GetByLabel("I have read the information above and agree to take part.").CheckAsync();
        await page.GetByLabel("I understand that I can withdraw at any time, and that my answers are then deleted.").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "I consent, start the study" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Instructions" })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Start" }).ClickAsync();

        var answered = 0;
        while (!page.Url.Contains("/done", StringComparison.Ordinal))
        {
            answered.ShouldBeLessThan(50, "the plan should end");
            var progress = page.GetByRole(AriaRole.Progressbar, new() { Name = "Progress" });
            await Assertions.Expect(progress).ToHaveAttributeAsync("aria-valuenow", answered.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var question = page.GetByRole(AriaRole.Group).First;
            var prompt = await question.InnerTextAsync();
            // Options are Bootstrap toggle buttons: a person clicks the visible label, the radio behind it is hidden.
            var labels = question.Locator("label");
            var option = prompt.Contains("\"Neither\"", StringComparison.Ordinal)
                ? labels.Filter(new() { HasText = "Neither" })
                : labels.First;
            await option.ClickAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Radio, new() { Checked = true })).ToHaveCountAsync(1);
            await page.GetByRole(AriaRole.Button, new() { Name = "Next" }).ClickAsync();
            answered++;
        }

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Thank you!" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText(study.CompletionCode, new() { Exact = true })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Return to the recruiter and finish" }).ClickAsync();
        await Assertions.Expect(page).ToHaveTitleAsync("Prolific");
        recruiterUrl.ShouldBe($"https://app.prolific.com/submissions/complete?cc={study.CompletionCode}");

        var stored = await site.WithDbAsync(async db =>
        {
            var participant = await db.Participants.SingleAsync(p => p.StudyId == study.Id && p.ProlificPid == "pid-browser-1");
            return (participant.PlanLength, participant.ProlificStudyId, Answers: await db.Answers.CountAsync(a => a.ParticipantId == participant.Id));
        });
        stored.Answers.ShouldBe(answered);
        stored.PlanLength.ShouldBe(answered);
        stored.ProlificStudyId.ShouldBe("st-1");
    }
}
