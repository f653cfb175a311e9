using System.CommandLine;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using SquadStudy.Data;
using SquadStudy.Reporting;

namespace SquadStudy.Cli.Commands;

/// <summary>
/// <c>squadstudy export --study SLUG --out DIR [--include-ids] [--db CONNECTION|PATH]</c>: writes the
/// dashboard's downloads (answers, participants, stimuli CSV and the codebook) into a folder, byte for
/// byte what the site serves, read from one snapshot of the database (<see cref="StudySnapshot.LoadAsync"/>).
/// </summary>
public static class ExportCommand
{
    public static Command Create(CliContext context)
    {
        var study = new Option<string>("--study") { Description = "The study's slug.", Required = true };
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder to write the files into (created if missing).", Required = true };
        var includeIds = new Option<bool>("--include-ids") { Description = "Add recruiter ids (Prolific PID, MTurk worker id) to participants.csv; personal data, handle with care." };
        var db = AdminCommand.DatabaseOption();

        var command = new Command("export", "Write a study's answers, participants and stimuli as CSV, with the codebook, into a folder.") { study, output, includeIds, db };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var slug = parseResult.GetRequiredValue(study);
            var folder = parseResult.GetRequiredValue(output).FullName;
            return await CliDatabase.RunExistingAsync(context, parseResult.GetValue(db), async (services, ct) =>
            {
                var snapshot = await StudySnapshot.LoadAsync(services.GetRequiredService<SquadStudyDbContext>(), slug, ct)
                    ?? throw new CliException($"there is no study '{slug}' in this database.");
                var withIds = parseResult.GetValue(includeIds);
                (string Name, byte[] Content)[] files =
                [
                    ($"{slug}-answers.csv", CsvExports.Answers(snapshot)),
                    (withIds ? $"{slug}-participants-with-ids.csv" : $"{slug}-participants.csv", CsvExports.Participants(snapshot, withIds)),
                    ($"{slug}-stimuli.csv", CsvExports.Stimuli(snapshot)),
                    ($"{slug}-codebook.md", Encoding.UTF8.GetBytes(CsvExports.CodebookMarkdown(snapshot.Study.Title))),
                ];
                Directory.CreateDirectory(folder);
                foreach (var (name, content) in files)
                {
                    var path = Path.Combine(folder, name);
                    await File.WriteAllBytesAsync(path, content, ct);
                    await context.Out.WriteLineAsync(path);
                }
                return ExitCodes.Ok;
            }, cancellationToken);
        });
        return command;
    }
}
