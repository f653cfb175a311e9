using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SquadStudy.Data;
using SquadStudy.Testing;

namespace SquadStudy.LoadTest.Tests;

/// <summary>
/// Three instances of the site as real processes (the built Web dll, each on its own loopback
/// port) on one PostgreSQL database, every simulated participant's requests spread round-robin
/// over them (consent on one, answers on the others); one instance is killed with SIGKILL during
/// the run.
/// </summary>
public sealed class SeveralInstancesTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private const string Slug = "load";

    [Fact]
    public async Task ThreeInstancesRoundRobin_OneKilledMidRun_EveryAcknowledgedAnswerStoredOnce_BalanceWithinOne()
    {
        var database = await postgres.NewDatabaseAsync();
        var data = Directory.CreateTempSubdirectory("squadstudy-instances-").FullName;
        var log = Path.Combine(data, "acks.log");
        var sites = new List<(Process Process, Uri Url)>();
        try
        {
            await Seeder.SeedAsync(data, Slug, 30, database);
            for (var i = 0; i < 3; i++)
            {
                sites.Add(StartSite(data, database, i));
            }
            foreach (var (process, url) in sites)
            {
                await WaitHealthyAsync(process, url);
            }
            var urls = sites.Select(s => s.Url).ToArray();

            var run = LoadRun.RunAsync(urls, data, Slug, participants: 6, seconds: 6, warmupSeconds: 0, log, rate: 0, sitePid: null, database);
            // Some answers are acknowledged by every instance before one of them vanishes.
            await Task.Delay(TimeSpan.FromSeconds(2));
            sites[1].Process.Kill();

            (await run).ShouldBe(0, "the run's verification found lost or duplicated answers, or none acknowledged");
            var survivors = new[] { sites[0].Url, sites[2].Url };
            (await Verifier.VerifyAsync(survivors, data, Slug, log, checkResume: true, database)).ShouldBe(0, "a participant resumed at the wrong position");
            AckLog.Read(log).Answers.Count().ShouldBeGreaterThan(6);

            await using var services = Seeder.Services(data, database);
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<SquadStudyDbContext>();
            var stimuli = await db.Stimuli.AsNoTracking().ToListAsync();
            foreach (var experiment in stimuli.GroupBy(s => s.Experiment))
            {
                var counts = experiment.Select(s => s.AssignedCount).ToList();
                (counts.Max() - counts.Min()).ShouldBeLessThanOrEqualTo(1, experiment.Key);
            }
        }
        finally
        {
            foreach (var (process, _) in sites)
            {
                if (!process.HasExited)
                {
                    process.Kill();
                }
                await process.WaitForExitAsync();
                process.Dispose();
            }
            Npgsql.NpgsqlConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }

    private static (Process, Uri) StartSite(string data, string database, int index)
    {
        var url = new Uri($"http://127.0.0.1:{FreePort()}");
        var start = new ProcessStartInfo("dotnet", [SiteDll(), "--urls", url.ToString().TrimEnd('/')])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["DOTNET_gcServer"] = "0";
        start.Environment["ConnectionStrings__SquadStudy"] = database;
        start.Environment["SquadStudy__DataDirectory"] = data;
        start.Environment["SquadStudy__SeedDemo"] = "false";
        start.Environment["SquadStudy__RunPrecompute"] = index == 0 ? "true" : "false";
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the site.");
        // Drained so a chatty site never blocks on a full pipe.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return (process, url);
    }

    private static async Task WaitHealthyAsync(Process process, Uri url)
    {
        using var client = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(30) };
        for (var attempt = 0; attempt < 300; attempt++)
        {
            process.HasExited.ShouldBeFalse($"the site on {url} exited with {(process.HasExited ? process.ExitCode : 0)}");
            try
            {
                if ((await client.GetAsync("/healthz")).StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet, or still starting (a first request on a busy machine).
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"The site on {url} did not become healthy.");
    }

    /// <summary>The built site, in the same configuration as this test assembly (Debug or Release).</summary>
    private static string SiteDll()
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "src", "SquadStudy.Web", "bin", configuration, "net10.0", "SquadStudy.Web.dll");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new FileNotFoundException("SquadStudy.Web.dll is not built (the test project builds it).");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
