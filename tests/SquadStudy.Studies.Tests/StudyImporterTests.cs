using Microsoft.EntityFrameworkCore;
using SquadStudy.Data;
using SquadStudy.Data.Entities;

namespace SquadStudy.Studies.Tests;

public sealed class StudyImporterTests
{
    private readonly FakeEngine _engine = new();

    [Fact]
    public async Task Import_ValidPack_CreatesStudyModelsImagesAndPendingJob()
    {
        using var files = new TestPack();
        await using var database = await StudyDatabase.CreateAsync(_engine);

        var study = await database.WithAsync<StudyImporter, Study>(i => i.ImportAsync(files.Root));

        await database.WithDbAsync(async db =>
        {
            var row = await db.Studies.SingleAsync();
            row.Slug.ShouldBe("test-study");
            row.Status.ShouldBe(StudyStatus.Precomputing);
            row.CompletionCode.ShouldBe("ABC123");
            row.Redirect.ShouldBe("prolific");
            row.AbandonAfterMinutes.ShouldBe(60);
            row.ConsentMarkdown.ShouldContain("withdraw");
            var models = await db.StudyModels.OrderBy(m => m.Key).ToListAsync();
            models.Select(m => m.Key).ShouldBe(["alpha", "beta"]);
            models[0].RecordedAccuracy.ShouldBe(0.75);
            models[0].DisplayName.ShouldBe("Model alpha");
            var images = await db.StudyImages.OrderBy(i => i.Stem).ToListAsync();
            images.Count.ShouldBe(8);
            images.Count(i => i.IsTestSplit).ShouldBe(4);
            images[1].LabelClass.ShouldBe(1);
            BoxesJson.Parse(images[0].BoxesJson).Count.ShouldBe(2);
            var store = new ContentStore(database.DataDirectory);
            foreach (var path in images.Select(i => i.FilePath).Concat(models.Select(m => m.OnnxPath)))
            {
                File.Exists(store.Resolve(path)).ShouldBeTrue(path);
            }
            File.ReadAllBytes(store.Resolve(images[0].FilePath)!).ShouldBe(File.ReadAllBytes(files.PathOf("images/scene_00.png")));
            var job = await db.PrecomputeJobs.SingleAsync();
            job.StudyId.ShouldBe(study.Id);
            job.Status.ShouldBe(PrecomputeStatus.Pending);
            return 0;
        });
    }

    /// <summary>
    /// Regression: a pack imported from a .zip is read from a temporary folder that is deleted once
    /// imported. Its class names must come from the database, not from that folder.
    /// </summary>
    [Fact]
    public async Task Import_Zip_KeepsTheClassNames_AfterItsTemporaryFolderIsGone()
    {
        using var files = new TestPack();
        var zip = Path.Combine(Path.GetTempPath(), $"pack-{Guid.NewGuid():N}.zip");
        try
        {
            System.IO.Compression.ZipFile.CreateFromDirectory(files.Root, zip);
            await using var database = await StudyDatabase.CreateAsync(_engine);

            var study = await database.WithAsync<StudyImporter, Study>(i => i.ImportAsync(zip));

            Directory.Exists(study.PackDirectory).ShouldBeFalse("the .zip itself is not a folder to read labels from");
            var names = await database.WithDbAsync(db => db.ClassNamesAsync(study.Id));
            names.ShouldBe(TestPack.Classes);
            StudyClassNames.Name(names, 2).ShouldBe("triangle");
        }
        finally
        {
            File.Delete(zip);
        }
    }

    [Fact]
    public async Task Import_InvalidPack_WritesNoRows()
    {
        using var files = new TestPack();
        files.Write("annotations/scene_04.xml", "<annotation>");
        await using var database = await StudyDatabase.CreateAsync(_engine);

        await Should.ThrowAsync<StudyPackException>(() => database.WithAsync<StudyImporter, Study>(i => i.ImportAsync(files.Root)));

        (await database.WithDbAsync(db => db.Studies.CountAsync())).ShouldBe(0);
        (await database.WithDbAsync(db => db.StudyImages.CountAsync())).ShouldBe(0);
        (await database.WithDbAsync(db => db.PrecomputeJobs.CountAsync())).ShouldBe(0);
    }

    [Fact]
    public async Task Import_SlugThatExists_IsRefusedAndLeavesTheFirstStudyAlone()
    {
        using var files = new TestPack();
        await using var database = await StudyDatabase.CreateAsync(_engine);
        await database.WithAsync<StudyImporter, Study>(i => i.ImportAsync(files.Root));

        var error = await Should.ThrowAsync<StudyImportException>(() => database.WithAsync<StudyImporter, Study>(i => i.ImportAsync(files.Root)));

        error.Message.ShouldContain("slug 'test-study' already exists");
        (await database.WithDbAsync(db => db.StudyImages.CountAsync())).ShouldBe(8);
    }

    [Fact]
    public async Task Import_Replace_SwapsAStudyNobodyTookButNotAnOpenOne()
    {
        using var files = new TestPack();
        await using var database = await StudyDatabase.CreateAsync(_engine);
        var first = await database.WithAsync<StudyImporter, Study>(i => i.ImportAsync(files.Root));
        files.Delete("images/scene_07.png");
        files.Delete("annotations/scene_07.xml");

        var second = await database.WithAsync<StudyImporter, Study>(i => i.ImportAsync(files.Root, replace: true));

        second.Id.ShouldNotBe(first.Id);
        (await database.WithDbAsync(db => db.Studies.CountAsync())).ShouldBe(1);
        (await database.WithDbAsync(db => db.StudyImages.CountAsync())).ShouldBe(7);
        (await database.WithDbAsync(db => db.PrecomputeJobs.CountAsync())).ShouldBe(1);

        await database.WithDbAsync(db => db.Studies.ExecuteUpdateAsync(s => s.SetProperty(x => x.Status, StudyStatus.Open)));
        var error = await Should.ThrowAsync<StudyImportException>(() => database.WithAsync<StudyImporter, Study>(i => i.ImportAsync(files.Root, replace: true)));
        error.Message.ShouldContain("is open");
    }
}
