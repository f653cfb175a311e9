using Microsoft.Extensions.DependencyInjection;
using SquadStudy.Data.Entities;
using SquadStudy.Web.Research;

namespace SquadStudy.Web.Tests.FirstRun;

/// <summary>The researchers' "New study" page imports through the real pack importer and wakes the worker.</summary>
public sealed class PackImportServiceTests
{
    [Fact]
    public async Task ImportFolder_ValidPack_CreatesTheStudyAndTheWorkerPrecomputesIt()
    {
        using var pack = new SmallDemoPack();
        using var factory = new FirstRunFactory(demoPack: null, seed: false);
        _ = factory.CreateClient();

        StudyImportResult result;
        using (var scope = factory.Services.CreateScope())
        {
            result = await scope.ServiceProvider.GetRequiredService<IStudyImporter>().ImportFolderAsync(pack.Root);
        }

        result.Errors.ShouldBeEmpty();
        result.Slug.ShouldBe("demo");
        var study = await factory.WaitForStatusAsync("demo", StudyStatus.Ready, TimeSpan.FromMinutes(3));
        (await factory.WithDbAsync(db => Task.FromResult(db.Stimuli.Count(s => s.StudyId == study.Id)))).ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task ImportFolder_BrokenPack_ReportsEveryProblemAndCreatesNothing()
    {
        using var pack = new SmallDemoPack();
        File.Delete(Path.Combine(pack.Root, "labels.txt"));
        File.WriteAllText(Path.Combine(pack.Root, "annotations", "img0.xml"), "<annotation><size>");
        using var factory = new FirstRunFactory(demoPack: null, seed: false);
        _ = factory.CreateClient();

        StudyImportResult result;
        using (var scope = factory.Services.CreateScope())
        {
            result = await scope.ServiceProvider.GetRequiredService<IStudyImporter>().ImportFolderAsync(pack.Root);
        }

        result.Slug.ShouldBeNull();
        result.Errors.ShouldContain(e => e.Contains("labels.txt", StringComparison.Ordinal));
        result.Errors.ShouldContain(e => e.Contains("img0.xml", StringComparison.Ordinal));
        (await factory.WithDbAsync(db => Task.FromResult(db.Studies.Count()))).ShouldBe(0);
    }

    [Fact]
    public async Task ImportFolder_NotAFolder_SaysSo()
    {
        using var factory = new FirstRunFactory(demoPack: null, seed: false);
        _ = factory.CreateClient();
        using var scope = factory.Services.CreateScope();

        var result = await scope.ServiceProvider.GetRequiredService<IStudyImporter>().ImportFolderAsync("/no/such/folder");

        result.Errors.ShouldHaveSingleItem().ShouldContain("/no/such/folder");
    }
}
