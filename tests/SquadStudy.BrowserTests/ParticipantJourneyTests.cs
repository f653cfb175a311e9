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
        await StudyWalk.ConsentAsync(page.Locator(":root"));
        var answered = await StudyWalk.AnswerUntilDoneAsync(page.Locator(":root"));

        await Assertions.Expect(page.Locator("#completion-code")).ToHaveTextAsync(study.CompletionCode);
        await page.GetByRole(AriaRole.Link, new() { Name = "Return to the recruiter and finish" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("^https://app\\.prolific\\.com/submissions/complete\\?cc=" + study.CompletionCode + "$"));
        prolific.ShouldContain($"https://app.prolific.com/submissions/complete?cc={study.CompletionCode}");
        answered.ShouldBe(10);
    }
}
