using System.Text.RegularExpressions;
using Microsoft.Playwright;
using SquadStudy.Data;
using SquadStudy.Testing;

namespace SquadStudy.BrowserTests;

/// <summary>
/// The site as a deployment runs it: behind Debian's nginx terminating TLS (docs/deploy.md), and an
/// MTurk study inside the worker site's iframe, on another origin (docs/security.md).
/// </summary>
public sealed class ProxyAndFramingJourneyTests(Chromium chromium) : IClassFixture<Chromium>, IDisposable
{
    private readonly NginxProxy proxy = new();
    private BrowserSite? site;

    public void Dispose()
    {
        site?.Dispose();
        proxy.Dispose();
    }

    /// <summary>The site behind nginx; <see cref="NginxProxy.FramerUrl"/> (only) may frame MTurk studies.</summary>
    private async Task<BrowserSite> StartAsync()
    {
        site = new BrowserSite(new Dictionary<string, string> { ["Security:FramingOrigins:0"] = proxy.FramerUrl });
        await proxy.StartAsync(new Uri(site.BaseUrl));
        return site;
    }

    private Task<IBrowserContext> NewContextAsync(string baseUrl) =>
        chromium.Browser.NewContextAsync(new() { BaseURL = baseUrl, IgnoreHTTPSErrors = true });

