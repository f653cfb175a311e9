using SquadStudy.Web.Tests.Participation;
using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SquadStudy.Data;
using SquadStudy.Testing;
using SquadStudy.Data.Entities;
using SquadStudy.Web.Infrastructure;
using SquadStudy.Web.Precompute;

namespace SquadStudy.Web.Tests.FirstRun;

/// <summary>The site on an empty data directory with the demo seeding on, as a first run starts it.</summary>
/// <remarks>With <paramref name="dataDirectory"/> given, the caller owns (and deletes) the directory.</remarks>
public sealed class FirstRunFactory : SiteFactory
{
    public FirstRunFactory(string? demoPack, bool seed = true, string? dataDirectory = null)
        : this(demoPack, seed, dataDirectory, new TestClock())
    {
    }

    private FirstRunFactory(string? demoPack, bool seed, string? dataDirectory, TestClock clock)
        : base(new SiteOptions
        {
            Environment = "Production",
            DataDirectory = dataDirectory,
            Admin = ("lead@example.org", "a long enough password"),
            Settings = new Dictionary<string, string?>
            {
                ["SquadStudy:SeedDemo"] = seed ? "true" : "false",
                ["SquadStudy:DemoPack"] = demoPack,
            },
            TestServices = services => services.AddSingleton<TimeProvider>(clock),
        })
    {
        Clock = clock;
    }

    /// <summary>The site's clock: the system's, moved forward by the tests that need time to pass.</summary>
    public TestClock Clock { get; }

    /// <summary>The warnings and errors the site logged so far (the first-run announcement is a warning, so it shows).</summary>
    public IReadOnlyList<string> Warnings => Logged();

    /// <summary>Waits for the start-up tasks, the demo seeding last, to finish (they run in the background).</summary>
    public Task SeederFinishedAsync() =>
        Services.GetServices<IHostedService>().OfType<StartupTasks>().Single().ExecuteTask ?? Task.CompletedTask;

    /// <summary>Waits (polling the database) until the study has the status, or fails after the timeout.</summary>
    public async Task<Study> WaitForStatusAsync(string slug, string status, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var study = await WithDbAsync(db => db.Studies.AsNoTracking().SingleOrDefaultAsync(s => s.Slug == slug));
            if (study?.Status == status)
            {
                return study;
            }
            var job = await WithDbAsync(db => db.PrecomputeJobs.AsNoTracking().SingleOrDefaultAsync());
            job?.Status.ShouldNotBe(PrecomputeStatus.Failed, job?.Error);
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Study '{slug}' is {study?.Status ?? "absent"}, not {status}, after {timeout}; warnings: {string.Join(" | ", Warnings)}");
            }
            await Task.Delay(200);
        }
    }
}

public sealed class FirstRunTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task EmptyDataDirectory_SeedsPrecomputesAndOpensTheDemoStudy_AndPrintsTheLinks()
    {
        using var pack = new SmallDemoPack();
        using var factory = new FirstRunFactory(pack.Root);
        var client = factory.CreateClient();
        (await client.GetAsync("/healthz")).StatusCode.ShouldBe(HttpStatusCode.OK);

        var study = await factory.WaitForStatusAsync("demo", StudyStatus.Open, Timeout);

        study.OpenedUtc.ShouldNotBeNull();
        var job = await factory.WithDbAsync(db => db.PrecomputeJobs.SingleAsync());
        job.Status.ShouldBe(PrecomputeStatus.Done);
        job.Completed.ShouldBe(job.Total);
        var stimuli = await factory.WithDbAsync(db => db.Stimuli.Where(s => s.StudyId == study.Id).ToListAsync());
        // 8 two-class images × 2 targets × 2 models × 2 methods, and 8 images × 1 model × 1 method pair.
        stimuli.Count(s => s.Experiment == ExperimentKind.Discrimination).ShouldBe(64);
        stimuli.Count(s => s.Experiment == ExperimentKind.Comparison).ShouldBe(8);
        var store = new ContentStore(factory.DataDirectory);
        foreach (var explanation in await factory.WithDbAsync(db => db.Explanations.ToListAsync()))
        {
            File.Exists(store.Resolve(explanation.PngPath)).ShouldBeTrue();
        }
        var announcement = factory.Warnings.Single(w => w.Contains("Participant link"));
        announcement.ShouldContain("/s/demo");
        announcement.ShouldContain("/research/login as lead@example.org");

        // A participant bot takes the freshly opened study from the Prolific link to the end…
        var bot = new ParticipantBot(factory.CreateClient(new() { AllowAutoRedirect = false }), "demo");
        (await bot.EnrolAsync("?PROLIFIC_PID=first-run-bot&STUDY_ID=s&SESSION_ID=t")).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var acknowledged = await bot.WalkToEndAsync(new Random(7));
        acknowledged.Count.ShouldBeGreaterThan(0);

        // …and the researcher, signed in with the configured account, sees its answers.
        var researcher = factory.CreateClient(new() { AllowAutoRedirect = false });
        var loginPage = await ParticipantBot.ParseAsync(await researcher.GetAsync("/research/login"));
        var signIn = await researcher.PostAsync("/research/login", new FormUrlEncodedContent(
        [
            new("Input.Email", "lead@example.org"),
            new("Input.Password", "a long enough password"),
            new("__RequestVerificationToken", ParticipantBot.Token(loginPage)),
        ]));
        signIn.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var dashboard = await ParticipantBot.ParseAsync(await researcher.GetAsync("/research/studies/demo"));
        dashboard.QuerySelector("[data-progress=completed]")!.TextContent.Trim().ShouldBe("1");
        using var results = System.Text.Json.JsonDocument.Parse(await researcher.GetStringAsync("/research/studies/demo/results.json"));
        results.RootElement.GetProperty("participants").GetInt32().ShouldBe(1);
        results.RootElement.GetProperty("answers").GetInt32().ShouldBe(acknowledged.Count);
    }

    [Fact]
    public async Task SecondStart_DoesNotImportTheDemoAgain()
    {
        using var pack = new SmallDemoPack();
        var dataDirectory = Path.Combine(Path.GetTempPath(), $"squadstudy-firstrun-{Guid.NewGuid():N}");
        try
        {
            using (var first = new FirstRunFactory(pack.Root, dataDirectory: dataDirectory))
            {
                first.CreateClient();
                await first.WaitForStatusAsync("demo", StudyStatus.Open, Timeout);
            }
            using var second = new FirstRunFactory(pack.Root, dataDirectory: dataDirectory);
            second.CreateClient();
            await second.SeederFinishedAsync();

            (await second.WithDbAsync(db => db.Studies.CountAsync())).ShouldBe(1);
            (await second.WithDbAsync(db => db.Studies.SingleAsync())).Status.ShouldBe(StudyStatus.Open);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    [Fact]
    public async Task SeedDemoOff_LeavesTheDatabaseEmpty()
    {
        using var pack = new SmallDemoPack();
        using var factory = new FirstRunFactory(pack.Root, seed: false);
        factory.CreateClient();
        await factory.SeederFinishedAsync();

        (await factory.WithDbAsync(db => db.Studies.CountAsync())).ShouldBe(0);
    }
}
