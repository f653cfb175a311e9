using System.Net;
using AngleSharp.Html.Parser;
using SquadStudy.Testing;
using SquadStudy.Web.Infrastructure;
using SquadStudy.Web.Tests.Participation;

namespace SquadStudy.Web.Tests.Security;

public sealed class ContentSecurityPolicyTests(SquadStudyWebFactory factory) : ParticipationTestBase(factory), IClassFixture<SquadStudyWebFactory>
{
    private const string MturkQuery = "?workerId=W1&assignmentId=A1&hitId=H1";

    private static string Policy(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Content-Security-Policy", out var values) ? values.Single() : "";

    /// <summary>Every script element loads a file from this site: no inline script anywhere.</summary>
    private static async Task AssertNoInlineScriptAsync(HttpResponseMessage response, string page)
    {
        var document = new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync());
        foreach (var script in document.QuerySelectorAll("script"))
        {
            script.GetAttribute("src").ShouldNotBeNullOrEmpty($"{page} has an inline script");
            script.TextContent.Trim().ShouldBeEmpty($"{page} has an inline script");
        }
        document.QuerySelectorAll("*").SelectMany(e => e.Attributes).Where(a => a.Name.StartsWith("on", StringComparison.Ordinal))
            .ShouldBeEmpty($"{page} has an inline event handler");
    }

    [Fact]
    public async Task EveryPage_CarriesThePolicy_AndNoInlineScript_AndIsNotFramable()
    {
        var study = await AddStudyAsync();
        var bot = await EnrolledBotAsync(study);
        var researcher = Factory.CreateClient();
        researcher.DefaultRequestHeaders.Add(TestResearcherAuthentication.Header, "1");
        var anonymous = Factory.CreateClient();

        var pages = new List<(string Name, HttpResponseMessage Response)>
        {
            ("home", await anonymous.GetAsync("/")),
            ("login", await anonymous.GetAsync("/research/login")),
            ("withdraw by code", await anonymous.GetAsync("/withdraw")),
            ("consent", await anonymous.GetAsync($"/s/{study.Slug}")),
            ("instructions", await bot.Client.GetAsync($"/s/{study.Slug}/instructions")),
            ("question", await bot.Client.GetAsync(bot.QuestionUrl)),
            ("withdraw current", await bot.Client.GetAsync($"/s/{study.Slug}/withdraw")),
            ("studies", await researcher.GetAsync("/research")),
            ("dashboard", await researcher.GetAsync($"/research/studies/{study.Slug}")),
            ("gallery", await researcher.GetAsync($"/research/studies/{study.Slug}/gallery")),
        };

        foreach (var (name, response) in pages)
        {
            response.StatusCode.ShouldBe(HttpStatusCode.OK, name);
            Policy(response).ShouldBe(SecurityExtensions.ContentSecurityPolicy("'none'"), name);
            response.Headers.Contains("X-Frame-Options").ShouldBeFalse(name);
            await AssertNoInlineScriptAsync(response, name);
        }
        Policy(pages[0].Response).ShouldContain("script-src 'self';");
        Policy(pages[0].Response).ShouldNotContain("unsafe-eval");
    }

    [Fact]
    public async Task MturkStudy_ParticipantPagesAreFramableByMturkOnly_ResearcherPagesNever()
    {
        var study = await AddStudyAsync(b => new TestStudyBuilder { Slug = b.Slug, Redirect = "mturk" });
        var anonymous = Factory.CreateClient();
        var researcher = Factory.CreateClient();
        researcher.DefaultRequestHeaders.Add(TestResearcherAuthentication.Header, "1");

        var consent = await anonymous.GetAsync($"/s/{study.Slug}{MturkQuery}");
        var preview = await researcher.GetAsync($"/research/studies/{study.Slug}/preview");
        var dashboard = await researcher.GetAsync($"/research/studies/{study.Slug}");
        var prolificStudy = await AddStudyAsync();
        var prolificConsent = await anonymous.GetAsync($"/s/{prolificStudy.Slug}");

        consent.StatusCode.ShouldBe(HttpStatusCode.OK);
        Policy(consent).ShouldEndWith("frame-ancestors https://worker.mturk.com https://workersandbox.mturk.com");
        consent.Headers.Contains("X-Frame-Options").ShouldBeFalse();
        Policy(preview).ShouldEndWith("frame-ancestors 'none'");
        Policy(dashboard).ShouldEndWith("frame-ancestors 'none'");
        Policy(prolificConsent).ShouldEndWith("frame-ancestors 'none'");
    }
}
