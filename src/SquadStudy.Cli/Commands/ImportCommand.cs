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
internal static class ImportCommand
{
    /// <summary>Exit code after Ctrl+C (128 + SIGINT, the shell's convention).</summary>
    public const int Stopped = 130;

    public static Command Create(CliContext context)
    {
        var pack = new Argument<string>("pack") { Description = "Study pack folder or .zip (docs/study-pack.md)" };
        var replace = new Option<bool>("--replace") { Description = "Replace a study of the same slug that nobody has taken part in" };
        var command = new Command("import", "Validate a study pack and import it as a study waiting for precomputation") { pack, replace };
        command.SetAction(async (parse, cancellationToken) =>
        {
            return await RunAsync(context, async services =>
            {
                var study = await ImportAsync(services, parse.GetValue(pack)!, parse.GetValue(replace), cancellationToken);
                context.Out.WriteLine($"Imported study '{study.Slug}' (id {study.Id}; images: {study.Images.Count}; models: {study.Models.Count}). Next: squadstudy precompute {study.Slug}");
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
    internal static async Task<int> RunAsync(CliContext context, Func<IServiceProvider, Task<int>> action)
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
            context.Error.WriteLine($"error: the study pack has {e.Problems.Count} problem{(e.Problems.Count == 1 ? "" : "s")}:");
            foreach (var problem in e.Problems)
            {
                context.Error.WriteLine($"  {problem}");
            }
            return ExitCodes.Failure;
        }
        catch (OperationCanceledException)
        {
            context.Error.WriteLine("stopped; run the same command again to resume.");
            return Stopped;
        }
        catch (Exception e) when (e is StudyImportException or StudyLifecycleException or InvalidOperationException or DbUpdateException or IOException or EngineInputException or CliException)
        {
            context.Error.WriteLine($"error: {CliApp.OneLine(e.Message)}");
            return ExitCodes.Failure;
        }
    }
}
