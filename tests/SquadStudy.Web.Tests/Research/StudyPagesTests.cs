using System.Net;
using AngleSharp.Html.Parser;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SquadStudy.Data.Entities;
using SquadStudy.Web.Research;

namespace SquadStudy.Web.Tests.Research;

public sealed class StudyPagesTests : IDisposable
{
    private readonly ResearchSiteFactory site = new();

    public void Dispose() => site.Dispose();

    private async Task<HttpResponseMessage> PostHandlerAsync(HttpClient client, string slug, string handler)
    {
        var token = await ResearchSiteFactory.AntiforgeryTokenAsync(client, $"/research/studies/{slug}");
        return await client.PostAsync($"/research/studies/{slug}?handler={handler}",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));
    }

    private Task<Study> StudyAsync(string slug) => site.WithDbAsync(db => db.Studies.AsNoTracking().SingleAsync(s => s.Slug == slug));

    [Fact]
    public async Task StudiesList_ShowsEveryStudyWithItsStatus()
    {
        await ResearchSeed.StudyAsync(site, "alpha");
        await ResearchSeed.StudyAsync(site, "beta", StudyStatus.Precomputing, PrecomputeStatus.Running);
        var client = await site.SignedInClientAsync();

        var document = new HtmlParser().ParseDocument(await client.GetStringAsync("/research"));
        var rows = document.QuerySelectorAll("tbody tr").Select(r => r.TextContent).ToList();
        rows.Count.ShouldBe(2);
        rows.ShouldContain(r => r.Contains("alpha") && r.Contains("ready"));
        rows.ShouldContain(r => r.Contains("beta") && r.Contains("precomputing"));
    }

    [Fact]
    public async Task Open_ReadyStudyWithStimuli_OpensIt()
    {
        await ResearchSeed.StudyAsync(site, "demo");
        var client = await site.SignedInClientAsync();

        var response = await PostHandlerAsync(client, "demo", "Open");

        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var study = await StudyAsync("demo");
        study.Status.ShouldBe(StudyStatus.Open);
        study.OpenedUtc.ShouldBe(site.Clock.Now.UtcDateTime);
        (await client.GetStringAsync("/research/studies/demo")).ShouldContain("The study is open");
    }

    [Fact]
    public async Task Open_WithoutStimuli_IsRefused()
    {
        await ResearchSeed.StudyAsync(site, "empty", withStimuli: false);
        var client = await site.SignedInClientAsync();

        await PostHandlerAsync(client, "empty", "Open");

        (await StudyAsync("empty")).Status.ShouldBe(StudyStatus.Ready);
        (await client.GetStringAsync("/research/studies/empty")).ShouldContain("has no stimuli");
    }

    [Theory]
    [InlineData(StudyStatus.Precomputing, PrecomputeStatus.Running)]
    [InlineData(StudyStatus.Ready, PrecomputeStatus.Failed)]
    [InlineData(StudyStatus.Ready, null)]
    [InlineData(StudyStatus.Draft, PrecomputeStatus.Done)]
    public async Task Open_BeforePrecomputeIsDone_IsRefused(string status, string? precompute)
    {
        await ResearchSeed.StudyAsync(site, "early", status, precompute);
        var client = await site.SignedInClientAsync();

        await PostHandlerAsync(client, "early", "Open");

        (await StudyAsync("early")).Status.ShouldBe(status);
    }

    [Fact]
    public async Task Dashboard_ListsTheFailedPrecomputeItems_WithImageModelAttemptsAndError()
    {
        var seeded = await ResearchSeed.StudyAsync(site, "broken", StudyStatus.Precomputing, PrecomputeStatus.Failed);
        await site.WithDbAsync(async db =>
        {
            var job = await db.PrecomputeJobs.SingleAsync(j => j.StudyId == seeded.StudyId);
            job.Phase = PrecomputePhase.Explain;
            job.Error = "1 item(s) failed; the first: EngineInputException: weak.onnx: Conv weight has 3 dimensions";
            db.PrecomputeItems.AddRange(
                new PrecomputeItem
                {
                    JobId = job.Id, Phase = PrecomputePhase.Explain, ImageId = seeded.Image2Id, ModelId = seeded.WeakId, Status = PrecomputeStatus.Failed, Attempts = 5,
                    Error = "EngineInputException: weak.onnx: Conv weight has 3 dimensions", UpdatedUtc = DateTime.UtcNow
                },
                new PrecomputeItem { JobId = job.Id, Phase = PrecomputePhase.Explain, ImageId = seeded.Image1Id, ModelId = seeded.VggId, Status = PrecomputeStatus.Done, Attempts = 1, UpdatedUtc = DateTime.UtcNow });
            return await db.SaveChangesAsync();
        });
        var client = await site.SignedInClientAsync();

        var document = new HtmlParser().ParseDocument(await client.GetStringAsync("/research/studies/broken"));

        var failed = document.QuerySelector("[data-precompute=failed]").ShouldNotBeNull();
        failed.QuerySelector("caption")!.TextContent.ShouldContain("1 failed item(s)");
        failed.QuerySelector("caption")!.TextContent.ShouldContain("squadstudy precompute broken");
        var cells = failed.QuerySelectorAll("tbody tr").Single().QuerySelectorAll("td").Select(c => c.TextContent).ToList();
        cells.ShouldBe(["explain", "scene_0002", "weak", "5", "EngineInputException: weak.onnx: Conv weight has 3 dimensions"]);
    }

    [Fact]
    public async Task Close_OpenStudy_StopsEnrolmentAndCanBeReopened()
    {
        await ResearchSeed.StudyAsync(site, "demo", StudyStatus.Open);
        var client = await site.SignedInClientAsync();

        await PostHandlerAsync(client, "demo", "Close");
        var closed = await StudyAsync("demo");
        closed.Status.ShouldBe(StudyStatus.Closed);
        closed.ClosedUtc.ShouldBe(site.Clock.Now.UtcDateTime);
        var page = await client.GetStringAsync("/research/studies/demo");
        page.ShouldContain("no one new can enrol");
        page.ShouldContain("Open study");

        await PostHandlerAsync(client, "demo", "Open");
        (await StudyAsync("demo")).Status.ShouldBe(StudyStatus.Open);
    }

    [Fact]
    public async Task Dashboard_ShowsRecruiterLinksProgressAndBalance()
    {
        var seeded = await ResearchSeed.StudyAsync(site, "demo");
        await ResearchSeed.ParticipantsAsync(site, seeded);
        var client = await site.SignedInClientAsync();

        var document = new HtmlParser().ParseDocument(await client.GetStringAsync("/research/studies/demo"));

        document.QuerySelector("#prolific-link")!.GetAttribute("value")
            .ShouldBe("http://localhost/s/demo?PROLIFIC_PID={{%PROLIFIC_PID%}}&STUDY_ID={{%STUDY_ID%}}&SESSION_ID={{%SESSION_ID%}}");
        document.QuerySelector("#mturk-question")!.TextContent.ShouldContain("<ExternalURL>http://localhost/s/demo</ExternalURL>");
        document.QuerySelector("a[href='/research/studies/demo/preview']").ShouldNotBeNull();
        string Cell(string key) => document.QuerySelector($"[data-progress='{key}']")!.TextContent;
        Cell("started").ShouldBe("2");
        Cell("completed").ShouldBe("1");
        Cell("active").ShouldBe("1");
        Cell("withdrawn").ShouldBe("2");
        Cell("declined").ShouldBe("3");
        Cell("excluded").ShouldBe("1");
        Cell("answers").ShouldBe("5");
        document.QuerySelectorAll("svg[aria-label^='Histogram']").Length.ShouldBe(3);
    }

    [Fact]
    public async Task ProgressJson_CountsAndBalance()
    {
        var seeded = await ResearchSeed.StudyAsync(site, "demo");
        await ResearchSeed.ParticipantsAsync(site, seeded);
        await site.WithDbAsync(async db =>
        {
            var stimulus = await db.Stimuli.SingleAsync(s => s.Id == seeded.DiscriminationId);
            stimulus.AnsweredCount = 2;
            stimulus.AssignedCount = 3;
            await db.SaveChangesAsync();
        });
        var client = await site.SignedInClientAsync();

        using var json = System.Text.Json.JsonDocument.Parse(await client.GetStringAsync("/research/studies/demo/progress.json"));
        var root = json.RootElement;
        root.GetProperty("progress").GetProperty("started").GetInt32().ShouldBe(2);
        root.GetProperty("precompute").GetProperty("status").GetString().ShouldBe("done");
        root.GetProperty("precompute").GetProperty("percent").GetInt32().ShouldBe(100);
        var discrimination = root.GetProperty("balance").EnumerateArray().Single(b => b.GetProperty("experiment").GetString() == "discrimination");
        discrimination.GetProperty("max_answered").GetInt32().ShouldBe(2);
        discrimination.GetProperty("mean_assigned").GetDouble().ShouldBe(3.0);
    }

    [Fact]
    public async Task UnknownStudy_Is404()
    {
        var client = await site.SignedInClientAsync();
        (await client.GetAsync("/research/studies/nope")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await client.GetAsync("/research/studies/nope/export/answers.csv")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    /// <summary>Records what the page passed and answers as told.</summary>
    private sealed class RecordingImporter(StudyImportResult result) : IStudyImporter
    {
        public List<string> Calls { get; } = [];

        public Task<StudyImportResult> ImportFolderAsync(string folder, CancellationToken cancellationToken = default)
        {
            Calls.Add($"folder:{folder}");
            return Task.FromResult(result);
        }

        public async Task<StudyImportResult> ImportZipAsync(Stream zip, CancellationToken cancellationToken = default)
        {
            using var reader = new StreamReader(zip);
            Calls.Add($"zip:{await reader.ReadToEndAsync(cancellationToken)}");
            return result;
        }
    }

    [Fact]
    public async Task NewStudy_FromFolder_CallsTheImporterAndOpensTheDashboard()
    {
        var importer = new RecordingImporter(StudyImportResult.Success("fresh"));
        using var withImporter = new ResearchSiteFactory { TestServices = s => s.AddSingleton<IStudyImporter>(importer) };
        var client = await withImporter.SignedInClientAsync();
        var token = await ResearchSiteFactory.AntiforgeryTokenAsync(client, "/research");

        var response = await client.PostAsync("/research?handler=Folder", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["Folder"] = " /srv/packs/demo ",
        }));

        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        response.Headers.Location!.OriginalString.ShouldBe("/research/studies/fresh");
        importer.Calls.ShouldBe(["folder:/srv/packs/demo"]);
    }

    [Fact]
    public async Task NewStudy_UploadRefusedByImporter_ShowsItsErrors()
    {
        var importer = new RecordingImporter(StudyImportResult.Failure("study.json: 'slug' is missing.", "labels.txt is empty."));
        using var withImporter = new ResearchSiteFactory { TestServices = s => s.AddSingleton<IStudyImporter>(importer) };
        var client = await withImporter.SignedInClientAsync();
        var token = await ResearchSiteFactory.AntiforgeryTokenAsync(client, "/research");
        using var form = new MultipartFormDataContent
        {
            { new StringContent(token), "__RequestVerificationToken" },
            { new ByteArrayContent("PK-zip-bytes"u8.ToArray()), "Pack", "pack.zip" },
        };

        var response = await client.PostAsync("/research?handler=Upload", form);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var html = await response.Content.ReadAsStringAsync();
        html.ShouldContain("study.json: &#x27;slug&#x27; is missing.");
        html.ShouldContain("labels.txt is empty.");
        importer.Calls.ShouldBe(["zip:PK-zip-bytes"]);
    }

    [Fact]
    public async Task NewStudy_UploadOfANonZip_IsRefusedBeforeImport()
    {
        var importer = new RecordingImporter(StudyImportResult.Success("x"));
        using var withImporter = new ResearchSiteFactory { TestServices = s => s.AddSingleton<IStudyImporter>(importer) };
        var client = await withImporter.SignedInClientAsync();
        var token = await ResearchSiteFactory.AntiforgeryTokenAsync(client, "/research");
        using var form = new MultipartFormDataContent
        {
            { new StringContent(token), "__RequestVerificationToken" },
            { new ByteArrayContent("hello"u8.ToArray()), "Pack", "pack.txt" },
        };

        var response = await client.PostAsync("/research?handler=Upload", form);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).ShouldContain("is not a .zip file");
        importer.Calls.ShouldBeEmpty();
    }
}
