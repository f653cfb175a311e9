using Microsoft.Data.Sqlite;

namespace SquadStudy.Cli.Tests;

/// <summary>
/// <c>import</c> and <c>precompute</c> against a SQLite data directory given as the site takes it
/// (<c>SquadStudy__DataDirectory</c>). The variable is process-wide, so every test class whose
/// command reads it (import, precompute, report) is in the <see cref="DataDirectoryVariable"/>
/// collection, and each test here clears it when done.
/// </summary>
[Collection(DataDirectoryVariable.Name)]
public sealed class StudyCommandsTests : CliTestBase
{
    public StudyCommandsTests()
    {
        Environment.SetEnvironmentVariable("SquadStudy__DataDirectory", Path.Combine(Temp, "data"));
    }

    protected override void DisposeCore() => Environment.SetEnvironmentVariable("SquadStudy__DataDirectory", null);

    /// <summary>A pack of two engine fixture models (10 classes) and four 48×40 images with two boxes each.</summary>
    private string WritePack(string methods = "\"gradcam\"")
    {
        var root = Path.Combine(Temp, "pack");
        foreach (var folder in new[] { "models", "images", "annotations" })
        {
            Directory.CreateDirectory(Path.Combine(root, folder));
        }
        File.WriteAllLines(Path.Combine(root, "labels.txt"), Enumerable.Range(0, 10).Select(i => $"c{i}"));
        File.WriteAllText(Path.Combine(root, "consent.md"), "Consent.");
        File.WriteAllText(Path.Combine(root, "study.json"), $$"""
            { "slug": "cli-study", "title": "CLI", "consent": "consent.md", "models": ["gap", "res"],
              "experiments": [ { "type": "discrimination", "models": ["gap", "res"], "methods": [{{methods}}], "questions": 2 } ],
              "completion": { "code": "CLI1", "redirect": null } }
            """);
        File.Copy(Fixture("gaplinear_op13", "model.onnx"), Path.Combine(root, "models", "gap.onnx"));
        File.WriteAllText(Path.Combine(root, "models", "gap.json"), """{ "input": { "width": 36, "height": 24 } }""");
        File.Copy(Fixture("resnetlike_op13", "model.onnx"), Path.Combine(root, "models", "res.onnx"));
        File.WriteAllText(Path.Combine(root, "models", "res.json"), """{ "input": { "width": 40, "height": 32 } }""");
        for (var i = 0; i < 4; i++)
        {
            File.Move(Image($"img{i}.png", 48, 40, seed: i), Path.Combine(root, "images", $"img{i}.png"));
            File.WriteAllText(Path.Combine(root, "annotations", $"img{i}.xml"), $"""
                <annotation><size><width>48</width><height>40</height></size>
                  <object><name>c{i}</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>30</xmax><ymax>30</ymax></bndbox></object>
                  <object><name>c{i + 1}</name><bndbox><xmin>20</xmin><ymin>20</ymin><xmax>48</xmax><ymax>40</ymax></bndbox></object>
                </annotation>
                """);
        }
        return root;
    }

    [Fact]
    public void Import_BrokenPack_ListsEveryProblemAndExitsWithFailure()
    {
        var pack = WritePack();
        File.Delete(Path.Combine(pack, "labels.txt"));
        File.WriteAllText(Path.Combine(pack, "annotations", "img2.xml"), "<annotation>");

        var result = Run("import", pack);

        result.ExitCode.ShouldBe(1);
        result.ErrorLines[0].ShouldBe("error: the study pack has 2 problems:");
        result.Error.ShouldContain("labels.txt: is missing");
        result.Error.ShouldContain("annotations/img2.xml:1: is not well-formed XML");
        SqliteConnection.ClearAllPools();
    }

    [Fact]
    public void Import_MethodsSpelledOtherwiseThanCanonically_AreRefusedWithTheCanonicalSpelling()
    {
        var pack = WritePack("\"gradcam\", \"smoothgrad(sigma=0.15,n=8)\", \"rise(masks=20\"");

        var result = Run("import", pack);

        result.ExitCode.ShouldBe(1);
        result.ErrorLines.ShouldBe([
            "error: the study pack has 2 problems:",
            "  study.json: experiments[0] (discrimination): method 'smoothgrad(sigma=0.15,n=8)' is not written canonically; write 'smoothgrad(n=8)'.",
            "  study.json: experiments[0] (discrimination): method 'rise(masks=20': missing ')' after '(masks=20'.",
        ]);
        SqliteConnection.ClearAllPools();
    }

    [Fact]
    public void ImportThenPrecompute_ReadiesAndOpensTheStudy_AndASecondImportIsRefused()
    {
        var pack = WritePack();

        var imported = Run("import", pack);
        imported.ExitCode.ShouldBe(0, imported.Error);
        imported.Out.ShouldContain("Imported study 'cli-study'");

        var again = Run("import", pack);
        again.ExitCode.ShouldBe(1);
        again.Error.Trim().ShouldBe("error: A study with slug 'cli-study' already exists (status precomputing); change the slug in study.json or import with --replace.");

        var precomputed = Run("precompute", "cli-study", "--open");
        precomputed.ExitCode.ShouldBe(0, precomputed.Error);
        precomputed.Out.ShouldContain("Study 'cli-study' precomputed");
        precomputed.Out.ShouldContain("Study 'cli-study' is open at /s/cli-study.");

        var repeat = Run("precompute", "cli-study");
        repeat.ExitCode.ShouldBe(0, repeat.Error);
        repeat.Out.ShouldContain("already precomputed (status open)");
        SqliteConnection.ClearAllPools();
    }

