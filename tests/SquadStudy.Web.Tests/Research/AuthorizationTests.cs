using System.Net;

namespace SquadStudy.Web.Tests.Research;

public sealed class AuthorizationTests(AuthorizationTests.Site site) : IClassFixture<AuthorizationTests.Site>
{
    public sealed class Site : IAsyncLifetime
    {
        public ResearchSiteFactory Factory { get; } = new();

        public async Task InitializeAsync() => await ResearchSeed.StudyAsync(Factory, "demo");

        public Task DisposeAsync()
        {
            Factory.Dispose();
            return Task.CompletedTask;
        }
    }

    public static TheoryData<string> ResearchUrls =>
    [
        "/research",
        "/research/studies/demo",
        "/research/studies/demo/gallery",
        "/research/studies/demo/progress.json",
        "/research/studies/demo/results.json",
        "/research/studies/demo/export/answers.csv",
        "/research/studies/demo/export/participants.csv",
        "/research/studies/demo/export/participants.csv?include_ids=true",
        "/research/studies/demo/export/stimuli.csv",
        "/research/studies/demo/export/codebook.md",
        "/research/studies/demo/files/image/1",
        "/research/studies/demo/files/explanation/1",
    ];

    [Theory]
    [MemberData(nameof(ResearchUrls))]
    public async Task Anonymous_IsRedirectedToLogin(string url)
    {
        var response = await site.Factory.CreateBrowserlessClient().GetAsync(url);

        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        response.Headers.Location!.AbsolutePath.ShouldBe("/research/login");
        response.Content.Headers.ContentDisposition.ShouldBeNull();
    }

    [Theory]
    [MemberData(nameof(ResearchUrls))]
    public async Task SignedIn_GetsThePage(string url)
    {
        var client = await site.Factory.SignedInClientAsync();
        var response = await client.GetAsync(url);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, url);
    }

    [Fact]
    public async Task Anonymous_PostToOpen_IsRedirectedToLogin()
    {
        var response = await site.Factory.CreateBrowserlessClient().PostAsync("/research/studies/demo?handler=Open", new FormUrlEncodedContent([]));
        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        response.Headers.Location!.AbsolutePath.ShouldBe("/research/login");
    }

    [Fact]
    public async Task LoginPage_IsOpenToAnonymous()
    {
        (await site.Factory.CreateBrowserlessClient().GetAsync("/research/login")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}
