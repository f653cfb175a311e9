using System.IO.Compression;
using System.Text.Json.Nodes;

namespace SquadStudy.Studies.Tests;

public sealed class StudyPackValidationTests
{
    private readonly FakeEngine _engine = new();

    private IReadOnlyList<PackProblem> Problems(string path, PackLimits? limits = null)
    {
        var error = Should.Throw<StudyPackException>(() => StudyPack.Load(path, _engine, limits).Dispose());
        error.Problems.ShouldNotBeEmpty();
        return error.Problems;
    }

    [Fact]
    public void Load_ValidPack_ReadsDesignModelsAndImages()
    {
        using var files = new TestPack();
        using var pack = StudyPack.Load(files.Root, _engine);

        pack.Definition.Slug.ShouldBe("test-study");
        pack.Definition.Seed.ShouldBe(7);
        pack.Labels.ShouldBe(TestPack.Classes);
        pack.ConsentMarkdown.ShouldStartWith("# Consent");
        pack.InstructionsMarkdown.ShouldBe("Look at the picture.\n");
        pack.Models.Select(m => m.Key).ShouldBe(["alpha", "beta"]);
        pack.Models[0].Metadata.Accuracy!.Top1.ShouldBe(0.75);
        pack.Images.Count.ShouldBe(8);
        pack.Images.Count(i => i.IsTest).ShouldBe(4);
        var first = pack.Images.Single(i => i.Stem == "scene_00");
        (first.Width, first.Height).ShouldBe((32, 32));
        first.Boxes.Count.ShouldBe(2);
        first.LabelClass.ShouldBe(0, "the 20×20 circle box is larger than the 9×9 square box");
        first.Boxes[1].ShouldBe(new Engine.GroundTruthBox(1, 22, 22, 30, 30));
    }

    [Fact]
    public void Load_MissingFiles_NamesEveryMissingFileAtOnce()
    {
        using var files = new TestPack();
        files.Delete("labels.txt");
        files.Delete("consent.md");
        files.Delete("models/alpha.json");
        files.Delete("models/beta.onnx");
        files.Delete("annotations/scene_03.xml");

        var problems = Problems(files.Root);

        problems.Select(p => p.File).ShouldBe(
            ["labels.txt", "consent.md", "models/alpha.json", "models/beta.onnx", "annotations/scene_03.xml"], ignoreOrder: true);
        problems.Single(p => p.File == "annotations/scene_03.xml").Message.ShouldContain("images/scene_03");
    }

    [Fact]
    public void Load_WithoutStudyJson_SaysSo()
    {
        using var files = new TestPack();
        files.Delete("study.json");

        Problems(files.Root).ShouldContain(p => p.File == "study.json" && p.Message.Contains("missing"));
    }

    [Fact]
    public void Load_MalformedStudyJson_ReportsTheLine()
    {
        using var files = new TestPack();
        files.Write("study.json", "{\n  \"slug\": \"x\",\n  \"title\": oops\n}");

        var problem = Problems(files.Root).Single(p => p.File == "study.json");
        problem.Line.ShouldBe(3);
        problem.Message.ShouldContain("not valid");
    }

    [Fact]
    public void Load_MalformedAnnotationXml_ReportsFileAndLine()
    {
        using var files = new TestPack();
        files.Write("annotations/scene_02.xml", "<annotation>\n  <size><width>32</width>\n</annotation>");

        var problem = Problems(files.Root).Single();
        problem.File.ShouldBe("annotations/scene_02.xml");
        problem.Message.ShouldContain("not well-formed XML");
        problem.Line.ShouldBe(3);
    }

    [Fact]
    public void Load_AnnotationWithDtd_IsRefused()
    {
        using var files = new TestPack();
        files.Write("annotations/scene_02.xml", "<!DOCTYPE a [<!ENTITY x \"xx\">]><annotation/>");

        Problems(files.Root).Single().File.ShouldBe("annotations/scene_02.xml");
    }

