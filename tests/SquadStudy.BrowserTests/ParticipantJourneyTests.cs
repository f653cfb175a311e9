using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using SquadStudy.Data;
using SquadStudy.Testing;

namespace SquadStudy.BrowserTests;

public sealed class ParticipantJourneyTests(Chromium chromium) : IClassFixture<Chromium>, IDisposable
{
    private readonly BrowserSite site = new();

    public void Dispose() => site.Dispose();

    [Fact]
    public async Task Participant_FromTheProlificLink_ToTheRedirect()
    {
        var study = await site.WithDbAsync(db => new TestStudyBuilder { Slug = "prolific-demo", Images = 6 }
            .BuildAsync(db, new ContentStore(site.DataDirectory)));
        await using var context = await chromium.Browser.NewContextAsync(new() { BaseURL = site.BaseUrl });
        var page = await context.NewPageAsync();
        // The last step leaves for Prolific: answer it here so the test never reaches the network.
        var prolific = new List<string>();
        await page.RouteAsync("https://app.prolific.com/**", async route =>
        {
            prolific.Add(route.Request.Url);
            await route.FulfillAsync(new() { Status = 200, ContentType = "text/html", Body = "<title>Prolific</title><p>Submission complete</p>" });
        });

        await page.GotoAsync("/s/prolific-demo?PROLIFIC_PID=5f0c0ffee0ddba11&STUDY_ID=study42&SESSION_ID=session7");
        await page.GetByLabel("I am 18 years of age or older.").CheckAsync();
        await page.GetByLabel("I have read the information above and agree to take part.").CheckAsync();
        await page.GetByLabel("I understand that I can withdraw at any time, and that my answers are then deleted.").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "I consent, start the study" }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Instructions" })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Start" }).ClickAsync();

        var answered = 0;
        while (!page.Url.Contains("/done", StringComparison.Ordinal))
        {
            answered.ShouldBeLessThan(40, "the study should end after its plan");
            var prompt = await page.Locator("#question-prompt").InnerTextAsync();
            // The options are radio buttons styled as buttons: a person clicks their labels.
            var options = page.GetByRole(AriaRole.Radiogroup).Locator("label");
            if (prompt.Contains("Neither", StringComparison.Ordinal))
            {
                await options.Filter(new() { HasText = "Neither" }).ClickAsync();
                await Assertions.Expect(page.GetByRole(AriaRole.Radio, new() { Name = "Neither" })).ToBeCheckedAsync();
            }
            else
            {
                await options.First.ClickAsync();
                await Assertions.Expect(page.GetByRole(AriaRole.Radio).First).ToBeCheckedAsync();
            }
            await page.GetByRole(AriaRole.Button, new() { Name = "Next" }).ClickAsync();
            await page.WaitForLoadStateAsync();
            answered++;
        }

        await Assertions.Expect(page.Locator("#completion-code")).ToHaveTextAsync(study.CompletionCode);
        await page.GetByRole(AriaRole.Link, new() { Name = "Return to the recruiter and finish" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("^https://app\\.prolific\\.com/submissions/complete\\?cc=" + study.CompletionCode + "$"));
        prolific.ShouldContain($"https://app.prolific.com/submissions/complete?cc={study.CompletionCode}");
        answered.ShouldBe(10);
    }
}