    [Fact]
    public async Task Participant_BehindTlsProxy_SecureCookies_AndResearcherLinksUseThePublicAddress()
    {
        var running = await StartAsync();
        var study = await running.WithDbAsync(db => new TestStudyBuilder { Slug = "behind-tls", Images = 6 }.BuildAsync(db, new ContentStore(running.DataDirectory)));
        await using var context = await NewContextAsync(proxy.PublicUrl);
        var page = await context.NewPageAsync();
        await page.RouteAsync("https://app.prolific.com/**", route => route.FulfillAsync(new() { Status = 200, ContentType = "text/html", Body = "<p>Prolific</p>" }));

        await page.GotoAsync("/s/behind-tls?PROLIFIC_PID=60aabbccddeeff0011223344&STUDY_ID=s1&SESSION_ID=x1");
        await StudyWalk.ConsentAsync(page.Locator(":root"));
        (await StudyWalk.AnswerUntilDoneAsync(page.Locator(":root"))).ShouldBe(10);
        // Every redirect on the way kept the public scheme, host and port.
        page.Url.ShouldBe($"{proxy.PublicUrl}/s/behind-tls/done");
        await Assertions.Expect(page.Locator("#completion-code")).ToHaveTextAsync(study.CompletionCode);

        // The site saw plain HTTP from nginx; the forwarded scheme made every cookie Secure.
        var cookies = await context.CookiesAsync();
        cookies.ShouldContain(c => c.Name == "ss.p.behind-tls");
        cookies.ShouldAllBe(c => c.Secure);

        await page.GotoAsync("/research/login");
        await page.GetByLabel("E-mail").FillAsync(BrowserSite.Email);
        await page.GetByLabel("Password").FillAsync(BrowserSite.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync($"{proxy.PublicUrl}/research");
        await page.GotoAsync("/research/studies/behind-tls");
        await Assertions.Expect(page.GetByLabel("Prolific study URL")).ToHaveValueAsync(new Regex("^" + Regex.Escape($"{proxy.PublicUrl}/s/behind-tls?PROLIFIC_PID=")));
        (await context.CookiesAsync()).ShouldContain(c => c.Name == "squadstudy.researcher" && c.Secure && c.Path == "/research");
    }

    [Fact]
    public async Task MturkWorker_CompletesTheHit_InsideTheWorkerSitesFrame_UpToTheSubmitForm()
    {
        var running = await StartAsync();
        var study = await running.WithDbAsync(db => new TestStudyBuilder { Slug = "framed-hit", Images = 6, Redirect = "mturk" }
            .BuildAsync(db, new ContentStore(running.DataDirectory)));
        var hit = $"{proxy.PublicUrl}/s/framed-hit?assignmentId=3ASSIGNMENT0001&hitId=3HIT0001&workerId=A1WORKER0001&turkSubmitTo={Uri.EscapeDataString("https://workersandbox.mturk.com")}";
        proxy.WriteFramerPage("hit.html", $"<!doctype html><title>HIT</title><iframe id=\"hit\" src=\"{hit}\" width=\"1000\" height=\"1600\"></iframe>");
        await using var context = await NewContextAsync(proxy.FramerUrl);
        var page = await context.NewPageAsync();
        var submitted = new List<string>();
        await context.RouteAsync("https://workersandbox.mturk.com/**", async route =>
        {
            submitted.Add($"{route.Request.Method} {route.Request.Url} {route.Request.PostData}");
            await route.FulfillAsync(new() { Status = 200, ContentType = "text/html", Body = "<p>HIT submitted</p>" });
        });

        await page.GotoAsync("/hit.html");
        var frame = await (await page.WaitForSelectorAsync("#hit"))!.ContentFrameAsync() ?? throw new InvalidOperationException("The HIT's iframe has no frame.");
        var root = frame.Locator(":root");
        // Consent, the antiforgery tokens and the session all need their cookies inside the third-party
        // frame; Playwright's contexts block third-party cookies as incognito windows do, so only
        // partitioned ones get through.
        await StudyWalk.ConsentAsync(root);
        (await StudyWalk.AnswerUntilDoneAsync(root)).ShouldBe(10);
        await Assertions.Expect(root.Locator("#completion-code")).ToHaveTextAsync(study.CompletionCode);

        await root.GetByRole(AriaRole.Button, new() { Name = "Submit the HIT" }).ClickAsync();
        await Assertions.Expect(root.GetByText("HIT submitted")).ToBeVisibleAsync();
        submitted.ShouldHaveSingleItem().ShouldBe($"POST https://workersandbox.mturk.com/mturk/externalSubmit assignmentId=3ASSIGNMENT0001&completionCode={study.CompletionCode}");
        (await context.CookiesAsync(proxy.PublicUrl)).Where(c => c.Name.StartsWith("ss.", StringComparison.Ordinal))
            .ShouldAllBe(c => c.SameSite == SameSiteAttribute.None && c.Secure);
    }

    [Fact]
    public async Task OnlyTheConfiguredWorkerSite_MayFrameAStudy_AndNobodyTheResearcherPages()
    {
        var running = await StartAsync();
        await running.WithDbAsync(db => new TestStudyBuilder { Slug = "framed-only", Images = 6, Redirect = "mturk" }.BuildAsync(db, new ContentStore(running.DataDirectory)));
        var hit = $"{proxy.PublicUrl}/s/framed-only?assignmentId=3ASSIGNMENT0002&hitId=3HIT0002&workerId=A1WORKER0002&turkSubmitTo={Uri.EscapeDataString("https://workersandbox.mturk.com")}";
        proxy.WriteFramerPage("frames.html", $"<!doctype html><title>Frames</title><iframe id=\"study\" src=\"{hit}\"></iframe><iframe id=\"research\" src=\"{proxy.PublicUrl}/research/login\"></iframe>");
        await using var context = await NewContextAsync(proxy.FramerUrl);

        async Task<(bool Study, bool Research)> RenderedAsync(string origin)
        {
            var page = await context.NewPageAsync();
            await page.GotoAsync($"{origin}/frames.html", new() { WaitUntil = WaitUntilState.Load });
            async Task<bool> ShowsAsync(string id, string text)
            {
                var frame = await (await page.QuerySelectorAsync($"#{id}"))!.ContentFrameAsync();
                // A frame the browser refused to render holds its error page, which has none of the site's text.
                return frame is not null && (await frame.ContentAsync()).Contains(text, StringComparison.Ordinal);
            }
            return (await ShowsAsync("study", "I consent, start the study"), await ShowsAsync("research", "Sign in"));
        }

        (await RenderedAsync(proxy.FramerUrl)).ShouldBe((true, false));
        (await RenderedAsync(proxy.StrangerUrl)).ShouldBe((false, false));
    }
}
