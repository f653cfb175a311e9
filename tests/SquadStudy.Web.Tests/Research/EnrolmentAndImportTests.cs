using System.IO.Compression;
using System.Net;
using Microsoft.EntityFrameworkCore;
using SquadStudy.Data.Entities;

namespace SquadStudy.Web.Tests.Research;

/// <summary>The researcher pages together with the participant pages and the real study-pack importer.</summary>
public sealed class EnrolmentAndImportTests : IDisposable
{
    private readonly ResearchSiteFactory site = new();

    public void Dispose() => site.Dispose();

    private static string DemoPack()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var pack = Path.Combine(dir.FullName, "demo", "pack");
            if (File.Exists(Path.Combine(dir.FullName, "SquadStudy.sln")) && Directory.Exists(pack))
            {
                return pack;
            }
        }
        throw new DirectoryNotFoundException("The repository's demo/pack folder was not found above the test binaries.");
    }

    private async Task<HttpResponseMessage> PostAsync(HttpClient client, string page, string handler, Dictionary<string, string>? fields = null)
    {
        var form = new Dictionary<string, string>(fields ?? []) { ["__RequestVerificationToken"] = await ResearchSiteFactory.AntiforgeryTokenAsync(client, page) };
        return await client.PostAsync($"{page}?handler={handler}", new FormUrlEncodedContent(form));
    }

    [Fact]
    public async Task Close_StopsEnrolment_OnTheParticipantPages()
    {
        await ResearchSeed.StudyAsync(site, "demo", StudyStatus.Open);
        var researcher = await site.SignedInClientAsync();
        var visitor = site.CreateBrowserlessClient();
        (await visitor.GetStringAsync("/s/demo?PROLIFIC_PID=abc&STUDY_ID=s&SESSION_ID=x")).ShouldContain("I consent, start the study");

        await PostAsync(researcher, "/research/studies/demo", "Close");

        // The participant pages cache a study's status for ParticipationService.StudyCacheTime (2 s).
        var deadline = DateTime.UtcNow.AddSeconds(10);
        HttpResponseMessage closed;
        while ((closed = await visitor.GetAsync("/s/demo?PROLIFIC_PID=abc&STUDY_ID=s&SESSION_ID=x")).StatusCode != HttpStatusCode.Forbidden
            && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
        }
        closed.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var html = await closed.Content.ReadAsStringAsync();
        html.ShouldContain("This study is closed");
        html.ShouldNotContain("I consent, start the study");
        (await site.WithDbAsync(db => db.Participants.CountAsync())).ShouldBe(0);
    }

    [Fact]
    public async Task NewStudy_DemoPackFolder_IsImportedAndAwaitsPrecomputation()
    {
        var client = await site.SignedInClientAsync();

        var response = await PostAsync(client, "/research", "Folder", new() { ["Folder"] = DemoPack() });

        response.StatusCode.ShouldBe(HttpStatusCode.Redirect, await response.Content.ReadAsStringAsync());
        response.Headers.Location!.OriginalString.ShouldBe("/research/studies/demo");
        var study = await site.WithDbAsync(db => db.Studies.AsNoTracking().SingleAsync(s => s.Slug == "demo"));
        study.Status.ShouldBeOneOf(StudyStatus.Precomputing, StudyStatus.Ready);
        (await client.GetStringAsync("/research/studies/demo")).ShouldContain("Precomputation");
    }

    [Fact]
    public async Task NewStudy_UploadedZipWithProblems_ListsThem()
    {
        var client = await site.SignedInClientAsync();
        using var zip = new MemoryStream();
        using (var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true))
        {
            await using var writer = new StreamWriter(archive.CreateEntry("study.json").Open());
            await writer.WriteAsync("""{"slug":"Not A Slug"}""");
        }
        using var form = new MultipartFormDataContent
        {
            { new StringContent(await ResearchSiteFactory.AntiforgeryTokenAsync(client, "/research")), "__RequestVerificationToken" },
            { new ByteArrayContent(zip.ToArray()), "Pack", "broken.zip" },
        };

        var response = await client.PostAsync("/research?handler=Upload", form);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var html = await response.Content.ReadAsStringAsync();
        html.ShouldContain("The study pack was not imported");
        html.ShouldContain("study.json");
        (await site.WithDbAsync(db => db.Studies.CountAsync())).ShouldBe(0);
    }
}
