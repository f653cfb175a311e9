using System.Text.RegularExpressions;
using Microsoft.Playwright;
using SquadStudy.Data;
using SquadStudy.Testing;

namespace SquadStudy.BrowserTests;

/// <summary>
/// The participant pages against the automated WCAG check (axe-core: no serious or critical
/// violation), done by keyboard alone, and with text alternatives that do not give the answer away.
/// </summary>
public sealed class AccessibilityTests(Chromium chromium) : IClassFixture<Chromium>, IDisposable
{
    private readonly BrowserSite site = new();

    public void Dispose() => site.Dispose();

    private async Task<(TestStudy Study, IBrowserContext Context, IPage Page)> StartAsync(string slug, string? acceptLanguage = null)
    {
        var study = await site.WithDbAsync(db => new TestStudyBuilder { Slug = slug, Images = 6 }.BuildAsync(db, new ContentStore(site.DataDirectory)));
        var context = await chromium.Browser.NewContextAsync(new() { BaseURL = site.BaseUrl, Locale = acceptLanguage ?? "en-GB" });
        await Axe.AddToAsync(context);
        // The completion page's link leaves for Prolific: answer it here so the test never reaches the network.
        await context.RouteAsync("https://app.prolific.com/**", route => route.FulfillAsync(new() { Status = 200, ContentType = "text/html", Body = "<title>Prolific</title>" }));
        return (study, context, await context.NewPageAsync());
    }

    [Theory]
    [InlineData("en-GB")]
    [InlineData("de-DE")]
    public async Task ParticipantPages_HaveNoSeriousOrCriticalAxeViolations(string locale)
    {
        var (_, context, page) = await StartAsync("axe", locale);
        await using var _ = context;

        await page.GotoAsync("/s/axe?PROLIFIC_PID=5f0c0ffee0ddba11&STUDY_ID=study42&SESSION_ID=session7");
        await Axe.ShouldHaveNoSeriousViolationsAsync(page, "the consent page");
        // The consent form after a refused submission, with its validation messages.
        await page.Locator("form button[type=submit].btn-primary").Last.ClickAsync();
        await Assertions.Expect(page.Locator(".field-validation-error, .validation-summary-errors").First).ToBeVisibleAsync();
        await Axe.ShouldHaveNoSeriousViolationsAsync(page, "the consent page with its errors");

        await page.Locator("input[type=checkbox]").First.WaitForAsync();
        foreach (var box in await page.Locator("form input[type=checkbox]").AllAsync())
        {
            await box.CheckAsync();
        }
        await page.Locator("form button[type=submit].btn-primary").Last.ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/s/axe/instructions"));
        await Axe.ShouldHaveNoSeriousViolationsAsync(page, "the instructions");

        await page.GotoAsync("/withdraw");
        await Axe.ShouldHaveNoSeriousViolationsAsync(page, "the withdrawal page");
    }