    [Fact]
    public void Load_UnknownClassInAnnotation_NamesTheClass()
    {
        using var files = new TestPack();
        files.Write("annotations/scene_04.xml", TestPack.Voc("scene_04", 32, 32, [("hexagon", 1, 1, 10, 10)]));

        var problem = Problems(files.Root).Single();
        problem.File.ShouldBe("annotations/scene_04.xml");
        problem.Message.ShouldContain("'hexagon'");
        problem.Message.ShouldContain("labels.txt");
        problem.Line.ShouldBe(4);
    }

    [Fact]
    public void Load_BoxOutsideTheImageOrInverted_IsReported()
    {
        using var files = new TestPack();
        files.Write("annotations/scene_05.xml", TestPack.Voc("scene_05", 32, 32, [("circle", 1, 1, 33, 10)]));
        files.Write("annotations/scene_06.xml", TestPack.Voc("scene_06", 32, 32, [("circle", 0, 1, 10, 10)]));
        files.Write("annotations/scene_07.xml", TestPack.Voc("scene_07", 32, 32, [("circle", 20, 1, 10, 10)]));

        var problems = Problems(files.Root);

        problems.Count.ShouldBe(3);
        problems.Single(p => p.File == "annotations/scene_05.xml").Message.ShouldContain("outside the 32×32 image");
        problems.Single(p => p.File == "annotations/scene_06.xml").Message.ShouldContain("outside");
        problems.Single(p => p.File == "annotations/scene_07.xml").Message.ShouldContain("inverted");
    }

    [Fact]
    public void Load_AnnotationSizeDiffersFromImage_IsReported()
    {
        using var files = new TestPack();
        files.Write("annotations/scene_05.xml", TestPack.Voc("scene_05", 64, 32, [("circle", 1, 1, 10, 10)]));

        Problems(files.Root).Single().Message.ShouldContain("64×32 but images/scene_05 is 32×32");
    }

    [Fact]
    public void Load_ModelWhoseInputOrOutputsDoNotMatch_IsReported()
    {
        using var files = new TestPack();
        files.AddModel("alpha", salt: 1, width: 32, metadataWidth: 224);
        files.AddModel("beta", salt: 2, classes: 5);

        var problems = Problems(files.Root);

        problems.Single(p => p.File == "models/alpha.onnx").Message.ShouldContain("takes 32×32 images but models/alpha.json says input 224×32");
        problems.Single(p => p.File == "models/beta.onnx").Message.ShouldContain("has 5 outputs but labels.txt names 3 classes");
    }

    [Fact]
    public void Load_ModelTheEngineCanNotLoad_IsReported()
    {
        using var files = new TestPack();
        files.Write("models/beta.onnx", "not a model");

        var problem = Problems(files.Root).Single();
        problem.File.ShouldBe("models/beta.onnx");
        problem.Message.ShouldContain("can not be loaded");
    }

    [Fact]
    public void Load_CorruptImages_NamesEachImage()
    {
        using var files = new TestPack();
        for (var i = 0; i < 8; i++)
        {
            files.Write($"images/scene_{i:D2}.png", FakeEngine.Image(32, 32, (byte)i)[..40]);
        }

        var problems = Problems(files.Root);

        problems.Where(p => p.Message.Contains("can not be decoded")).Select(p => p.File)
            .ShouldBe(Enumerable.Range(0, 8).Select(i => $"images/scene_{i:D2}.png"), ignoreOrder: true);
    }

    [Fact]
    public void Load_DuplicateStems_AreReported()
    {
        using var files = new TestPack();
        files.Write("images/scene_01.jpg", FakeEngine.Image(32, 32, 1));

        Problems(files.Root).Single().Message.ShouldContain("stems must be unique");
    }

    [Fact]
    public void Load_InvalidDesign_ReportsEveryProblem()
    {
        using var files = new TestPack();
        files.Study["slug"] = "Not A Slug";
        var experiments = files.Study["experiments"]!.AsArray();
        experiments[0]!["models"] = new JsonArray("alpha", "gamma");
        experiments[0]!["methods"] = new JsonArray("gradcam", "magic-cam");
        experiments[1]!["type"] = "survey";
        files.SaveStudy();

        var messages = Problems(files.Root).Select(p => p.Message).ToList();

        messages.ShouldContain(m => m.Contains("slug 'Not A Slug' is invalid"));
        messages.ShouldContain(m => m.Contains("unknown model 'gamma'"));
        messages.ShouldContain(m => m.Contains("unknown method 'magic-cam'"));
        messages.ShouldContain(m => m.Contains("'survey' is not one of"));
    }