    [Fact]
    public void WorkerUntilIdle_PrecomputesTheImportedStudy_ThenExits()
    {
        var imported = Run("import", WritePack());
        imported.ExitCode.ShouldBe(0, imported.Error);

        var worker = Run("worker", "--until-idle", "--workers", "2");

        worker.ExitCode.ShouldBe(0, worker.Error);
        // 4 images x 2 models: 8 prediction items and 8 explanation items, all of them computed here.
        worker.Out.ShouldContain("Study 'cli-study': 16 item(s) computed here; no item of it is left to claim.");
        worker.Out.ShouldContain("No precompute item needs a worker; exiting.");
        Run("precompute", "cli-study").Out.ShouldContain("Study 'cli-study' is already precomputed (status ready).");
        Run("worker", "--until-idle").Out.ShouldContain("No precompute item needs a worker; exiting.");
        SqliteConnection.ClearAllPools();
    }

    [Fact]
    public void Metrics_AfterAPrecomputeWithoutThem_AppearInTheReport()
    {
        Run("import", WritePack("\"gradcam\", \"guidedbp\"")).ExitCode.ShouldBe(0);
        Run("precompute", "cli-study").ExitCode.ShouldBe(0);
        var db = Path.Combine(Temp, "data", "squadstudy.db");
        var before = MetricRows(Run("report", "--study", "cli-study", "--db", db, "--json"));
        before.Keys.ShouldBe(["gap/gradcam", "gap/guidedbp", "res/gradcam", "res/guidedbp"], ignoreOrder: true);
        before.Values.ShouldAllBe(means => !means.ContainsKey("deletionAuc") && means.ContainsKey("score"));

        var measured = Run("metrics", "--study", "cli-study", "--db", db, "--deletion-insertion", "--steps", "10", "--threads", "1");

        measured.ExitCode.ShouldBe(0, measured.Error);
        // 4 images × 2 models, each with its predicted class and two annotated ones (some shared), × 2 methods.
        measured.Out.ShouldMatch(@"^Study 'cli-study': deletion/insertion of \d+ stored map\(s\) in [0-9.]+ s\.\s*$");
        measured.ErrorLines.Length.ShouldBe(9, "one line before the first (image, model), one after each");
        measured.ErrorLines[^1].ShouldMatch(@"^cli-study: (\d+)/\1 maps$");
        var after = MetricRows(Run("report", "--study", "cli-study", "--db", db, "--json"));
        after.Keys.ShouldBe(before.Keys, ignoreOrder: true);
        foreach (var (row, means) in after)
        {
            means["deletionAuc"].ShouldBeInRange(0, 1, row);
            means["insertionAuc"].ShouldBeInRange(0, 1, row);
            means["score"].ShouldBe(before[row]["score"], row);
            means.ShouldNotContainKey("roadMorf");
        }
        SqliteConnection.ClearAllPools();
    }

    [Fact]
    public void Metrics_WithoutAMetric_IsAUsageError()
    {
        var result = Run("metrics", "--study", "cli-study");

        result.ExitCode.ShouldBe(2);
        result.Error.Trim().ShouldBe("error: say which metrics: --deletion-insertion, --road or --all (the sanity check needs the explainers; precompute computes it).");
    }

    [Fact]
    public void Metrics_StepsWithoutDeletionInsertion_IsAUsageError()
    {
        var result = Run("metrics", "--study", "cli-study", "--road", "--steps", "5");

        result.ExitCode.ShouldBe(2);
        result.Error.Trim().ShouldBe("error: --steps is the deletion/insertion steps: give it with --deletion-insertion or --all.");
    }

    [Fact]
    public void Metrics_UnknownStudy_IsOneLineError()
    {
        var result = Run("metrics", "--study", "no-such-study", "--all");

        result.ExitCode.ShouldBe(1);
        result.Error.Trim().ShouldBe("error: there is no study 'no-such-study' in this database.");
        SqliteConnection.ClearAllPools();
    }

    [Fact]
    public void Metrics_MissingSqliteFile_IsOneLineErrorAndCreatesNothing()
    {
        var missing = Path.Combine(Temp, "nowhere.db");

        var result = Run("metrics", "--study", "cli-study", "--db", missing, "--road");

        result.ExitCode.ShouldBe(1);
        result.Error.Trim().ShouldBe($"error: there is no SQLite database at '{missing}'.");
        File.Exists(missing).ShouldBeFalse();
    }

    /// <summary>The report's automated-metric means by model/method.</summary>
    private static Dictionary<string, Dictionary<string, double>> MetricRows(Result report)
    {
        report.ExitCode.ShouldBe(0, report.Error);
        using var document = System.Text.Json.JsonDocument.Parse(report.Out);
        return document.RootElement.GetProperty("metrics").EnumerateArray().ToDictionary(
            row => $"{row.GetProperty("model").GetString()}/{row.GetProperty("method").GetString()}",
            row => row.GetProperty("means").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble()));
    }

    [Fact]
    public void Precompute_UnknownSlug_IsOneLineError()
    {
        var result = Run("precompute", "no-such-study");

        result.ExitCode.ShouldBe(1);
        result.Error.Trim().ShouldBe("error: 'no-such-study' is neither a pack folder/.zip nor the slug of an imported study.");
        SqliteConnection.ClearAllPools();
    }
}

/// <summary>Tests that set or read the process-wide <c>SquadStudy__DataDirectory</c> never run at the same time.</summary>
[CollectionDefinition(Name)]
public sealed class DataDirectoryVariable
{
    public const string Name = "SquadStudy__DataDirectory";
}
