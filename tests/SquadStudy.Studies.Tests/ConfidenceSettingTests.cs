using System.Text.Json.Nodes;
using SquadStudy.Data.Entities;

namespace SquadStudy.Studies.Tests;

/// <summary>study.json <c>experiments[].confidence</c> (docs/study-pack.md): what imports, and what the pack refuses, naming the field.</summary>
public sealed class ConfidenceSettingTests
{
    private readonly FakeEngine _engine = new();

    private static JsonObject Discrimination(TestPack files) => files.Study["experiments"]!.AsArray()[0]!.AsObject();

    private IReadOnlyList<string> Problems(TestPack files)
    {
        files.SaveStudy();
        var error = Should.Throw<StudyPackException>(() => StudyPack.Load(files.Root, _engine).Dispose());
        return error.Problems.Select(p => p.Message).ToList();
    }

    [Fact]
    public void Load_ConfidenceWithLevels_ReadsTheScale()
    {
        using var files = new TestPack();
        Discrimination(files)["confidence"] = new JsonObject { ["levels"] = 4 };
        files.SaveStudy();

        using var pack = StudyPack.Load(files.Root, _engine);

        var scale = pack.Definition.ConfidenceFor(ExperimentKind.Discrimination).ShouldNotBeNull();
        scale.Levels.ShouldBe(4);
        scale.Labels.ShouldBeNull();
        pack.Definition.ConfidenceFor(ExperimentKind.Trust).ShouldBeNull();
        StudyDefinition.Parse(pack.DefinitionJson).ConfidenceFor(ExperimentKind.Discrimination)!.Levels.ShouldBe(4, "the stored definition reads back the same");
    }

    [Fact]
    public void Load_ConfidenceWithOwnLabels_KeepsThemInOrder()
    {
        using var files = new TestPack();
        Discrimination(files)["confidence"] = new JsonObject { ["levels"] = 6, ["labels"] = new JsonArray("0 %", "20 %", "40 %", "60 %", "80 %", "100 %") };
        files.SaveStudy();

        using var pack = StudyPack.Load(files.Root, _engine);

        pack.Definition.ConfidenceFor(ExperimentKind.Discrimination)!.Labels.ShouldBe(["0 %", "20 %", "40 %", "60 %", "80 %", "100 %"]);
    }

    [Fact]
    public void Load_WithoutConfidence_AsksNone()
    {
        using var files = new TestPack();
        using var pack = StudyPack.Load(files.Root, _engine);

        pack.Definition.Experiments.ShouldAllBe(e => e.Confidence == null);
        pack.Definition.ConfidenceFor(ExperimentKind.Discrimination).ShouldBeNull();
    }

    [Theory]
    [InlineData(1, "levels 1 must be between 2 and 7")]
    [InlineData(8, "levels 8 must be between 2 and 7")]
    [InlineData(0, "levels 0 must be between 2 and 7")]
    [InlineData(6, "the platform has labels for up to 5 levels; give 6 labels")]
    public void Load_ConfidenceLevelsOutOfRange_IsReported(int levels, string message)
    {
        using var files = new TestPack();
        Discrimination(files)["confidence"] = new JsonObject { ["levels"] = levels };

        Problems(files).ShouldContain(m => m.Contains("experiments[0].confidence") && m.Contains(message));
    }

    [Theory]
    [InlineData("low|high")]
    [InlineData("low||high")]
    [InlineData("low|low|high")]
    public void Load_ConfidenceLabelsThatDoNotFitTheLevels_AreReported(string joined)
    {
        var labels = joined.Split('|');
        using var files = new TestPack();
        Discrimination(files)["confidence"] = new JsonObject { ["levels"] = 3, ["labels"] = new JsonArray(labels.Select(l => (JsonNode)l).ToArray()) };

        Problems(files).ShouldContain(m => m.Contains("experiments[0].confidence.labels must be 3 distinct, non-empty texts"));
    }

    [Fact]
    public void Load_ConfidenceOnTrust_IsReported()
    {
        using var files = new TestPack();
        files.Study["experiments"]!.AsArray()[1]!["confidence"] = new JsonObject { ["levels"] = 4 };

        Problems(files).ShouldContain(m => m.Contains("experiments[1].confidence") && m.Contains("only discrimination"));
    }

    [Fact]
    public void Load_TwoDiscriminationExperimentsWithDifferentScales_IsReported()
    {
        using var files = new TestPack();
        var second = Discrimination(files).DeepClone().AsObject();
        second["questions"] = 1;
        second["confidence"] = new JsonObject { ["levels"] = 3 };
        Discrimination(files)["confidence"] = new JsonObject { ["levels"] = 4 };
        files.Study["experiments"]!.AsArray().Add(second);

        Problems(files).ShouldContain(m => m.Contains("the discrimination experiments ask for confidence differently"));
    }

    [Fact]
    public void Load_ConfidenceThatIsNotAnObject_IsReportedAsInvalidJson()
    {
        using var files = new TestPack();
        Discrimination(files)["confidence"] = "yes";

        Problems(files).ShouldContain(m => m.Contains("not valid"));
    }

    [Fact]
    public void Parse_StoredDefinitionWithABadScale_IsRefused()
    {
        const string json = """{ "experiments": [ { "type": "discrimination", "questions": 1, "confidence": { "levels": 9 } } ] }""";

        Should.Throw<InvalidDataException>(() => StudyDefinition.Parse(json)).Message.ShouldContain("experiments[0].confidence.levels 9");
    }
}
