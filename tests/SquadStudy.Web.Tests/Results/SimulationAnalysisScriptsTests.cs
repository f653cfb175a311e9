using System.Globalization;
using System.Net;
using System.Text.Json;
using AngleSharp.Html.Parser;
using Microsoft.EntityFrameworkCore;
using SquadStudy.Data.Entities;
using SquadStudy.Testing;
using SquadStudy.Testing.Results;

namespace SquadStudy.Web.Tests.Results;

/// <summary>
/// A study with a discrimination and a forward-simulation experiment, seeded once. Its simulation answers come from a
/// known logistic mixed model (as <see cref="SimulatedStudySite"/>'s discrimination answers do): each of
/// <see cref="Participants"/> participants answers the simulation question of every one of <see cref="Images"/> images
/// once, model and method balanced. Each also answers <see cref="DiscriminationPerParticipant"/> discrimination
/// questions (one model, one method, correct by a coin toss), which a simulation script must leave out. Everyone
/// passes the attention check, so every simulation answer is kept. A second study, <see cref="SimulationOnlySlug"/>,
/// has only a simulation experiment and no answers.
/// </summary>
public sealed class SimulationStudySite : SquadStudyWebFactory, IAsyncLifetime
{
    public const string Slug = "forward";
    public const string SimulationOnlySlug = "forward-only";
    public const int Participants = 60;
    public const int Images = 40;
    public const int DiscriminationPerParticipant = 10;
    public const double RandomSd = 0.7;
    public static readonly string[] Methods = ["gradcam", "squadcam"];
    public static readonly string[] Models = ["vgg", "weak"];

    public static readonly IReadOnlyDictionary<string, double> TrueEffects = new Dictionary<string, double>
    {
        ["(Intercept)"] = 0.4,
        ["method[squadcam]"] = 0.9,
        ["model[weak]"] = -0.8,
        ["method[squadcam]:model[weak]"] = 0.3,
    };

    /// <summary>The simulation answers, in the seed's own numbering.</summary>
    public IReadOnlyList<SimulatedAnswer> SimulationAnswers { get; private set; } = [];

    public async Task InitializeAsync()
    {
        CreateClient().Dispose();
        var study = await AddStudyAsync(new TestStudyBuilder
        {
            Slug = Slug,
            Images = Images,
            ModelKeys = Models,
            DiscriminationModels = ["vgg"],
            DiscriminationMethods = ["gradcam"],
            SimulationModels = Models,
            SimulationMethods = Methods,
            SimulationQuestions = Images,
            TrustQuestions = 0,
            ComparisonQuestions = 0,
        });
        await AddStudyAsync(new TestStudyBuilder
        {
            Slug = SimulationOnlySlug,
            DiscriminationQuestions = 0,
            TrustQuestions = 0,
            ComparisonQuestions = 0,
            SimulationQuestions = 4,
        });
        var random = new Random(2027);
        var simulation = SimulatedAnswer.Draw(random, Participants, Images, RandomSd, TrueEffects, Methods, Models);
        SimulationAnswers = simulation;

        await WithDbAsync(async db =>
        {
            var row = await db.Studies.SingleAsync(s => s.Id == study.Id);
            var fields = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(row.DefinitionJson)!
                .ToDictionary(f => f.Key, f => (object)f.Value);
            fields["exclusions"] = new { fail_attention = true };
            row.DefinitionJson = JsonSerializer.Serialize(fields);

            var images = await db.StudyImages.Where(x => x.StudyId == study.Id).ToDictionaryAsync(x => x.Stem, x => x.Id);
            var models = await db.StudyModels.Where(m => m.StudyId == study.Id).ToDictionaryAsync(m => m.Id, m => m.Key);
            var all = await db.Stimuli.Where(s => s.StudyId == study.Id).ToListAsync();
            var simulationStimuli = all.Where(s => s.Experiment == ExperimentKind.Simulation).ToDictionary(s => (s.ImageId, models[s.ModelAId], s.MethodA));
            var discriminationStimuli = all.Where(s => s.Experiment == ExperimentKind.Discrimination).ToDictionary(s => s.ImageId);
            var start = new DateTime(2026, 11, 2, 9, 0, 0, DateTimeKind.Utc);
            foreach (var answers in simulation.GroupBy(a => a.Participant))
            {
                var plan = answers.Select(a => (Stimulus: simulationStimuli[(images[$"img{a.Image:D4}"], a.Model, a.Method)], a.Correct))
                    .Concat(Enumerable.Range(0, DiscriminationPerParticipant)
                        .Select(k => (Stimulus: discriminationStimuli[images[$"img{(answers.Key + k) % Images:D4}"]], Correct: random.Next(2) == 0)))
                    .ToList();
                var participant = PaperTablesSeed.CompletedParticipant(study.Id, Slug, answers.Key, start, plan.Select(q => q.Stimulus.Id).ToList());
                db.Participants.Add(participant);
                await db.SaveChangesAsync();
                foreach (var item in participant.Plan)
                {
                    bool attention = item.Kind == PlanItemKind.Attention;
                    var question = attention ? default : plan[item.Position];
                    bool correct = attention || question.Correct;
                    db.Answers.Add(new Answer
                    {
                        ParticipantId = participant.Id, PlanItemId = item.Id, Position = item.Position, StimulusId = item.StimulusId,
                        Choice = attention ? "Neither" : (correct ? question.Stimulus.TargetClass : question.Stimulus.DistractorClass!.Value).ToString(CultureInfo.InvariantCulture),
                        IsCorrect = correct, ResponseMs = 4000, ShownUtc = start, AnsweredUtc = start.AddSeconds(4),
                    });
                }
            }
            await db.SaveChangesAsync();
            return 0;
        });
    }

