using System.CommandLine;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using SquadStudy.Cli;
using SquadStudy.Cli.Commands;
using SquadStudy.Data;
using SquadStudy.Data.Entities;

namespace SquadStudy.Cli.Tests.Admin;

[Collection(DataDirectoryVariable.Name)]
public sealed class ReportCommandTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "squadstudy-report-tests", Guid.NewGuid().ToString("N"));

    private string Database => $"Data Source={Path.Combine(directory, "site.db")}";

    public ReportCommandTests() => Directory.CreateDirectory(directory);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(directory, recursive: true);
    }

    private static async Task<(int Exit, string Output, string Error)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var context = new CliContext(output, error);
        var root = new RootCommand { AdminCommand.Create(context, new StringReader("a long enough password\n")), ReportCommand.Create(context) };
        var exit = await root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }

    /// <summary>Three participants answer one discrimination question each; two are right.</summary>
    private async Task SeedAsync()
    {
        // Creating an account migrates the fresh database, as the site would at start-up.
        (await RunAsync("admin", "add", "--email", "a@example.org", "--password-stdin", "--db", Database)).Exit.ShouldBe(0);
        var options = new DbContextOptionsBuilder<SquadStudyDbContext>().UseSqlite(Database).Options;
        await using var db = new SquadStudyDbContext(options);
        var study = new Study { Slug = "demo", Title = "Demo", DefinitionJson = "{}", ConsentMarkdown = "c", CompletionCode = "c", PackDirectory = "p", CreatedUtc = DateTime.UtcNow };
        db.Studies.Add(study);
        await db.SaveChangesAsync();
        var model = new StudyModel { StudyId = study.Id, Key = "vgg", DisplayName = "VGG", OnnxPath = "x", OnnxSha256 = "x", MetadataJson = "{}" };
        var image = new StudyImage { StudyId = study.Id, Stem = "img", FilePath = "x", Sha256 = "x", BoxesJson = "[]" };
        db.AddRange(model, image);
        await db.SaveChangesAsync();
        var stimulus = new Stimulus { StudyId = study.Id, Experiment = ExperimentKind.Discrimination, ImageId = image.Id, TargetClass = 0, DistractorClass = 1, ModelAId = model.Id, MethodA = "gradcam" };
        db.Stimuli.Add(stimulus);
        await db.SaveChangesAsync();
        for (var i = 0; i < 3; i++)
        {
            var participant = new Participant { StudyId = study.Id, Token = $"t{i}", WithdrawalCode = $"w{i}", Source = "direct", ConsentedUtc = DateTime.UtcNow, LastSeenUtc = DateTime.UtcNow };
            db.Participants.Add(participant);
            await db.SaveChangesAsync();
            var item = new PlanItem { ParticipantId = participant.Id, Position = 0, Kind = PlanItemKind.Question, StimulusId = stimulus.Id };
            db.PlanItems.Add(item);
            await db.SaveChangesAsync();
            db.Answers.Add(new Answer { ParticipantId = participant.Id, PlanItemId = item.Id, Position = 0, StimulusId = stimulus.Id, Choice = "x", IsCorrect = i < 2, ResponseMs = 1000, ShownUtc = DateTime.UtcNow, AnsweredUtc = DateTime.UtcNow });
            await db.SaveChangesAsync();
        }
    }

    [Fact]
    public async Task Report_Json_PrintsTheResultsDocument()
    {
        await SeedAsync();

        // Through the real entry point, so the command's registration is checked too.
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = CliApp.Run(["report", "--db", Database, "--study", "demo", "--json"], stdout, stderr);

        exit.ShouldBe(ExitCodes.Ok, stderr.ToString());
        using var json = JsonDocument.Parse(stdout.ToString());
        json.RootElement.GetProperty("study").GetString().ShouldBe("demo");
        json.RootElement.GetProperty("answers").GetInt32().ShouldBe(3);
        var vgg = json.RootElement.GetProperty("accuracy").EnumerateArray()
            .Single(r => r.GetProperty("model").ValueKind == JsonValueKind.String);
        vgg.GetProperty("n").GetInt32().ShouldBe(3);
        vgg.GetProperty("correct").GetInt32().ShouldBe(2);
        vgg.GetProperty("ci_low").GetDouble().ShouldBeLessThan(2.0 / 3.0);
    }

    [Fact]
    public async Task Report_UnknownStudy_SaysSo()
    {
        await SeedAsync();
        var (exit, _, error) = await RunAsync("report", "--db", Database, "--study", "nope", "--json");
        exit.ShouldBe(ExitCodes.Failure);
        error.ShouldContain("there is no study 'nope'");
    }

    [Fact]
    public async Task Report_WithoutJsonFlag_ExplainsTheFormat()
    {
        var (exit, _, error) = await RunAsync("report", "--db", Database, "--study", "demo");
        exit.ShouldBe(ExitCodes.Usage);
        error.ShouldContain("--json");
    }
}
