using System.CommandLine;
using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using SquadStudy.Data;
using SquadStudy.Reporting;

namespace SquadStudy.Cli.Commands;

/// <summary>
/// <c>squadstudy report --study SLUG [--db CONNECTION|PATH] --json</c>: prints a study's results, the same
/// document as the dashboard's <c>results.json</c>. A missing database file, an unreachable server or an unknown
/// study is one line on standard error and exit code 1.
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
            var connection = CliDatabase.ConnectionString(parseResult.GetValue(db));
            StudyResultsDocument? document;
            try
            {
                if (MissingSqliteFile(connection) is { } missing)
                {
                    // Opening would create (and migrate) an empty database: a typo in the path must not look like "no study".
                    await error.WriteLineAsync($"There is no SQLite database at '{missing}'.");
                    return 1;
                }
                await using var services = await CliDatabase.OpenAsync(connection, cancellationToken);
                await using var scope = services.CreateAsyncScope();
                document = await StudyReporter.BuildAsync(
                    scope.ServiceProvider.GetRequiredService<SquadStudyDbContext>(),
                    scope.ServiceProvider.GetRequiredService<DatabaseSettings>(),
                    slug, DateTime.UtcNow, cancellationToken);
            }
            catch (Exception exception) when (exception is DbException or InvalidOperationException or ArgumentException or TimeoutException)
            {
                await error.WriteLineAsync($"Cannot read the database: {OneLine(exception)}");
                return 1;
            }
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

    /// <summary>The file a SQLite connection string names when that file does not exist; null otherwise.</summary>
    private static string? MissingSqliteFile(string? connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString) || connectionString.Contains("Host=", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        var builder = new SqliteConnectionStringBuilder(connectionString);
        var memory = builder.Mode == SqliteOpenMode.Memory || builder.DataSource is "" or ":memory:";
        return memory || File.Exists(builder.DataSource) ? null : builder.DataSource;
    }

    /// <summary>The message and its causes on one line (a connection failure's reason is in the inner exception).</summary>
    private static string OneLine(Exception exception)
    {
        var messages = new List<string>();
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (!messages.Contains(e.Message))
            {
                messages.Add(e.Message);
            }
        }
        return string.Join(": ", messages).ReplaceLineEndings(" ");
    }
}
