using System.Net;
using Microsoft.EntityFrameworkCore;
using SquadStudy.Testing;
using SquadStudy.Web.Participation;

namespace SquadStudy.Web.Tests.Participation;

/// <summary>
/// The question page runs as two endpoints rendering templates, not as a Razor Page
/// (<see cref="QuestionEndpoint"/>); these check what that must not change.
/// </summary>
public sealed class QuestionPageTests(SquadStudyWebFactory factory) : ParticipationTestBase(factory), IClassFixture<SquadStudyWebFactory>
{
    private Task<int> AnswersAsync(long studyId) => Factory.WithDbAsync(db =>
        db.Answers.CountAsync(a => db.Participants.Any(p => p.Id == a.ParticipantId && p.StudyId == studyId)));

    [Fact]
    public async Task QuestionPage_HasTheSameDocumentAsTheRazorParticipantPages()
    {
        var study = await AddStudyAsync();
        var bot = await EnrolledBotAsync(study);
        var (instructionsResponse, instructions) = await bot.GetAsync($"/s/{study.Slug}/instructions");
        instructionsResponse.StatusCode.ShouldBe(HttpStatusCode.OK);
        var (page, response) = await bot.GetQuestionAsync();
        response.Content.Headers.ContentType!.ToString().ShouldBe("text/html; charset=utf-8");
        var question = page!.Document;

        question.Head!.OuterHtml.ShouldBe(instructions.Head!.OuterHtml);
        question.QuerySelector("header")!.OuterHtml.ShouldBe(instructions.QuerySelector("header")!.OuterHtml);
        question.QuerySelector("footer")!.OuterHtml.ShouldBe(instructions.QuerySelector("footer")!.OuterHtml);
        question.QuerySelector("footer a")!.GetAttribute("href").ShouldBe($"/s/{study.Slug}/withdraw");
        question.Title.ShouldBe(instructions.Title);
        question.Title!.ShouldEndWith(" · SquadStudy");
        question.Title.Length.ShouldBeGreaterThan(" · SquadStudy".Length);
        // The stylesheets carry the file version, as asp-append-version writes it, so a new deployment is not served stale CSS.
        question.QuerySelectorAll("link[rel=stylesheet]").Select(l => l.GetAttribute("href")!).ShouldAllBe(href => href.Contains("?v="));
        question.QuerySelectorAll("body > script[src]").Single().GetAttribute("src")!.ShouldContain("bootstrap.bundle.min.js?v=");
        // The antiforgery token comes with the framework's no-cache headers: no shared cache keeps a page with a token.
        response.Headers.CacheControl!.NoStore.ShouldBeTrue();
    }

    [Fact]
    public async Task ParticipantPages_CarryNoInlineScript_NorEventAttributes()
    {
        // The Content-Security-Policy (issue 14) allows scripts from files only.
        var study = await AddStudyAsync();
        var bot = new ParticipantBot(Factory.CreateParticipantClient(), study.Slug);
        var pages = new List<(string Url, AngleSharp.Dom.IDocument Document)>();
        async Task VisitAsync(string url) => pages.Add((url, (await bot.GetAsync(url)).Document));
        await VisitAsync($"/s/{study.Slug}");
        (await bot.EnrolAsync()).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        await VisitAsync($"/s/{study.Slug}/instructions");
        await VisitAsync(bot.QuestionUrl);
        await VisitAsync($"/s/{study.Slug}/withdraw");
        await VisitAsync("/withdraw");
        await bot.WalkToEndAsync(new Random(3));
        await VisitAsync($"/s/{study.Slug}/done");

        foreach (var (url, document) in pages)
        {
            document.QuerySelectorAll("script:not([src])").ShouldBeEmpty(url);
            document.All.SelectMany(e => e.Attributes).Where(a => a.Name.StartsWith("on", StringComparison.OrdinalIgnoreCase))
                .Select(a => a.Name).ShouldBeEmpty(url);
        }
        pages.Single(p => p.Url == bot.QuestionUrl).Document.QuerySelectorAll("script[src]").ShouldContain(s => s.GetAttribute("src")!.Contains("/js/question.js?v="));
    }

    [Fact]
    public async Task Post_FromAnotherSite_Returns400_AndRecordsNothing_EvenWithItsToken()
    {
        var study = await AddStudyAsync();
        var bot = await EnrolledBotAsync(study);
        var (page, _) = await bot.GetQuestionAsync();
        using var post = new HttpRequestMessage(HttpMethod.Post, bot.QuestionUrl)
        {
            Content = new FormUrlEncodedContent(ParticipantBot.AnswerFields(page!, page!.Options[0])),
        };
        post.Headers.Add(ParticipantAntiforgery.FetchSiteHeader, "cross-site");
        (await bot.Client.SendAsync(post)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await AnswersAsync(study.Id)).ShouldBe(0);
        // The same form posted by the page itself is stored.
        (await bot.AnswerAsync(page, page.Options[0])).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        (await AnswersAsync(study.Id)).ShouldBe(1);
    }

