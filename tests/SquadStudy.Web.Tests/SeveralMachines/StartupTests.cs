using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SquadStudy.Data;
using SquadStudy.Data.Entities;
using SquadStudy.Testing;
using SquadStudy.Web.Participation;
using SquadStudy.Web.Tests.Participation;
using SquadStudy.Web.Tests.Foundation;
using SquadStudy.Web.Tests.FirstRun;
using SquadStudy.Web.Tests.Research;

namespace SquadStudy.Web.Tests.SeveralMachines;

/// <summary>Several instances of the site on one PostgreSQL database, started together.</summary>
[Collection(PostgresSiteCollection.Name)]
public sealed class StartupTests(PostgresFixture postgres)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task ThreeInstancesStartingTogether_MigrateOnce_SeedOneAccount_ImportTheDemoOnce()
    {
        var connectionString = await postgres.NewDatabaseAsync();
        using var pack = new SmallDemoPack();
        // One shared data directory, as the compose file's volume: the demo import writes the pack's files there.
        var shared = Directory.CreateTempSubdirectory("squadstudy-shared-").FullName;
        var settings = new Dictionary<string, string?>
        {
            ["SquadStudy:SeedDemo"] = "true",
            ["SquadStudy:DemoPack"] = pack.Root,
            ["SquadStudy:RunPrecompute"] = "false",
        };
        var instances = Enumerable.Range(0, 3).Select(_ => new InstanceFactory(connectionString, settings, shared)).ToArray();
        try
        {
            await Task.WhenAll(instances.Select(i => Task.Run(() => i.Server)));

            foreach (var instance in instances)
            {
                (await instance.CreateClient().GetAsync("/healthz")).StatusCode.ShouldBe(HttpStatusCode.OK);
            }
            // Every instance has decided about the demo once it logged either outcome.
            for (var waited = 0; !instances.All(DecidedAboutDemo); waited++)
            {
                (waited < Patience.TotalMilliseconds / 100).ShouldBeTrue("an instance never got past the demo import");
                await Task.Delay(100);
            }
            instances.Sum(i => i.Log.Count(m => m.Contains("First run: importing the demo study pack", StringComparison.Ordinal))).ShouldBe(1);
            (await instances[0].WithDbAsync(db => db.Researchers.CountAsync())).ShouldBe(1);
            (await instances[0].WithDbAsync(db => db.Studies.CountAsync())).ShouldBe(1);
            instances.ShouldAllBe(i => !i.Log.Any(m => m.Contains("Start-up tasks failed", StringComparison.Ordinal)));
        }
        finally
        {
            foreach (var instance in instances)
            {
                instance.Dispose();
            }
            Directory.Delete(shared, recursive: true);
        }
    }

    [Fact]
    public async Task FreshDatabase_FirstStartLogsNoError_TheKeyRingIsReadAfterTheSchemaExists()
    {
        // The framework warms the data-protection key ring in a hosted service of its own; before the
        // start-up tasks it found no data_protection_keys table and logged an error on every first start.
        using var instance = new InstanceFactory(await postgres.NewDatabaseAsync());
        var client = instance.CreateClient();
        (await client.GetAsync("/healthz")).StatusCode.ShouldBe(HttpStatusCode.OK);
        // A form: its antiforgery token makes the key ring create the first key in the database.
        (await client.GetAsync("/research/login")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await instance.WithDbAsync(db => db.Database.SqlQueryRaw<int>("SELECT count(*)::int AS \"Value\" FROM data_protection_keys").SingleAsync())).ShouldBe(1);
        instance.Services.Messages(Microsoft.Extensions.Logging.LogLevel.Error).ShouldBeEmpty();
    }

    private static bool DecidedAboutDemo(InstanceFactory instance) =>
        instance.Log.Any(m => m.Contains("First run: importing the demo study pack", StringComparison.Ordinal)
                              || m.Contains("is imported already", StringComparison.Ordinal)
                              || m.Contains("has studies already", StringComparison.Ordinal));

    [Fact]
    public async Task DatabaseNotThereAtStart_SiteAnswers503_ThenRecoversWithoutRestart()
    {
        // The server is up but the database does not exist yet: every start-up attempt fails until it does.
        var name = $"later_{Guid.NewGuid():N}";
        var connectionString = postgres.Server.ConnectionString(name);
        using var instance = new InstanceFactory(connectionString);
        var client = instance.CreateClient();

        var health = await client.GetAsync("/healthz");
        health.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        // The public health document names each check's state, never its text (docs/security.md).
        using (var document = System.Text.Json.JsonDocument.Parse(await health.Content.ReadAsStringAsync()))
        {
            document.RootElement.GetProperty("checks").GetProperty("startup").GetProperty("status").GetString().ShouldBe("Unhealthy");
        }
        var page = await client.GetAsync("/research/login");
        page.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        page.Headers.RetryAfter.ShouldNotBeNull();

        await postgres.Server.CreateDatabaseAsync(name);
        for (var attempt = 0; (await client.GetAsync("/healthz")).StatusCode != HttpStatusCode.OK; attempt++)
        {
            (attempt < Patience.TotalMilliseconds / 200).ShouldBeTrue("the site did not recover once the database existed");
            await Task.Delay(200);
        }
        (await client.GetAsync("/research/login")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await instance.WithDbAsync(db => db.Researchers.CountAsync())).ShouldBe(1);
        NpgsqlConnection.ClearAllPools();
    }

    [Fact]
    public async Task LoginFormFromOneInstance_PostedToAnother_SignsIn_WithTheKeyRingEncryptedByTheCertificate()
    {
        var connectionString = await postgres.NewDatabaseAsync();
        var certificateFolder = Directory.CreateTempSubdirectory("squadstudy-cert-").FullName;
        try
        {
            var certificatePath = Path.Combine(certificateFolder, "keyring.pfx");
            using (var rsa = RSA.Create(2048))
            {
                var request = new CertificateRequest("CN=SquadStudy key ring", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
                using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
                File.WriteAllBytes(certificatePath, certificate.Export(X509ContentType.Pfx, "pfx password"));
            }
            var settings = new Dictionary<string, string?>
            {
                ["SquadStudy:DataProtection:CertificatePath"] = certificatePath,
                ["SquadStudy:DataProtection:CertificatePassword"] = "pfx password",
            };
            // Separate data directories: nothing shared but the database.
            using var first = new InstanceFactory(connectionString, settings);
            using var second = new InstanceFactory(connectionString, settings);
            using var browser = InstanceFactory.RoundRobinBrowser(first, second);

            // The form (and its antiforgery cookie) comes from the first instance, the post goes to the second.
            var login = await ResearchSiteFactory.PostLoginAsync(browser, InstanceFactory.Email, InstanceFactory.Password);
            login.StatusCode.ShouldBe(HttpStatusCode.Redirect, await login.Content.ReadAsStringAsync());
            // The login cookie the second instance issued is accepted by the first.
            var dashboard = await browser.GetAsync("/research");
            dashboard.StatusCode.ShouldBe(HttpStatusCode.OK);
            dashboard.RequestMessage!.RequestUri!.AbsolutePath.ShouldBe("/research");

            var keys = await first.WithDbAsync(db => db.Database.SqlQueryRaw<string>("SELECT xml AS \"Value\" FROM data_protection_keys").ToListAsync());
            keys.ShouldNotBeEmpty();
            keys.ShouldAllBe(xml => xml.Contains("<encryptedSecret", StringComparison.Ordinal) && !xml.Contains("<masterKey", StringComparison.Ordinal));
            Directory.Exists(Path.Combine(first.DataDirectory, "keys")).ShouldBeFalse();
        }
        finally
        {
            Directory.Delete(certificateFolder, recursive: true);
        }
    }

    [Fact]
    public async Task ContentStoredThroughOneInstance_IsServedAndResolvedByAnother_WithoutASharedDisk()
    {
        var connectionString = await postgres.NewDatabaseAsync();
        // Separate data directories: nothing shared but the database.
        using var first = new InstanceFactory(connectionString);
        using var second = new InstanceFactory(connectionString);
        var firstStore = first.Services.GetRequiredService<ContentStore>();
        await first.WithDbAsync(db => new TestStudyBuilder { Slug = "shared-media", Images = 3 }.BuildAsync(db, firstStore));
        var stored = await first.WithDbAsync(db => db.Explanations.AsNoTracking().Select(e => e.PngPath).FirstAsync());
        var bytes = await File.ReadAllBytesAsync(firstStore.Resolve(stored)!);

        // A participant's image request lands on the other instance, which has never seen the file.
        var secondStore = second.Services.GetRequiredService<ContentStore>();
        File.Exists(Path.Combine(secondStore.DataDirectory, stored)).ShouldBeFalse();
        var media = await second.CreateClient().GetAsync(MediaEndpoint.UrlFor(stored));
        media.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await media.Content.ReadAsByteArrayAsync()).ShouldBe(bytes);
        media.Headers.CacheControl!.ToString().ShouldContain("immutable");
        // Kept in its data directory from then on, as a cache of the database's copy.
        (await File.ReadAllBytesAsync(Path.Combine(secondStore.DataDirectory, stored))).ShouldBe(bytes);

        // A worker on the second machine finds a model the first imported.
        var onnx = RandomNumberGenerator.GetBytes(4096);
        var model = firstStore.Put(onnx, "onnx");
        (await File.ReadAllBytesAsync(secondStore.Resolve(model)!)).ShouldBe(onnx);
        // Nobody stored this one: not found on either.
        var missing = ContentStore.RelativePath(new string('0', 64), "png");
        (await second.CreateClient().GetAsync(MediaEndpoint.UrlFor(missing))).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Preview_PagesServedByAlternatingInstances_WalkOnePlan()
    {
        var connectionString = await postgres.NewDatabaseAsync();
        using var first = new InstanceFactory(connectionString);
        using var second = new InstanceFactory(connectionString);
        using var browser = InstanceFactory.RoundRobinBrowser(first, second);
        (await ResearchSiteFactory.PostLoginAsync(browser, InstanceFactory.Email, InstanceFactory.Password)).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var study = await first.WithDbAsync(db => new TestStudyBuilder { Slug = "shared-preview", Status = StudyStatus.Open }
            .BuildAsync(db, new ContentStore(first.DataDirectory)));
        var bot = new ParticipantBot(browser, study.Slug);
        var url = $"/research/studies/{study.Slug}/preview";

        // Each GET and each POST goes to the other instance than the request before it: the plan
        // one instance drew must be the one the other continues.
        var positions = new List<int>();
        for (var step = 0; step < 50; step++)
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
            (await bot.PostAsync(url, [new("Position", page.Position.ToString(System.Globalization.CultureInfo.InvariantCulture)), new("Choice", page.Options[0]),
                new("__RequestVerificationToken", page.AntiforgeryToken)])).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        }

        positions.ShouldBe(Enumerable.Range(0, 10));
        NpgsqlConnection.ClearAllPools();
    }
}