    [Fact]
    public async Task DeclinedPage_HasNoSeriousOrCriticalAxeViolations()
    {
        var (_, context, page) = await StartAsync("axe-declined");
        await using var _ = context;
        await page.GotoAsync("/s/axe-declined?PROLIFIC_PID=5f0c0ffee0ddba12&STUDY_ID=study42&SESSION_ID=session8");
        await page.GetByRole(AriaRole.Button, new() { Name = "I do not wish to take part" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/s/axe-declined/declined"));
        await Axe.ShouldHaveNoSeriousViolationsAsync(page, "the declined page");
    }

    /// <summary>Presses Tab until the focused element matches <paramref name="selector"/>; fails when it is not reachable.</summary>
    private static async Task TabToAsync(IPage page, string selector)
    {
        for (var presses = 0; presses < 60; presses++)
        {
            await page.Keyboard.PressAsync("Tab");
            if (await page.EvaluateAsync<bool>("s => document.activeElement?.matches(s) ?? false", selector))
            {
                return;
            }
        }
        throw new ShouldAssertException($"'{selector}' is not reachable by Tab on {page.Url}");
    }

    /// <summary>
    /// A participant who uses no mouse: Tab, Space, the arrow keys and Enter from the recruiter's
    /// link to the completion code. Every question page is checked with axe-core on the way, and
    /// every image's text alternative is read: none names one of the study's classes (which would
    /// give the discrimination answer away).
    /// </summary>
    [Fact]
    public async Task KeyboardOnlyParticipant_CompletesTheStudy_AndNoImageAltNamesAClass()
    {
        var (study, context, page) = await StartAsync("keyboard");
        await using var _ = context;
        await page.GotoAsync("/s/keyboard?PROLIFIC_PID=5f0c0ffee0ddba13&STUDY_ID=study42&SESSION_ID=session9");

        foreach (var label in new[] { "I am 18 years of age or older.", "I have read the information above and agree to take part.",
            "I understand that I can withdraw at any time, and that my answers are then deleted." })
        {
            var id = await page.GetByLabel(label).GetAttributeAsync("id");
            await TabToAsync(page, $"#{id}");
            await page.Keyboard.PressAsync("Space");
            await Assertions.Expect(page.GetByLabel(label)).ToBeCheckedAsync();
        }
        await TabToAsync(page, "button.btn-primary");
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Instructions" })).ToBeVisibleAsync();
        await TabToAsync(page, "a.btn-primary, a.btn");
        (await page.EvaluateAsync<string>("() => document.activeElement.textContent.trim()")).ShouldBe("Start");
        await page.Keyboard.PressAsync("Enter");

        var alts = new List<string>();
        var answered = 0;
        while (true)
        {
            await page.Locator("#question-prompt, #completion-code").First.WaitForAsync();
            if (await page.Locator("#completion-code").CountAsync() > 0)
            {
                break;
            }
            answered.ShouldBeLessThan(40, "the study should end after its plan");
            await Axe.ShouldHaveNoSeriousViolationsAsync(page, $"question {answered + 1}");
            foreach (var image in await page.Locator("#question-form img").AllAsync())
            {
                var alt = await image.GetAttributeAsync("alt");
                alt.ShouldNotBeNullOrWhiteSpace("every question image has a text alternative");
                alts.Add(alt);
            }
            var prompt = await page.Locator("#question-prompt").InnerTextAsync();
            var position = await page.Locator("#question-form input[name=Position]").InputValueAsync();

            // Into the radio group: the first option has the focus; Space chooses it, the arrows move and choose.
            await TabToAsync(page, "#question-form input[type=radio]");
            await page.Keyboard.PressAsync("Space");
            if (prompt.Contains("Neither", StringComparison.Ordinal))
            {
                for (var presses = 0; presses < 10 && !await page.GetByRole(AriaRole.Radio, new() { Name = "Neither" }).IsCheckedAsync(); presses++)
                {
                    await page.Keyboard.PressAsync("ArrowRight");
                }
                await Assertions.Expect(page.GetByRole(AriaRole.Radio, new() { Name = "Neither" })).ToBeCheckedAsync();
            }
            else
            {
                await Assertions.Expect(page.Locator("#question-form input[type=radio]:checked")).ToHaveCountAsync(1);
            }
            await TabToAsync(page, "#question-form button[type=submit]");
            await page.Keyboard.PressAsync("Enter");
            await Assertions.Expect(page.Locator($"#question-form input[name=Position][value='{position}']")).ToHaveCountAsync(0);
            answered++;
        }

        await Assertions.Expect(page.Locator("#completion-code")).ToHaveTextAsync(study.CompletionCode);
        await Axe.ShouldHaveNoSeriousViolationsAsync(page, "the completion page");
        answered.ShouldBe(10);
        alts.ShouldNotBeEmpty();
        foreach (var alt in alts)
        {
            foreach (var name in study.ClassNames)
            {
                Regex.IsMatch(alt, $@"\b{Regex.Escape(name)}\b", RegexOptions.IgnoreCase).ShouldBeFalse($"the alt text '{alt}' names the class '{name}'");
            }
        }
    }
}