    [Fact]
    public async Task UnknownStudy_Returns404WithMessage()
    {
        var client = Factory.CreateParticipantClient();
        var response = await client.GetAsync("/s/no-such-study/q");
        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await response.Content.ReadAsStringAsync()).ShouldContain(QuestionEndpoint.UnknownStudyMessage);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("")]
    [InlineData("-0")]
    [InlineData("99999999999")]
    public async Task Post_WithMalformedPosition_RecordsNothing_AndRedirectsToTheQuestion(string position)
    {
        var study = await AddStudyAsync();
        var bot = await EnrolledBotAsync(study);
        var (page, _) = await bot.GetQuestionAsync();
        var response = await bot.PostAsync(bot.QuestionUrl,
            [new("Position", position), new("Choice", page!.Options[0]), new("__RequestVerificationToken", page.AntiforgeryToken)]);
        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        response.Headers.Location!.OriginalString.ShouldBe(bot.QuestionUrl);
        (await AnswersAsync(study.Id)).ShouldBe(0);
        (await bot.GetQuestionAsync()).Page!.Position.ShouldBe(0);
    }

    [Fact]
    public async Task Post_WithUnknownHandler_Returns404_AndRecordsNothing()
    {
        var study = await AddStudyAsync();
        var bot = await EnrolledBotAsync(study);
        var (page, _) = await bot.GetQuestionAsync();
        var response = await bot.PostAsync($"{bot.QuestionUrl}?handler=Skip",
            [new("Position", "0"), new("Choice", page!.Options[0]), new("__RequestVerificationToken", page.AntiforgeryToken)]);
        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await AnswersAsync(study.Id)).ShouldBe(0);
    }

    [Fact]
    public async Task Post_WithoutChoice_ShowsTheSameQuestionWithAnError_AndRecordsNothing()
    {
        var study = await AddStudyAsync();
        var bot = await EnrolledBotAsync(study);
        var (page, _) = await bot.GetQuestionAsync();
        var response = await bot.PostAsync(bot.QuestionUrl, ParticipantBot.AnswerFields(page!, choice: null));
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var again = ParticipantBot.Read(await ParticipantBot.ParseAsync(response));
        // Still the time it was first shown: the question has been on screen since.
        again.ShownStamp.ShouldBe(page!.ShownStamp);
        again.Position.ShouldBe(0);
        again.Options.ShouldBe(page.Options);
        again.Document.QuerySelector("#choice-error")!.TextContent.ShouldContain("Please choose one of the options");
        (await AnswersAsync(study.Id)).ShouldBe(0);
        (await bot.AnswerAsync(again, again.Options[0])).StatusCode.ShouldBe(HttpStatusCode.Redirect);
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("tampered")]
    [InlineData("another participant's")]
    [InlineData("another question's")]
    public async Task Post_WithoutAGenuineShownStamp_Returns400_RecordsNothing_AndAsksAgain(string stamp)
    {
        var study = await AddStudyAsync();
        var bot = await EnrolledBotAsync(study);
        var (first, _) = await bot.GetQuestionAsync();
        var page = first!;
        switch (stamp)
        {
            case "another participant's":
                var other = await EnrolledBotAsync(study);
                page = page with { ShownStamp = (await other.GetQuestionAsync()).Page!.ShownStamp };
                break;
            case "another question's":
                (await bot.AnswerAsync(first!, first!.Options[0])).StatusCode.ShouldBe(HttpStatusCode.Redirect);
                page = (await bot.GetQuestionAsync()).Page! with { ShownStamp = first.ShownStamp };
                break;
            case "tampered":
                var chars = first!.ShownStamp!.ToCharArray();
                chars[chars.Length / 2] = chars[chars.Length / 2] == 'A' ? 'B' : 'A';
                page = first with { ShownStamp = new string(chars) };
                break;
            default:
                page = first! with { ShownStamp = null };
                break;
        }
        var answersBefore = await AnswersAsync(study.Id);

        var response = await bot.PostAsync(bot.QuestionUrl, ParticipantBot.AnswerFields(page, page.Options[0]));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await AnswersAsync(study.Id)).ShouldBe(answersBefore);
        var again = ParticipantBot.Read(await ParticipantBot.ParseAsync(response));
        again.Position.ShouldBe(page.Position);
        again.Document.QuerySelector("#choice-error")!.TextContent.ShouldContain("out of date");
        // The page it shows again carries a stamp of its own, with which the answer is stored.
        again.ShownStamp.ShouldNotBeNull();
        (await bot.AnswerAsync(again, again.Options[0])).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        (await AnswersAsync(study.Id)).ShouldBe(answersBefore + 1);
    }
}
