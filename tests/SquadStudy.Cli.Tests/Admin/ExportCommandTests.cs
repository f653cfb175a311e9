using System.CommandLine;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
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
    private async Task SeedAsync()
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
        var stimulus = new Stimulus { StudyId = study.Id, Experiment = ExperimentKind.Discrimination, ImageId = image.Id, TargetClass = 1, DistractorClass = 0, ModelAId = model.Id, MethodA = "gradcam" };
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
}
