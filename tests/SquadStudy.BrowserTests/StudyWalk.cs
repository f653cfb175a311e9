using Microsoft.Playwright;

namespace SquadStudy.BrowserTests;

/// <summary>
/// A participant's way through a synthetic study (TestStudyBuilder's defaults) as a person does it,
/// in a page or in a frame: <paramref name="root"/> is the document's root element, wherever it is.
/// </summary>
public static class StudyWalk
{
    public static async Task ConsentAsync(ILocator root)
    {
        await root.GetByLabel("I am 18 years of age or older.").CheckAsync();
        await root.GetByLabel("I have read the information above and agree to take part.").CheckAsync();
        await root.GetByLabel("I understand that I can withdraw at any time, and that my answers are then deleted.").CheckAsync();
        await root.GetByRole(AriaRole.Button, new() { Name = "I consent, start the study" }).ClickAsync();
        await Assertions.Expect(root.GetByRole(AriaRole.Heading, new() { Name = "Instructions" })).ToBeVisibleAsync();
        await root.GetByRole(AriaRole.Link, new() { Name = "Start" }).ClickAsync();
    }

    /// <summary>Answers every question (the attention checks as instructed) until the completion page; returns how many.</summary>
    public static async Task<int> AnswerUntilDoneAsync(ILocator root)
    {
        var answered = 0;
        var completion = root.Locator("#completion-code");
        while (true)
        {
            // A question or the completion page, whichever the last answer led to.
            await root.Locator("#question-prompt, #completion-code").First.WaitForAsync();
            if (await completion.CountAsync() > 0)
            {
                return answered;
            }
            answered.ShouldBeLessThan(40, "the study should end after its plan");
            var prompt = await root.Locator("#question-prompt").InnerTextAsync();
            var position = await root.Locator("#question-form input[name=Position]").InputValueAsync();
            // The options are radio buttons styled as buttons: a person clicks their labels.
            var options = root.GetByRole(AriaRole.Radiogroup).Locator("label");
            if (prompt.Contains("Neither", StringComparison.Ordinal))
            {
                await options.Filter(new() { HasText = "Neither" }).ClickAsync();
                await Assertions.Expect(root.GetByRole(AriaRole.Radio, new() { Name = "Neither" })).ToBeCheckedAsync();
            }
            else
            {
                await options.First.ClickAsync();
                await Assertions.Expect(root.GetByRole(AriaRole.Radio).First).ToBeCheckedAsync();
            }
            await root.GetByRole(AriaRole.Button, new() { Name = "Next" }).ClickAsync();
            // The next page has come when this position's form is gone.
            await Assertions.Expect(root.Locator($"#question-form input[name=Position][value='{position}']")).ToHaveCountAsync(0);
            answered++;
        }
    }
}