    [Fact]
    public void Load_MoreQuestionsThanStimuli_IsReported()
    {
        using var files = new TestPack();
        // Five two-class images × 2 classes × 2 models × 2 methods = 40 discrimination stimuli.
        files.Study["experiments"]!.AsArray()[0]!["questions"] = 41;
        files.SaveStudy();

        Problems(files.Root).Single().Message.ShouldContain("asks 41 questions but the pack yields at most 40 stimuli");
    }

    [Fact]
    public void Load_Zip_ReadsThePackInsideItsTopFolder()
    {
        using var files = new TestPack();
        var zip = Path.Combine(Path.GetTempPath(), $"pack-{Guid.NewGuid():N}.zip");
        try
        {
            using (var archive = ZipFile.Open(zip, ZipArchiveMode.Create))
            {
                foreach (var file in Directory.EnumerateFiles(files.Root, "*", SearchOption.AllDirectories))
                {
                    archive.CreateEntryFromFile(file, "pack/" + Path.GetRelativePath(files.Root, file).Replace('\\', '/'));
                }
            }
            string extracted;
            using (var pack = StudyPack.Load(zip, _engine))
            {
                pack.Images.Count.ShouldBe(8);
                extracted = pack.Root;
                Directory.Exists(extracted).ShouldBeTrue();
            }
            Directory.Exists(extracted).ShouldBeFalse("the temporary extraction is removed on dispose");
        }
        finally
        {
            File.Delete(zip);
        }
    }

    [Fact]
    public void Load_ZipWithPathOutsideThePack_IsRefused()
    {
        var zip = Path.Combine(Path.GetTempPath(), $"slip-{Guid.NewGuid():N}.zip");
        var escaped = Path.GetFullPath(Path.Combine(Path.GetTempPath(), "..", $"evil-{Guid.NewGuid():N}.txt"));
        try
        {
            using (var archive = ZipFile.Open(zip, ZipArchiveMode.Create))
            {
                using var writer = new StreamWriter(archive.CreateEntry($"../{Path.GetFileName(escaped)}").Open());
                writer.Write("pwned");
            }

            Problems(zip).ShouldContain(p => p.Message.Contains("zip-slip"));
            File.Exists(escaped).ShouldBeFalse();
        }
        finally
        {
            File.Delete(zip);
        }
    }

    [Fact]
    public void Load_ZipThatInflatesPastTheLimit_IsRefused()
    {
        var zip = Path.Combine(Path.GetTempPath(), $"bomb-{Guid.NewGuid():N}.zip");
        try
        {
            using (var archive = ZipFile.Open(zip, ZipArchiveMode.Create))
            {
                using var stream = archive.CreateEntry("study.json", CompressionLevel.SmallestSize).Open();
                stream.Write(new byte[4 << 20]);
            }
            new FileInfo(zip).Length.ShouldBeLessThan(100_000);

            Problems(zip, new PackLimits { MaxTotalBytes = 1 << 20 }).Single().Message.ShouldContain("zip bomb");
        }
        finally
        {
            File.Delete(zip);
        }
    }

    [Fact]
    public void Load_PathThatIsNeitherFolderNorZip_SaysSo()
    {
        Problems("/nonexistent/pack.tar").Single().Message.ShouldContain("neither a folder nor a .zip");
    }

    [Fact]
    public void Load_ExperimentNamingAMissingImage_IsReported_ButABrokenImageOnlyOnce()
    {
        using var files = new TestPack();
        files.Study["experiments"]!.AsArray()[0]!["images"] = new JsonArray("scene_00", "scene_01", "scene_99");
        files.SaveStudy();
        files.Write("annotations/scene_01.xml", "<annotation>");

        var problems = Problems(files.Root);

        problems.Count.ShouldBe(2);
        problems.ShouldContain(p => p.File == "study.json" && p.Message.Contains("'scene_99', which is not in images/"));
        problems.ShouldContain(p => p.File == "annotations/scene_01.xml");
    }
}
