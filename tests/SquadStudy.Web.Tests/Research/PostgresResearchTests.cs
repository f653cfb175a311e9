using System.Net;
using Microsoft.EntityFrameworkCore;
using SquadStudy.Data.Entities;
using SquadStudy.Testing;
using SquadStudy.Web.Tests.Foundation;

namespace SquadStudy.Web.Tests.Research;

/// <summary>The researcher pages' queries on PostgreSQL, the provider of multi-instance deployments.</summary>
[Collection(PostgresSiteCollection.Name)]
public sealed class PostgresResearchTests(PostgresFixture postgres)
{
    [Fact]
    public async Task EveryResearchPageAndExport_WorksOnPostgres()
    {
        using var site = new ResearchSiteFactory { PostgresConnectionString = await postgres.NewDatabaseAsync() };
        var seeded = await ResearchSeed.StudyAsync(site, "demo");
        await ResearchSeed.ParticipantsAsync(site, seeded);
        var client = await site.SignedInClientAsync();

        foreach (var url in new[]
        {
            "/research", "/research/studies/demo", "/research/studies/demo?exclusions=off", "/research/studies/demo/gallery?wrong=true&class=0",
            "/research/studies/demo/progress.json", "/research/studies/demo/results.json", "/research/studies/demo/export/answers.csv",
            "/research/studies/demo/export/participants.csv?include_ids=true", "/research/studies/demo/export/stimuli.csv",
            $"/research/studies/demo/files/explanation/{seeded.ExplanationId}",
        })
        {
            var response = await client.GetAsync(url);
            response.StatusCode.ShouldBe(HttpStatusCode.OK, $"{url}: {await response.Content.ReadAsStringAsync()}");
        }
        var answers = await client.GetStringAsync("/research/studies/demo/export/answers.csv");
        answers.ShouldContain("2026-11-22T10:00:01.500Z");

        var token = await ResearchSiteFactory.AntiforgeryTokenAsync(client, "/research/studies/demo");
        await client.PostAsync("/research/studies/demo?handler=Open", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));
        (await site.WithDbAsync(db => db.Studies.SingleAsync(s => s.Slug == "demo"))).Status.ShouldBe(StudyStatus.Open);
    }
}