    Task IAsyncLifetime.DisposeAsync() => Task.CompletedTask;
}

/// <summary>
/// The generated scripts for a study's forward-simulation answers (?experiment=simulation): downloaded from the
/// dashboard's exports and run on the exported answers.csv, which also holds discrimination answers. R against the
/// test's own glmer fit of the seeded simulation answers, Python against R; and the URLs' handling of ?experiment=.
/// </summary>
public sealed class SimulationAnalysisScriptsTests(SimulationStudySite site) : IClassFixture<SimulationStudySite>, IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("squadstudy-simulation-analysis-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private static readonly string[] Terms = ["(Intercept)", "method[squadcam]", "model[weak]", "method[squadcam]:model[weak]"];

    private static string CountLine(string noun, int answers) =>
        $"{answers} {noun}, {SimulationStudySite.Participants} participants, {SimulationStudySite.Images} images";

    private async Task<string> DownloadAsync(string file, string slug = SimulationStudySite.Slug)
    {
        using var client = site.ResearcherClient();
        var response = await client.GetAsync($"/research/studies/{slug}/export/{file}");
        response.StatusCode.ShouldBe(HttpStatusCode.OK, file);
        response.Content.Headers.ContentDisposition!.DispositionType.ShouldBe("attachment");
        var path = Path.Combine(directory, response.Content.Headers.ContentDisposition.FileName!.Trim('"'));
        await File.WriteAllBytesAsync(path, await response.Content.ReadAsByteArrayAsync());
        return path;
    }

    /// <summary>glmer on the seeded simulation answers, in the test's own columns and formula.</summary>
    private Dictionary<string, (double Estimate, double StdError)> ReferenceFit() => Interpreters.ReferenceFit(site.SimulationAnswers, directory);

    [Fact]
    public async Task ExperimentQuery_PicksTheAnswersModelled_AndRefusesTypesTheStudyLacks()
    {
        // Default: discrimination, under the old file name; ?experiment=simulation: the simulation experiment's levels.
        var discrimination = await File.ReadAllTextAsync(await DownloadAsync("analysis.R"));
        Path.GetFileName(await DownloadAsync("analysis.R?experiment=discrimination")).ShouldBe("forward-analysis.R");
        discrimination.ShouldContain("d$experiment %in% \"discrimination\"");
        discrimination.ShouldContain("METHODS <- c(\"gradcam\")");
        discrimination.ShouldContain("No class-discrimination answers to analyse.");
        discrimination.ShouldNotContain("model's prediction");
        var rPath = await DownloadAsync("analysis.R?experiment=simulation");
        Path.GetFileName(rPath).ShouldBe("forward-simulation-analysis.R");
        var r = await File.ReadAllTextAsync(rPath);
        r.ShouldContain("d$experiment %in% \"simulation\"");
        r.ShouldNotContain("\"discrimination\"");
        r.ShouldContain("METHODS <- c(\"gradcam\", \"squadcam\")");
        r.ShouldContain("MODELS <- c(\"vgg\", \"weak\")");
        r.ShouldContain("# Analysis of the forward-simulation answers of study \"forward\"");
        r.ShouldContain("No forward-simulation answers to analyse.");
        r.ShouldContain("# chose the model's prediction (target_class), whatever the truth;");
        var python = await File.ReadAllTextAsync(await DownloadAsync("analysis.py?experiment=simulation"));
        python.ShouldContain("d[\"experiment\"] == \"simulation\"");
        python.ShouldContain("METHODS = [\"gradcam\", \"squadcam\"]");
        python.ShouldContain("No forward-simulation answers to analyse.");

        // A study with only a simulation experiment defaults to it; asking it for discrimination is a 404.
        var only = await File.ReadAllTextAsync(await DownloadAsync("analysis.py", SimulationStudySite.SimulationOnlySlug));
        only.ShouldContain("d[\"experiment\"] == \"simulation\"");

        using var client = site.ResearcherClient();
        foreach (var file in new[] { "analysis.R", "analysis.py" })
        {
            var absent = await client.GetAsync($"/research/studies/{SimulationStudySite.SimulationOnlySlug}/export/{file}?experiment=discrimination");
            absent.StatusCode.ShouldBe(HttpStatusCode.NotFound);
            (await absent.Content.ReadAsStringAsync()).ShouldContain("has no discrimination experiment");
            foreach (var unknown in new[] { "trust", "bogus" })
            {
                var bad = await client.GetAsync($"/research/studies/{SimulationStudySite.Slug}/export/{file}?experiment={unknown}");
                bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
                (await bad.Content.ReadAsStringAsync()).ShouldContain($"?experiment={unknown} is neither");
            }
        }

        // The dashboard links the scripts of each type the study has, and only those.
        var dashboard = new HtmlParser().ParseDocument(await client.GetStringAsync($"/research/studies/{SimulationStudySite.Slug}"));
        var links = dashboard.QuerySelectorAll("#exports-heading ~ ul a").Select(a => a.GetAttribute("href")).ToList();
        links.ShouldContain("/research/studies/forward/export/analysis.R");
        links.ShouldContain("/research/studies/forward/export/analysis.py");
        links.ShouldContain("/research/studies/forward/export/analysis.R?experiment=simulation");
        links.ShouldContain("/research/studies/forward/export/analysis.py?experiment=simulation");
        var onlyDashboard = new HtmlParser().ParseDocument(await client.GetStringAsync($"/research/studies/{SimulationStudySite.SimulationOnlySlug}"));
        onlyDashboard.QuerySelectorAll("[data-analysis-experiment]").Select(li => li.GetAttribute("data-analysis-experiment")).ShouldBe(["simulation"]);
    }

    [Fact]
    public void Scripts_RefuseAnExperimentTypeTheyDoNotModel()
    {
        var study = new SquadStudy.Analysis.ScriptStudy("x", "X", ["gradcam"], ["vgg"], "none", "trust");
        Should.Throw<ArgumentException>(() => SquadStudy.Analysis.AnalysisScripts.R(study)).Message.ShouldContain("\"trust\"");
        Should.Throw<ArgumentException>(() => SquadStudy.Analysis.AnalysisScripts.Python(study)).Message.ShouldContain("\"trust\"");
    }

    [Lme4Fact]
    public async Task RScript_OnTheSimulationAnswers_LeavesOutDiscrimination_AndEqualsTheTestsOwnGlmerFit()
    {
        var csv = await DownloadAsync("answers.csv");
        var lines = await File.ReadAllLinesAsync(csv);
        int experimentColumn = Array.IndexOf(lines[0].Split(','), "experiment");
        // The export holds both kinds: what the filter must tell apart.
        lines.Skip(1).Count(l => l.Split(',')[experimentColumn] == "discrimination").ShouldBe(SimulationStudySite.Participants * SimulationStudySite.DiscriminationPerParticipant);

        var (effects, output) = Interpreters.RunScript(Interpreters.Rscript, await DownloadAsync("analysis.R?experiment=simulation"), csv, directory);
        var reference = ReferenceFit();

        output.ShouldContain(CountLine("simulation answers", site.SimulationAnswers.Count));
        output.ShouldContain("correct ~ method * model + (1 | participant) + (1 | image)");
        effects.Keys.ShouldBe(Terms, ignoreOrder: true);
        foreach (var term in Terms)
        {
            effects[term].Estimate.ShouldBe(reference[term].Estimate, 1e-3, term);
            effects[term].StdError.ShouldBe(reference[term].StdError, 1e-3, term);
            Math.Abs(effects[term].Estimate - SimulationStudySite.TrueEffects[term]).ShouldBeLessThan(3 * effects[term].StdError, term);
        }

        // The discrimination script on the same file keeps only the discrimination rows (one method, one model).
        var (discrimination, discriminationOutput) = Interpreters.RunScript(Interpreters.Rscript, await DownloadAsync("analysis.R"), csv, directory);
        discriminationOutput.ShouldContain($"{SimulationStudySite.Participants * SimulationStudySite.DiscriminationPerParticipant} answers, {SimulationStudySite.Participants} participants");
        discrimination.Keys.ShouldBe(["(Intercept)"]);
    }

    [StatsmodelsFact]
    public async Task PythonScript_OnTheSimulationAnswers_AgreesWithR()
    {
        var csv = await DownloadAsync("answers.csv");
        var (r, rOutput) = Interpreters.RunScript(Interpreters.Rscript, await DownloadAsync("analysis.R?experiment=simulation"), csv, directory);

        var (python, output) = Interpreters.RunScript(Interpreters.Python, await DownloadAsync("analysis.py?experiment=simulation"), csv, directory);

        // Both count the simulation answers that are not attention checks (everyone is kept in this study).
        var lines = await File.ReadAllLinesAsync(csv);
        var header = lines[0].Split(',');
        int experiment = Array.IndexOf(header, "experiment"), attention = Array.IndexOf(header, "attention_check");
        lines.Skip(1).Select(l => l.Split(',')).Count(f => f[experiment] == "simulation" && f[attention] == "false").ShouldBe(site.SimulationAnswers.Count);
        rOutput.ShouldContain(CountLine("simulation answers", site.SimulationAnswers.Count));
        output.ShouldContain(CountLine("simulation answers", site.SimulationAnswers.Count));
        python.Keys.ShouldBe(Terms, ignoreOrder: true);
        r.Keys.ShouldBe(Terms, ignoreOrder: true);
        foreach (var term in Terms)
        {
            python[term].Estimate.ShouldBe(r[term].Estimate, 0.1 * r[term].StdError, term);
        }
    }
}
