using System.Net;
using System.Text.Json;
using AngleSharp.Html.Parser;
using Microsoft.EntityFrameworkCore;
using SquadStudy.Data;
using SquadStudy.Data.Entities;

namespace SquadStudy.Web.Tests.Research;

/// <summary>The preregistration trail: frozen at the first opening, every later change to the analysis settings recorded, shown on the dashboard and in results.json.</summary>
public sealed class PreregistrationTrailTests : IDisposable
{
    private readonly ResearchSiteFactory site = new();

    public void Dispose() => site.Dispose();

    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, string slug, string handler, Dictionary<string, string>? fields = null)
    {
        var form = new Dictionary<string, string>(fields ?? []) { ["__RequestVerificationToken"] = await ResearchSiteFactory.AntiforgeryTokenAsync(client, $"/research/studies/{slug}") };
        return await client.PostAsync($"/research/studies/{slug}?handler={handler}", new FormUrlEncodedContent(form));
    }

    private static Task<HttpResponseMessage> SetExclusionsAsync(HttpClient client, string slug, string minMedianMs, bool failAttention)
    {
        var fields = new Dictionary<string, string> { ["Exclusions.MinMedianResponseMs"] = minMedianMs };
        if (failAttention)
        {
            fields["Exclusions.FailAttention"] = "true";
        }
        return PostAsync(client, slug, "Exclusions", fields);
    }

    [Fact]
    public async Task Opening_FreezesTheDefinition_AndLaterChangesAreRecordedWithWhoWhatAndTheNewHash()
    {
        await ResearchSeed.StudyAsync(site, "demo");
        var client = await site.SignedInClientAsync();
        var definition = await site.WithDbAsync(db => db.Studies.Where(s => s.Slug == "demo").Select(s => s.DefinitionJson).SingleAsync());
        var registeredHash = Preregistration.Sha256(Preregistration.CanonicalJson(definition));

        (await PostAsync(client, "demo", "Open")).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var registration = await site.WithDbAsync(db => db.StudyRegistrations.AsNoTracking().SingleAsync());
        registration.Sha256.ShouldBe(registeredHash);
        registration.CanonicalJson.ShouldBe(Preregistration.CanonicalJson(definition));
        registration.RegisteredUtc.ShouldBe(site.Clock.Now.UtcDateTime);
        var page = new HtmlParser().ParseDocument(await client.GetStringAsync("/research/studies/demo"));
        page.QuerySelector("#preregistration-hash")!.TextContent.ShouldBe(registeredHash);
        page.QuerySelector("#preregistration-changes")!.TextContent.ShouldContain("No change since opening");

        site.Clock.Now = site.Clock.Now.AddMinutes(30);
        (await SetExclusionsAsync(client, "demo", "1000", failAttention: true)).StatusCode.ShouldBe(HttpStatusCode.Redirect);

        var change = await site.WithDbAsync(db => db.StudyChanges.AsNoTracking().SingleAsync());
        change.ChangedBy.ShouldBe(ResearchSiteFactory.Email);
        change.ChangedUtc.ShouldBe(site.Clock.Now.UtcDateTime);
        change.Description.ShouldBe("exclusions.min_median_response_ms: 800 → 1000");
        var changedDefinition = await site.WithDbAsync(db => db.Studies.Where(s => s.Slug == "demo").Select(s => s.DefinitionJson).SingleAsync());
        change.Sha256.ShouldBe(Preregistration.Sha256(Preregistration.CanonicalJson(changedDefinition)));
        change.Sha256.ShouldNotBe(registeredHash);
        StudyDefinition.Parse(changedDefinition).Rules.ShouldBe(new ExclusionDefinition(1000, true));

        page = new HtmlParser().ParseDocument(await client.GetStringAsync("/research/studies/demo"));
        page.QuerySelector("#preregistration-hash")!.TextContent.ShouldBe(registeredHash);
        page.QuerySelector("#preregistration-current")!.TextContent.ShouldBe(change.Sha256);
        var row = page.QuerySelector("#preregistration-changes tbody tr")!.TextContent;
        row.ShouldContain(ResearchSiteFactory.Email);
        row.ShouldContain("exclusions.min_median_response_ms: 800 → 1000");
        row.ShouldContain(change.Sha256);
        row.ShouldContain(site.Clock.Now.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture));

        using var json = JsonDocument.Parse(await client.GetStringAsync("/research/studies/demo/results.json"));
        var trail = json.RootElement.GetProperty("preregistration");
        trail.GetProperty("sha256").GetString().ShouldBe(registeredHash);
        trail.GetProperty("current_sha256").GetString().ShouldBe(change.Sha256);
        var changes = trail.GetProperty("changes_after_opening").EnumerateArray().ToList();
        changes.Count.ShouldBe(1);
        changes[0].GetProperty("changed_by").GetString().ShouldBe(ResearchSiteFactory.Email);
        changes[0].GetProperty("description").GetString().ShouldBe("exclusions.min_median_response_ms: 800 → 1000");
        changes[0].GetProperty("sha256").GetString().ShouldBe(change.Sha256);
        // The results follow the changed rules.
        json.RootElement.GetProperty("settings").GetRawText().ShouldContain("1000");
    }

    [Fact]
    public async Task ReopeningAfterClose_KeepsTheFirstRegistration()
    {
        await ResearchSeed.StudyAsync(site, "demo");
        var client = await site.SignedInClientAsync();
        await PostAsync(client, "demo", "Open");
        var first = await site.WithDbAsync(db => db.StudyRegistrations.AsNoTracking().SingleAsync());
        await PostAsync(client, "demo", "Close");
        site.Clock.Now = site.Clock.Now.AddMinutes(45);
        await PostAsync(client, "demo", "Open");

        var registrations = await site.WithDbAsync(db => db.StudyRegistrations.AsNoTracking().ToListAsync());
        registrations.Count.ShouldBe(1);
        registrations[0].RegisteredUtc.ShouldBe(first.RegisteredUtc);
    }

    [Fact]
    public async Task ChangesBeforeOpening_AreNotAfterRegistration_AndRecordNothing()
    {
        await ResearchSeed.StudyAsync(site, "demo");
        var client = await site.SignedInClientAsync();

        (await SetExclusionsAsync(client, "demo", "", failAttention: false)).StatusCode.ShouldBe(HttpStatusCode.Redirect);

        (await site.WithDbAsync(db => db.StudyChanges.CountAsync())).ShouldBe(0);
        var definition = await site.WithDbAsync(db => db.Studies.Where(s => s.Slug == "demo").Select(s => s.DefinitionJson).SingleAsync());
        StudyDefinition.Parse(definition).Rules.ShouldBe(new ExclusionDefinition(null, false));
        var page = new HtmlParser().ParseDocument(await client.GetStringAsync("/research/studies/demo"));
        page.QuerySelector("#preregistration-status")!.TextContent.ShouldContain("Not frozen yet");
        page.QuerySelector("#preregistration-current")!.TextContent.ShouldBe(Preregistration.Sha256(Preregistration.CanonicalJson(definition)));

        await PostAsync(client, "demo", "Open");
        (await site.WithDbAsync(db => db.StudyRegistrations.SingleAsync())).Sha256.ShouldBe(Preregistration.Sha256(Preregistration.CanonicalJson(definition)));
    }

    [Fact]
    public async Task SavingTheSameSettings_AfterOpening_RecordsNothing()
    {
        await ResearchSeed.StudyAsync(site, "demo");
        var client = await site.SignedInClientAsync();
        await PostAsync(client, "demo", "Open");

        (await SetExclusionsAsync(client, "demo", "800", failAttention: true)).StatusCode.ShouldBe(HttpStatusCode.Redirect);

        (await site.WithDbAsync(db => db.StudyChanges.CountAsync())).ShouldBe(0);
        (await client.GetStringAsync("/research/studies/demo")).ShouldContain("nothing changed");
    }

    [Fact]
    public async Task InvalidSetting_Returns200WithTheError_AndChangesNothing()
    {
        await ResearchSeed.StudyAsync(site, "demo");
        var client = await site.SignedInClientAsync();
        await PostAsync(client, "demo", "Open");
        var before = await site.WithDbAsync(db => db.Studies.Where(s => s.Slug == "demo").Select(s => s.DefinitionJson).SingleAsync());

        var response = await SetExclusionsAsync(client, "demo", "-5", failAttention: true);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).ShouldContain("The minimum median response time is 0 to 600000 ms");
        (await site.WithDbAsync(db => db.Studies.Where(s => s.Slug == "demo").Select(s => s.DefinitionJson).SingleAsync())).ShouldBe(before);
        (await site.WithDbAsync(db => db.StudyChanges.CountAsync())).ShouldBe(0);
    }
}
