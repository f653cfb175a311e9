using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SquadStudy.Data.Entities;

namespace SquadStudy.Studies.Tests;

/// <summary>The forward-simulation experiment (study.json <c>"type": "simulation"</c>): what the pack accepts, and the stimuli precompute makes.</summary>
public sealed class SimulationExperimentTests
{
    private readonly FakeEngine _engine = new();

    private static JsonObject Simulation(int questions = 3) => new()
    {
        ["type"] = "simulation",
        ["models"] = new JsonArray("alpha", "beta"),
        ["methods"] = new JsonArray("gradcam"),
        ["questions"] = questions,
    };

    private IReadOnlyList<string> Problems(TestPack files)
    {
        files.SaveStudy();
        var error = Should.Throw<StudyPackException>(() => StudyPack.Load(files.Root, _engine).Dispose());
        return error.Problems.Select(p => p.Message).ToList();
    }

    [Fact]
    public void Load_SimulationExperiment_WithConfidence_Imports()
    {
        using var files = new TestPack();
        var simulation = Simulation();
        simulation["confidence"] = new JsonObject { ["levels"] = 4 };
        files.Study["experiments"]!.AsArray().Add(simulation);
        files.SaveStudy();

        using var pack = StudyPack.Load(files.Root, _engine);

        var experiment = pack.Definition.Experiments.Single(e => e.Type == ExperimentKind.Simulation);
        experiment.Models.ShouldBe(["alpha", "beta"]);
        experiment.Questions.ShouldBe(3);
        pack.Definition.ConfidenceFor(ExperimentKind.Simulation)!.Levels.ShouldBe(4);
        pack.Definition.ConfidenceFor(ExperimentKind.Discrimination).ShouldBeNull("each type has its own scale");
    }

    [Fact]
    public void Load_SimulationWithoutMethods_IsReported()
    {
        using var files = new TestPack();
        var simulation = Simulation();
        simulation["methods"] = new JsonArray();
        files.Study["experiments"]!.AsArray().Add(simulation);

        Problems(files).ShouldContain(m => m.Contains("experiments[3] (simulation) needs at least one model and one method"));
    }

    [Fact]
    public void Load_SimulationAskingMoreThanImagesTimesModelsTimesMethods_IsReported()
    {
        using var files = new TestPack();
        // 8 images × 2 models × 1 method = 16 at most.
        files.Study["experiments"]!.AsArray().Add(Simulation(questions: 17));

        Problems(files).Single().ShouldContain("experiments[3] (simulation) asks 17 questions but the pack yields at most 16 stimuli");
    }

    /// <summary>
    /// One stimulus per image × model × method, its target the model's stored prediction (whose explanation is computed),
    /// its other option the image's label where the model is wrong and another class where it is right.
    /// </summary>
    [Fact]
    public async Task Precompute_MakesOneStimulusPerImageModelAndMethod_TargetingThePrediction()
    {
        using var files = new TestPack();
        files.Study["experiments"]!.AsArray().Add(Simulation());
        files.SaveStudy();
        await using var database = await StudyDatabase.CreateAsync(_engine);
        var study = await database.WithAsync<StudyImporter, Study>(i => i.ImportAsync(files.Root));

        await database.Services.GetRequiredService<Precomputer>().RunAsync(study.Id, new PrecomputeOptions { Workers = 1 });

        await database.WithDbAsync(async db =>
        {
            var predictions = await db.Predictions.ToDictionaryAsync(p => (p.ImageId, p.ModelId), p => p.PredictedClass);
            var labels = await db.StudyImages.ToDictionaryAsync(i => i.Id, i => i.LabelClass);
            var stimuli = await db.Stimuli.Where(s => s.Experiment == ExperimentKind.Simulation).ToListAsync();
            stimuli.Count.ShouldBe(16);
            stimuli.Select(s => (s.ImageId, s.ModelAId)).Distinct().Count().ShouldBe(16);
            stimuli.ShouldAllBe(s => s.MethodA == "gradcam" && s.ModelBId == null && s.MethodB == null);
            foreach (var s in stimuli)
            {
                var predicted = predictions[(s.ImageId, s.ModelAId)];
                s.TargetClass.ShouldBe(predicted);
                s.DistractorClass.ShouldNotBeNull().ShouldNotBe(predicted);
                if (predicted != labels[s.ImageId])
                {
                    s.DistractorClass.ShouldBe(labels[s.ImageId], "where the model is wrong the truth is the other option");
                }
            }
            stimuli.ShouldContain(s => s.TargetClass != labels[s.ImageId], "the fake models are wrong on some images");
            stimuli.ShouldContain(s => s.TargetClass == labels[s.ImageId], "and right on others");
            var explained = await db.Explanations.Select(e => new { e.ImageId, e.ModelId, e.Method, e.ClassIndex }).ToListAsync();
            stimuli.ShouldAllBe(s => explained.Any(e => e.ImageId == s.ImageId && e.ModelId == s.ModelAId && e.Method == s.MethodA && e.ClassIndex == s.TargetClass));
            return 0;
        });
    }
}
