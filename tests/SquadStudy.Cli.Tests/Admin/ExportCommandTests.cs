using System.CommandLine;
using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using SquadStudy.Cli;
using SquadStudy.Cli.Commands;
using SquadStudy.Data;
using SquadStudy.Data.Entities;
using SquadStudy.Reporting;

namespace SquadStudy.Cli.Tests.Admin;

[Collection(DataDirectoryVariable.Name)]
public sealed class ExportCommandTests : IDisposable
{
    private const string MaliciousPid = "=HYPERLINK(\"http://evil.example\",\"click\")";

    private readonly string directory = Path.Combine(Path.GetTempPath(), "squadstudy-export-tests", Guid.NewGuid().ToString("N"));

    private string Database => $"Data Source={Path.Combine(directory, "site.db")}";

    private string Output => Path.Combine(directory, "out");

    public ExportCommandTests() => Directory.CreateDirectory(directory);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(directory, recursive: true);
    }

    private SquadStudyDbContext Open() => new(new DbContextOptionsBuilder<SquadStudyDbContext>().UseSqlite(Database).Options);

    /// <summary>Two participants answer one discrimination question (dog vs cat); the first chooses dog, correctly.</summary>
    private async Task SeedAsync(string method = "gradcam")
    {
        var context = new CliContext(new StringWriter(), new StringWriter());
        var root = new RootCommand { AdminCommand.Create(context, new StringReader("a long enough password\n")) };
        // Creating an account migrates the fresh database, as the site would at start-up.
        (await root.Parse(["admin", "add", "--email", "a@example.org", "--password-stdin", "--db", Database]).InvokeAsync()).ShouldBe(0);
        await using var db = Open();
        var study = new Study
        {
            Slug = "demo", Title = "Demo", DefinitionJson = "{}", ConsentMarkdown = "c", CompletionCode = "c", PackDirectory = "gone", CreatedUtc = DateTime.UtcNow,
            Classes = [new() { ClassIndex = 0, Name = "cat" }, new() { ClassIndex = 1, Name = "dog" }],
        };
        db.Studies.Add(study);
        await db.SaveChangesAsync();
        var model = new StudyModel { StudyId = study.Id, Key = "vgg", DisplayName = "VGG", OnnxPath = "x", OnnxSha256 = "x", MetadataJson = "{}" };
        var image = new StudyImage { StudyId = study.Id, Stem = "img", FilePath = "x", Sha256 = "x", BoxesJson = "[]", LabelClass = 1 };
        db.AddRange(model, image);
        await db.SaveChangesAsync();
        var stimulus = new Stimulus { StudyId = study.Id, Experiment = ExperimentKind.Discrimination, ImageId = image.Id, TargetClass = 1, DistractorClass = 0, ModelAId = model.Id, MethodA = method };
        db.Stimuli.Add(stimulus);
        await db.SaveChangesAsync();
        for (var i = 0; i < 2; i++)
        {
            var participant = new Participant
            {
                StudyId = study.Id, Token = $"t{i}", WithdrawalCode = $"w{i}", Source = "prolific", ProlificPid = i == 0 ? MaliciousPid : "plain",
                ConsentedUtc = DateTime.UtcNow, LastSeenUtc = DateTime.UtcNow,
            };
            db.Participants.Add(participant);
            await db.SaveChangesAsync();
            var item = new PlanItem { ParticipantId = participant.Id, Position = 0, Kind = PlanItemKind.Question, StimulusId = stimulus.Id };
            db.PlanItems.Add(item);
            await db.SaveChangesAsync();
            db.Answers.Add(new Answer
            {
                ParticipantId = participant.Id, PlanItemId = item.Id, Position = 0, StimulusId = stimulus.Id, Choice = i == 0 ? "1" : "0",
                IsCorrect = i == 0, ResponseMs = 1000, ShownUtc = DateTime.UtcNow, AnsweredUtc = DateTime.UtcNow,
            });
            await db.SaveChangesAsync();
        }
    }

    [Fact]
    public async Task Export_WritesTheSitesFiles_WithClassNamesAndNeutralisedFormulas()
    {
        await SeedAsync();

        // Through the real entry point, so the command's registration is checked too.
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = CliApp.Run(["export", "--db", Database, "--study", "demo", "--out", Output, "--include-ids"], stdout, stderr);

        exit.ShouldBe(ExitCodes.Ok, stderr.ToString());
        Directory.GetFiles(Output).Select(Path.GetFileName).Order(StringComparer.Ordinal)
            .ShouldBe(["demo-answers.csv", "demo-codebook.md", "demo-participants-with-ids.csv", "demo-stimuli.csv"]);
        await using var db = Open();
        var snapshot = (await StudySnapshot.LoadAsync(db, "demo")).ShouldNotBeNull();
        // Byte for byte what the site's export endpoints serve for the same snapshot.
        File.ReadAllBytes(Path.Combine(Output, "demo-answers.csv")).ShouldBe(CsvExports.Answers(snapshot));
        File.ReadAllBytes(Path.Combine(Output, "demo-stimuli.csv")).ShouldBe(CsvExports.Stimuli(snapshot));
        File.ReadAllBytes(Path.Combine(Output, "demo-participants-with-ids.csv")).ShouldBe(CsvExports.Participants(snapshot, includeRecruiterIds: true));

        var answers = File.ReadAllLines(Path.Combine(Output, "demo-answers.csv"));
        answers.Length.ShouldBe(3);
        answers[0].Split(',').ShouldBe(CsvExports.AnswerColumns.Select(c => c.Name).ToArray());
        answers[1].ShouldContain(",dog,cat,");
        var participants = File.ReadAllText(Path.Combine(Output, "demo-participants-with-ids.csv"));
        participants.ShouldContain("'=HYPERLINK(");
        participants.ShouldNotContain(",=HYPERLINK(");
        File.ReadAllText(Path.Combine(Output, "demo-codebook.md")).ShouldContain("answers.csv");
    }

    [Fact]
    public async Task Export_ParametrisedMethodName_IsOneQuotedCell_AsStored()
    {
        // A canonical name with parameters holds commas: the CSV must keep it one field.
        await SeedAsync("smoothgrad(n=8,sigma=0.2)");
        var stderr = new StringWriter();

        CliApp.Run(["export", "--db", Database, "--study", "demo", "--out", Output], new StringWriter(), stderr).ShouldBe(ExitCodes.Ok, stderr.ToString());

        foreach (var file in new[] { "demo-answers.csv", "demo-stimuli.csv" })
        {
            using var reader = new StreamReader(Path.Combine(Output, file));
            using var csv = new CsvHelper.CsvReader(reader, System.Globalization.CultureInfo.InvariantCulture);
            csv.Read().ShouldBeTrue();
            csv.ReadHeader();
            csv.Read().ShouldBeTrue(file);
            csv.GetField("method_a").ShouldBe("smoothgrad(n=8,sigma=0.2)", file);
            csv.Parser.Count.ShouldBe(csv.HeaderRecord!.Length, file);
        }
    }

    [Fact]
    public async Task Export_UnknownStudy_IsOneErrorLine_AndWritesNothing()
    {
        await SeedAsync();
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        var exit = CliApp.Run(["export", "--db", Database, "--study", "nope", "--out", Output], stdout, stderr);

        exit.ShouldBe(ExitCodes.Failure);
        stderr.ToString().ShouldContain("there is no study 'nope'");
        Directory.Exists(Output).ShouldBeFalse();
    }

    /// <summary>
    /// A participant who enrols and answers while an export reads: the snapshot's queries run one
    /// after another, and without one read transaction the answers query would return an answer whose
    /// participant the participants query did not (answers.csv then fails on it, or the files disagree).
    /// </summary>
    [Fact]
    public async Task Snapshot_AnswerCommittedBetweenItsQueries_IsNotSeen()
    {
        await SeedAsync();
        var interleaved = new WriteAfterParticipantsQuery(AnswerAsNewParticipantAsync);
        await using var db = new SquadStudyDbContext(new DbContextOptionsBuilder<SquadStudyDbContext>().UseSqlite(Database).AddInterceptors(interleaved).Options);

        var snapshot = (await StudySnapshot.LoadAsync(db, "demo")).ShouldNotBeNull();

        interleaved.Wrote.ShouldBeTrue("the write ran between the snapshot's queries");
        await using (var after = Open())
        {
            (await after.Answers.CountAsync()).ShouldBe(3, "the interleaved answer was committed");
        }
        snapshot.Participants.Count.ShouldBe(2);
        snapshot.Answers.Count.ShouldBe(2);
        snapshot.Answers.Select(a => a.ParticipantId).ShouldBeSubsetOf(snapshot.Participants.Select(p => p.Participant.Id));
        File.Exists(Path.Combine(directory, "site.db-wal")).ShouldBeTrue("the database runs in WAL mode, as the site's does");
        CsvExports.Answers(snapshot).ShouldNotBeEmpty();
    }

    private async Task AnswerAsNewParticipantAsync()
    {
        await using var db = Open();
        var study = await db.Studies.SingleAsync();
        var stimulus = await db.Stimuli.SingleAsync();
        var participant = new Participant { StudyId = study.Id, Token = "late", WithdrawalCode = "late", Source = "direct", ConsentedUtc = DateTime.UtcNow, LastSeenUtc = DateTime.UtcNow };
        participant.Plan.Add(new PlanItem { Position = 0, Kind = PlanItemKind.Question, StimulusId = stimulus.Id });
        db.Participants.Add(participant);
        await db.SaveChangesAsync();
        db.Answers.Add(new Answer
        {
            ParticipantId = participant.Id, PlanItemId = participant.Plan[0].Id, Position = 0, StimulusId = stimulus.Id, Choice = "1",
            IsCorrect = true, ResponseMs = 900, ShownUtc = DateTime.UtcNow, AnsweredUtc = DateTime.UtcNow,
        });
        await db.SaveChangesAsync();
    }

    /// <summary>Runs a write on another connection right after the snapshot's participants query, once.</summary>
    private sealed class WriteAfterParticipantsQuery(Func<Task> write) : DbCommandInterceptor
    {
        public bool Wrote { get; private set; }

        public override async ValueTask<DbDataReader> ReaderExecutedAsync(DbCommand command, CommandExecutedEventData eventData, DbDataReader result, CancellationToken cancellationToken = default)
        {
            var text = command.CommandText;
            if (!Wrote && text.Contains("FROM \"participants\"", StringComparison.Ordinal)
                && !text.Contains("plan_items", StringComparison.Ordinal) && !text.Contains("answers", StringComparison.Ordinal))
            {
                Wrote = true;
                await write();
            }
            return result;
        }
    }
}
