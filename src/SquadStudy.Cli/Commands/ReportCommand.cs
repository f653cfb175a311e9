using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using SquadStudy.Data;
using SquadStudy.Reporting;

namespace SquadStudy.Cli.Commands;

/// <summary>
/// <c>squadstudy report --study SLUG [--db CONNECTION|PATH] --json</c>: prints a study's results, the same
/// document as the dashboard's <c>results.json</c>. A missing SQLite file, an unreachable server or an unknown
/// study is one line on standard error and exit code 1.
/// </summary>
public static class ReportCommand
{
    public static Command Create(CliContext context)
    {
        var study = new Option<string>("--study") { Description = "The study's slug.", Required = true };
        var json = new Option<bool>("--json") { Description = "Print the results as JSON (the only format so far; required)." };
        var db = AdminCommand.DatabaseOption();

        var command = new Command("report", "Print a study's results: accuracy, comparisons, trust, power, exclusions, automated metrics.") { study, db, json };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            if (!parseResult.GetValue(json))
            {
                await context.Error.WriteLineAsync("error: say --json: the report is printed as JSON (the dashboard shows the same tables).");
                return ExitCodes.Usage;
            }
            var slug = parseResult.GetRequiredValue(study);
            return await CliDatabase.RunExistingAsync(context, parseResult.GetValue(db), async (services, ct) =>
            {
                // The site's results settings (SquadStudy__Results__BootstrapResamples), so both print the same document.
                var settings = new ConfigurationBuilder().AddEnvironmentVariables().Build()
                    .GetSection(ResultsOptions.Section).Get<ResultsOptions>() ?? new ResultsOptions();
                var document = await StudyReporter.BuildAsync(
                    services.GetRequiredService<SquadStudyDbContext>(), slug, DateTime.UtcNow, settings, ct)
                    ?? throw new CliException($"there is no study '{slug}' in this database.");
                await context.Out.WriteLineAsync(document.ToJson());
                return ExitCodes.Ok;
            }, cancellationToken);
        });
        return command;
    }
}
