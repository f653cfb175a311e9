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

    /// <summary>
    /// A German participant: the recruiter's link carries <c>lang=de</c> (the browser asks for
    /// English), and every later page, none of which has the parameter, stays German.
    /// </summary>
    [Fact]
    public async Task GermanParticipant_ByTheLinksLang_ReadsGermanPagesThroughTheStudy()
    {
        await site.WithDbAsync(db => new TestStudyBuilder { Slug = "deutsch", Images = 6 }.BuildAsync(db, new ContentStore(site.DataDirectory)));
        await using var context = await chromium.Browser.NewContextAsync(new() { BaseURL = site.BaseUrl, Locale = "en-GB" });
        var page = await context.NewPageAsync();

        await page.GotoAsync("/s/deutsch?PROLIFIC_PID=5f0c0ffee0ddba14&STUDY_ID=study42&SESSION_ID=session10&lang=de");
        await Assertions.Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "de");
        await page.GetByLabel("Ich bin 18 Jahre oder älter.").CheckAsync();
        await page.GetByLabel("Ich habe die obigen Informationen gelesen und bin mit der Teilnahme einverstanden.").CheckAsync();
        await page.GetByLabel("Ich habe verstanden, dass ich jederzeit widerrufen kann und meine Antworten dann gelöscht werden.").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Ich willige ein, Studie beginnen" }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Anleitung" })).ToBeVisibleAsync();
        page.Url.ShouldNotContain("lang=");
        await Assertions.Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "de");
        await page.GetByRole(AriaRole.Link, new() { Name = "Beginnen" }).ClickAsync();

        await page.Locator("#question-prompt").WaitForAsync();
        await Assertions.Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "de");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Weiter" })).ToBeVisibleAsync();
    }
}
