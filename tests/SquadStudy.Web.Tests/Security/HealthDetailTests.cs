using System.Net;
using Microsoft.EntityFrameworkCore;
using SquadStudy.Testing;

namespace SquadStudy.Web.Tests.Security;

public sealed class HealthDetailTests(SquadStudyWebFactory factory) : IClassFixture<SquadStudyWebFactory>
{
    [Fact]
    public async Task Healthz_Unhealthy_ShowsTheReasonOnlyToResearchers()
    {
        var client = factory.CreateClient();
        (await client.GetAsync("/healthz")).StatusCode.ShouldBe(HttpStatusCode.OK);
        await factory.WithDbAsync(db => db.Database.ExecuteSqlRawAsync("DELETE FROM schema_migrations WHERE version = (SELECT MAX(version) FROM schema_migrations)"));

        var anonymous = await client.GetAsync("/healthz");
        var researcherOnPublic = new HttpRequestMessage(HttpMethod.Get, "/research/healthz");
        researcherOnPublic.Headers.Add(TestResearcherAuthentication.Header, "1");
        var researcher = await client.SendAsync(researcherOnPublic);
        var anonymousDetail = await factory.CreateClient(new() { AllowAutoRedirect = false }).GetAsync("/research/healthz");

        anonymous.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        var publicBody = await anonymous.Content.ReadAsStringAsync();
        publicBody.ShouldContain("Unhealthy");
        publicBody.ShouldNotContain("description");
        publicBody.ShouldNotContain("this build needs");
        researcher.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        (await researcher.Content.ReadAsStringAsync()).ShouldContain("this build needs");
        anonymousDetail.StatusCode.ShouldBe(HttpStatusCode.Redirect);
    }
}
