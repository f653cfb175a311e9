using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using SquadStudy.Data;
using SquadStudy.Data.Entities;
using SquadStudy.Testing;

namespace SquadStudy.BrowserTests;

/// <summary>
/// A forward-simulation study with a confidence scale (docs/participants.md "Confidence", docs/study-pack.md
/// "Forward simulation") as a participant meets it in Chromium: the instructions say whose answer is asked, every
/// question has the photo, the explanation and the scale in one form, the browser will not send an answer without
/// a confidence level, the pages pass axe-core, and what was clicked is what is stored.
/// </summary>
public sealed class SimulationJourneyTests(Chromium chromium) : IClassFixture<Chromium>, IDisposable
{
    private readonly BrowserSite site = new();

    public void Dispose() => site.Dispose();

    [Fact]
    public async Task SimulationParticipant_PredictsTheModel_WithAConfidenceLevel_StoredAsChosen()
    {
        var study = await site.WithDbAsync(db => new TestStudyBuilder
        {
            Slug = "simulate", Images = 6, DiscriminationQuestions = 0, TrustQuestions = 0, ComparisonQuestions = 0,
            SimulationQuestions = 4, SimulationMethods = ["gradcam", "squadcam"], SimulationConfidence = new { levels = 4 },
            AttentionChecks = [], InstructionsMarkdown = null,
        }.BuildAsync(db, new ContentStore(site.DataDirectory)));
        await using var context = await chromium.Browser.NewContextAsync(new() { BaseURL = site.BaseUrl });
        await Axe.AddToAsync(context);
        await context.RouteAsync("https://app.prolific.com/**", route => route.FulfillAsync(new() { Status = 200, ContentType = "text/html", Body = "<title>Prolific</title>" }));
        var page = await context.NewPageAsync();

        await page.GotoAsync("/s/simulate?PROLIFIC_PID=5f0c0ffee0ddba31&STUDY_ID=study42&SESSION_ID=session31");
        await page.GetByLabel("I am 18 years of age or older.").CheckAsync();
        await page.GetByLabel("I have read the information above and agree to take part.").CheckAsync();
        await page.GetByLabel("I understand that I can withdraw at any time, and that my answers are then deleted.").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "I consent, start the study" }).ClickAsync();
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync("you are asked for the model's answer, not for what the photo really shows");
        await Axe.ShouldHaveNoSeriousViolationsAsync(page, "the simulation instructions");
        await page.GetByRole(AriaRole.Link, new() { Name = "Start" }).ClickAsync();

        var chosen = new List<(int Position, int Confidence)>();
        for (var question = 0; question < 4; question++)
        {
            await Assertions.Expect(page.Locator("#question-prompt")).ToHaveTextAsync("Which of the two categories did the model answer for this photo?");
            var position = int.Parse(await page.Locator("#question-form input[name=Position]").InputValueAsync(), System.Globalization.CultureInfo.InvariantCulture);
            await Assertions.Expect(page.Locator("figcaption")).ToHaveTextAsync(["Photo", "Explanation"]);
            var scale = page.GetByRole(AriaRole.Radiogroup, new() { Name = "How confident are you in your answer?" });
            await Assertions.Expect(scale.GetByRole(AriaRole.Radio)).ToHaveCountAsync(4);
            if (question == 0)
            {
                await Axe.ShouldHaveNoSeriousViolationsAsync(page, "a simulation question with its confidence scale");
                // An answer without a confidence level: the browser keeps the form (the level is required) and sends nothing.
                await page.GetByRole(AriaRole.Radiogroup, new() { Name = "Which of the two categories did the model answer for this photo?" })
                    .Locator("label").First.ClickAsync();
                await page.GetByRole(AriaRole.Button, new() { Name = "Next" }).ClickAsync();
                await Assertions.Expect(page.Locator($"#question-form input[name=Position][value='{position}']")).ToHaveCountAsync(1);
                (await site.WithDbAsync(db => db.Answers.CountAsync())).ShouldBe(0);
            }
            else
            {
                await page.GetByRole(AriaRole.Radiogroup, new() { Name = "Which of the two categories did the model answer for this photo?" })
                    .Locator("label").Nth(question % 2).ClickAsync();
            }
            var level = question % 4 + 1;
            await scale.Locator("label").Nth(level - 1).ClickAsync();
            await Assertions.Expect(scale.GetByRole(AriaRole.Radio).Nth(level - 1)).ToBeCheckedAsync();
            await page.GetByRole(AriaRole.Button, new() { Name = "Next" }).ClickAsync();
            await Assertions.Expect(page.Locator($"#question-form input[name=Position][value='{position}']")).ToHaveCountAsync(0);
            chosen.Add((position, level));
        }
        await Assertions.Expect(page.Locator("#completion-code")).ToHaveTextAsync(study.CompletionCode);

        var stored = await site.WithDbAsync(db => db.Answers.AsNoTracking().OrderBy(a => a.Position).Select(a => new { a.Position, a.Confidence }).ToListAsync());
        stored.Select(a => (a.Position, a.Confidence ?? 0)).ShouldBe(chosen);
        var kinds = await site.WithDbAsync(db => db.Answers.AsNoTracking().Join(db.Stimuli, a => a.StimulusId, s => s.Id, (a, s) => s.Experiment).Distinct().ToListAsync());
        kinds.ShouldBe([ExperimentKind.Simulation]);
    }
}
