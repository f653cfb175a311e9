using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using SquadStudy.Data;
using SquadStudy.Reporting;

namespace SquadStudy.Cli.Commands;

/// <summary>
/// <c>squadstudy report --study SLUG [--db CONNECTION] --json</c>: prints a study's results, the same
/// document as the dashboard's <c>results.json</c>.
/// </summary>
public static class ReportCommand
{
    public static Command Create()
    {
        var study = new Option<string>("--study") { Description = "The study's slug.", Required = true };
        var json = new Option<bool>("--json") { Description = "Print the results as JSON (the only format so far; required)." };
        var db = AdminCommand.DatabaseOption();

        var command = new Command("report", "Print a study's results: accuracy, comparisons, trust, power, exclusions, automated metrics.") { study, db, json };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var error = parseResult.InvocationConfiguration.Error;
            if (!parseResult.GetValue(json))
            {
                await error.WriteLineAsync("Say --json: the report is printed as JSON (the dashboard shows the same tables).");
                return 2;
            }
            var slug = parseResult.GetRequiredValue(study);
            await using var services = await CliDatabase.OpenAsync(parseResult.GetValue(db), cancellationToken);
            await using var scope = services.CreateAsyncScope();
            var document = await StudyReporter.BuildAsync(
                scope.ServiceProvider.GetRequiredService<SquadStudyDbContext>(),
                scope.ServiceProvider.GetRequiredService<DatabaseSettings>(),
                slug, DateTime.UtcNow, cancellationToken);
            if (document is null)
            {
                await error.WriteLineAsync($"There is no study '{slug}' in this database.");
                return 1;
            }
            await parseResult.InvocationConfiguration.Output.WriteLineAsync(document.ToJson());
            return 0;
        });
        return command;
    }
}
