using System.CommandLine;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SquadStudy.Data;
using SquadStudy.Data.Entities;
using SquadStudy.Data.Migrations;
using SquadStudy.Studies;
using SquadStudy.Studies.Engine;

namespace SquadStudy.Cli.Commands;

/// <summary><c>squadstudy import PACK [--replace]</c>: validates a study pack in full and imports it.</summary>
public static class ImportCommand
{
    public static Command Create()
    {
        var pack = new Argument<string>("pack") { Description = "Study pack folder or .zip (docs/study-pack.md)" };
        var replace = new Option<bool>("--replace") { Description = "Replace a study of the same slug that nobody has taken part in" };
        var command = new Command("import", "Validate a study pack and import it as a study waiting for precomputation") { pack, replace };
        command.SetAction(async (parse, cancellationToken) =>
        {
            return await RunAsync(async services =>
            {
                var study = await ImportAsync(services, parse.GetValue(pack)!, parse.GetValue(replace), cancellationToken);
                Console.WriteLine($"Imported study '{study.Slug}' (id {study.Id}, {study.Images.Count} images, {study.Models.Count} models). Next: squadstudy precompute {study.Slug}");
                return 0;
            });
        });
        return command;
    }

    internal static async Task<Study> ImportAsync(IServiceProvider services, string path, bool replace, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<StudyImporter>().ImportAsync(path, replace, cancellationToken);
    }

    /// <summary>
    /// Runs a command against the site's database (same configuration: <c>ConnectionStrings__SquadStudy</c>,
    /// <c>SquadStudy__DataDirectory</c>, <c>SquadStudy__DatabaseProvider</c>, relative to the current
    /// directory) after migrating it; known failures become one clear line on stderr and exit code 1.
    /// </summary>
    internal static async Task<int> RunAsync(Func<IServiceProvider, Task<int>> action)
    {
        try
        {
            var configuration = new ConfigurationBuilder().AddEnvironmentVariables().Build();
            var settings = DataServiceCollectionExtensions.ResolveDatabase(configuration, Directory.GetCurrentDirectory());
            await using var services = new ServiceCollection()
                .AddLogging(logging => logging.AddConsole().SetMinimumLevel(LogLevel.Warning))
                .AddSquadStudyData(settings)
                .AddSingleton<IExplanationEngine, SquadStudyEngine>()
                .AddStudyServices()
                .BuildServiceProvider();
            await using (var scope = services.CreateAsyncScope())
            {
                await scope.ServiceProvider.GetRequiredService<SchemaMigrator>().MigrateAsync();
            }
            return await action(services);
        }
        catch (StudyPackException e)
        {
            Console.Error.WriteLine($"error: the study pack has {e.Problems.Count} problem{(e.Problems.Count == 1 ? "" : "s")}:");
            foreach (var problem in e.Problems)
            {
                Console.Error.WriteLine($"  {problem}");
            }
            return 1;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("stopped; run the same command again to resume.");
            return 130;
        }
        catch (Exception e) when (e is StudyImportException or StudyLifecycleException or InvalidOperationException or DbUpdateException or IOException or EngineInputException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }
}
