using System.Text.RegularExpressions;
using Microsoft.Playwright;
using SquadStudy.Data.Entities;

namespace SquadStudy.BrowserTests;

public sealed class ResearcherJourneyTests(Chromium chromium) : IClassFixture<Chromium>, IDisposable
{
    private readonly BrowserSite site = new();

    public void Dispose() => site.Dispose();

    private async Task SeedStudyAsync()
    {
        await site.WithDbAsync(async db =>
        {
            var study = new Study
            {
                Slug = "demo", Title = "Which explanation helps?", Status = StudyStatus.Ready, DefinitionJson = "{}",
                ConsentMarkdown = "Consent.", CompletionCode = "C0DE", PackDirectory = "packs/demo", CreatedUtc = DateTime.UtcNow,
            };
            db.Studies.Add(study);
            await db.SaveChangesAsync();
            var model = new StudyModel { StudyId = study.Id, Key = "vgg", DisplayName = "VGG", OnnxPath = "x", OnnxSha256 = new string('a', 64), MetadataJson = "{}" };
            var image = new StudyImage { StudyId = study.Id, Stem = "scene_0001", FilePath = "x", Sha256 = new string('b', 64), Width = 10, Height = 10, BoxesJson = "[]" };
            db.AddRange(model, image);
            await db.SaveChangesAsync();
            var stimulus = new Stimulus { StudyId = study.Id, Experiment = ExperimentKind.Discrimination, ImageId = image.Id, TargetClass = 0, DistractorClass = 1, ModelAId = model.Id, MethodA = "gradcam" };
            db.Stimuli.Add(stimulus);
            db.PrecomputeJobs.Add(new PrecomputeJob { StudyId = study.Id, Status = PrecomputeStatus.Done, Total = 1, Completed = 1, UpdatedUtc = DateTime.UtcNow });
            var participant = new Participant
            {
                StudyId = study.Id, Token = "t1", WithdrawalCode = "w1", Source = "prolific", ProlificPid = "PID-FROM-PROLIFIC",
                Status = ParticipantStatus.Completed, PlanLength = 1, CurrentPosition = 1,
                ConsentedUtc = DateTime.UtcNow, LastSeenUtc = DateTime.UtcNow, CompletedUtc = DateTime.UtcNow,
            };
            db.Participants.Add(participant);
            await db.SaveChangesAsync();
            var item = new PlanItem { ParticipantId = participant.Id, Position = 0, Kind = PlanItemKind.Question, StimulusId = stimulus.Id };
            db.PlanItems.Add(item);
            await db.SaveChangesAsync();
            db.Answers.Add(new Answer
            {
                ParticipantId = participant.Id, PlanItemId = item.Id, Position = 0, StimulusId = stimulus.Id, Choice = "0", IsCorrect = true,
                ResponseMs = 1800, ShownUtc = DateTime.UtcNow, AnsweredUtc = DateTime.UtcNow,
            });
            await db.SaveChangesAsync();
        });
    }

    [Fact]
    public async Task Researcher_SignsIn_OpensAStudy_AndDownloadsTheExports()
    {
        await SeedStudyAsync();
        await using var context = await chromium.Browser.NewContextAsync(new() { BaseURL = site.BaseUrl, AcceptDownloads = true });
        var page = await context.NewPageAsync();

        await page.GotoAsync("/research/studies/demo");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/research/login"));

        await page.GetByLabel("E-mail").FillAsync(BrowserSite.Email);
        await page.GetByLabel("Password").FillAsync("wrong password, surely");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Sign-in failed");

        await page.GetByLabel("Password").FillAsync(BrowserSite.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/research/studies/demo$"));
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Which explanation helps?" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByLabel("Prolific study URL"))
            .ToHaveValueAsync($"{site.BaseUrl}/s/demo?PROLIFIC_PID={{{{%PROLIFIC_PID%}}}}&STUDY_ID={{{{%STUDY_ID%}}}}&SESSION_ID={{{{%SESSION_ID%}}}}");

        await page.GetByRole(AriaRole.Button, new() { Name = "Open study" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("The study is open");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Close study" })).ToBeVisibleAsync();

        var answers = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "answers.csv" }).ClickAsync());
        answers.SuggestedFilename.ShouldBe("demo-answers.csv");
        var answersCsv = await File.ReadAllTextAsync((await answers.PathAsync())!);
        answersCsv.ShouldStartWith("participant,position,attention_check,experiment");
        answersCsv.ShouldContain(",discrimination,");

        await page.GetByLabel("Include recruiter ids (Prolific, MTurk)").CheckAsync();
        var participants = await page.RunAndWaitForDownloadAsync(() =>
            page.GetByRole(AriaRole.Button, new() { Name = "Download participants.csv" }).ClickAsync());
        participants.SuggestedFilename.ShouldBe("demo-participants-with-ids.csv");
        (await File.ReadAllTextAsync((await participants.PathAsync())!)).ShouldContain("PID-FROM-PROLIFIC");

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/research/login$"));
        await page.GotoAsync("/research");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/research/login"));
    }
}
