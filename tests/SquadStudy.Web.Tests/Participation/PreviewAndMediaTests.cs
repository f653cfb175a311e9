using System.Net;
using Microsoft.EntityFrameworkCore;
using SquadStudy.Data.Entities;
using SquadStudy.Testing;

namespace SquadStudy.Web.Tests.Participation;

public sealed class PreviewAndMediaTests(SquadStudyWebFactory factory) : ParticipationTestBase(factory), IClassFixture<SquadStudyWebFactory>
{
    [Theory]
    [InlineData(StudyStatus.Draft)]
    [InlineData(StudyStatus.Open)]
    public async Task Preview_WalksAWholePlan_WithoutWritingAnything(string status)
    {
        var study = await AddStudyAsync(b => new TestStudyBuilder { Slug = b.Slug, Status = status });
        var client = Factory.CreateParticipantClient();
        client.DefaultRequestHeaders.Add(TestResearcherAuthentication.Header, "1");
        var bot = new ParticipantBot(client, study.Slug);
        var url = $"/research/studies/{study.Slug}/preview";
        var positions = new List<int>();
        while (true)
        {
            var (response, document) = await bot.GetAsync(url);
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
            if (document.QuerySelector("#question-form") is null)
            {
                document.Body!.TextContent.ShouldContain("End of the plan");
                break;
            }
            var page = ParticipantBot.Read(document);
            positions.Add(page.Position);
            // The participants' form template, posting back to the preview; the way back to the dashboard is on the page.
            document.QuerySelector("#question-form")!.GetAttribute("action").ShouldBe(url);
            document.QuerySelectorAll("a").Single(a => a.TextContent == "Back to the dashboard").GetAttribute("href").ShouldBe($"/research/studies/{study.Slug}");
            (await bot.PostAsync(url, [new("Position", "0"), new("Choice", "bogus"), new("__RequestVerificationToken", page.AntiforgeryToken)]))
                .StatusCode.ShouldBe(page.Position == 0 ? HttpStatusCode.OK : HttpStatusCode.Redirect);
            (await bot.PostAsync(url, [new("Position", page.Position.ToString(System.Globalization.CultureInfo.InvariantCulture)), new("Choice", page.Options[0]), new("__RequestVerificationToken", page.AntiforgeryToken)]))
                .StatusCode.ShouldBe(HttpStatusCode.Redirect);
        }
        positions.ShouldBe(Enumerable.Range(0, 10));
        var (participants, counted, declines) = await Factory.WithDbAsync(async db => (
            await db.Participants.CountAsync(p => p.StudyId == study.Id),
            await db.Stimuli.Where(s => s.StudyId == study.Id).SumAsync(s => s.AssignedCount + s.AnsweredCount),
            await db.Studies.Where(s => s.Id == study.Id).Select(s => s.DeclineCount + s.WithdrawalCount).SingleAsync()));
        participants.ShouldBe(0);
        counted.ShouldBe(0);
        declines.ShouldBe(0);
    }

    [Fact]
    public async Task Preview_WithoutResearcher_IsRefused()
    {
        var study = await AddStudyAsync();
        var response = await Factory.CreateParticipantClient().GetAsync($"/research/studies/{study.Slug}/preview");
        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        response.Headers.Location!.AbsolutePath.ShouldBe("/research/login");
    }

    [Fact]
    public async Task Preview_ClosedStudy_IsNotAvailable()
    {
        var study = await AddStudyAsync(b => new TestStudyBuilder { Slug = b.Slug, Status = StudyStatus.Closed });
        var client = Factory.CreateParticipantClient();
        client.DefaultRequestHeaders.Add(TestResearcherAuthentication.Header, "1");
        (await client.GetAsync($"/research/studies/{study.Slug}/preview")).StatusCode.ShouldBe(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Media_ServesStoredPng_ByHash_CachedForever()
    {
        var study = await AddStudyAsync();
        var bot = await EnrolledBotAsync(study);
        var (page, _) = await bot.GetQuestionAsync();
        var url = page!.ImageUrls[0];
        var response = await bot.Client.GetAsync(url);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("image/png");
        response.Headers.CacheControl!.ToString().ShouldContain("immutable");
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)).ShouldBe(url["/media/".Length..^4]);
        // The URL names neither method nor model.
        var explanation = await Factory.WithDbAsync(db => db.Explanations.AsNoTracking().FirstAsync(e => e.StudyId == study.Id));
        url.ShouldNotContain(explanation.Method);
    }

    [Theory]
    [InlineData("/media/0000000000000000000000000000000000000000000000000000000000000000.png")]
    [InlineData("/media/..%2F..%2Fsquadstudy.db")]
    [InlineData("/media/ABCDEF.png")]
    public async Task Media_UnknownOrMalformed_Is404(string url)
    {
        (await Factory.CreateParticipantClient().GetAsync(url)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }
}
