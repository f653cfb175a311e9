using Microsoft.EntityFrameworkCore;
using SquadStudy.Data.Entities;

namespace SquadStudy.Web.Tests.FirstRun;

/// <summary>The real first run: the repository's demo/pack found from the content root, nothing configured.</summary>
public sealed class DemoFirstRunTests
{
    [Fact]
    public async Task EmptyDataDirectory_OpensTheRepositoryDemo_WithTheAccuracyPyTorchRecorded()
    {
        using var factory = new FirstRunFactory(demoPack: null);
        factory.CreateClient();

        var study = await factory.WaitForStatusAsync("demo", StudyStatus.Open, TimeSpan.FromMinutes(10));

        var models = await factory.WithDbAsync(db => db.StudyModels.Where(m => m.StudyId == study.Id).ToListAsync());
        models.Select(m => m.Key).Order().ShouldBe(["vgg", "weak"]);
        foreach (var model in models)
        {
            model.RecordedAccuracy.ShouldNotBeNull();
            // The pack records the accuracy rounded to four places.
            model.MeasuredAccuracy.ShouldNotBeNull().ShouldBe(model.RecordedAccuracy.Value, 5e-5, model.Key);
        }
        var stimuli = await factory.WithDbAsync(db => db.Stimuli.Where(s => s.StudyId == study.Id)
            .GroupBy(s => s.Experiment).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count));
        stimuli[ExperimentKind.Discrimination].ShouldBeGreaterThanOrEqualTo(12);
        stimuli[ExperimentKind.Trust].ShouldBeGreaterThanOrEqualTo(6);
        stimuli[ExperimentKind.Comparison].ShouldBeGreaterThanOrEqualTo(4);
        factory.Warnings.ShouldContain(w => w.Contains("/s/demo"));
    }
}
