using SquadStudy.Data.Entities;
using SquadStudy.Web.Participation;

namespace SquadStudy.Web.Tests.Participation;

public sealed class PlanDrawerTests
{
    private static readonly StudyDefinition Definition = StudyDefinition.Parse("""
        { "experiments": [ { "type": "discrimination", "questions": 30 }, { "type": "trust", "questions": 4 } ],
          "attention_checks": [ { "after": 5, "prompt": "Pick Neither", "answer": "Neither" },
                                { "after": 99, "prompt": "Pick Agree", "answer": "Agree", "options": ["Agree", "Disagree"] } ] }
        """);

    /// <summary>The seed study's design: 101 image–class pairs × 2 models × 3 methods.</summary>
    private static List<StimulusSlot> SeedLikePool()
    {
        var pool = new List<StimulusSlot>();
        var id = 1;
        for (var image = 0; image < 101; image++)
        {
            for (var k = 0; k < 6; k++)
            {
                pool.Add(new StimulusSlot(id++, ExperimentKind.Discrimination, image, 0));
            }
            pool.Add(new StimulusSlot(id++, ExperimentKind.Trust, image, 0));
        }
        return pool;
    }

    [Fact]
    public void Draw_TakesTheQuotas_InsertsChecks_AndNeverRepeatsAnImage()
    {
        var plan = PlanDrawer.Draw(Definition, SeedLikePool(), new Random(1));
        plan.Count.ShouldBe(36);
        plan[5].Kind.ShouldBe(PlanItemKind.Attention);
        plan[5].Check!.Options.ShouldContain("Neither");
        plan[^1].Check!.Prompt.ShouldBe("Pick Agree");
        plan[^1].Check!.Options.ShouldBe(["Agree", "Disagree"]);
        plan.Count(p => p.Kind == PlanItemKind.Question).ShouldBe(34);
    }

    [Fact]
    public void Draw_SequentialPlans_CoverTheSeedDesignUniformly()
    {
        var pool = SeedLikePool();
        var random = new Random(7);
        // 90 participants × 30 questions = 2700 = 606 × 4.46: every stimulus 4 or 5 times.
        for (var participant = 0; participant < 90; participant++)
        {
            var plan = PlanDrawer.Draw(Definition, pool, random);
            var chosen = plan.Where(p => p.StimulusId is not null).Select(p => p.StimulusId!.Value).ToHashSet();
            pool.Where(s => chosen.Contains(s.Id) && s.Experiment == ExperimentKind.Discrimination)
                .Select(s => s.ImageId).Distinct().Count().ShouldBe(30);
            pool = pool.Select(s => chosen.Contains(s.Id) ? s with { AssignedCount = s.AssignedCount + 1 } : s).ToList();
        }
        var discrimination = pool.Where(s => s.Experiment == ExperimentKind.Discrimination).Select(s => s.AssignedCount).ToList();
        discrimination.Sum().ShouldBe(2700);
        discrimination.Min().ShouldBeGreaterThanOrEqualTo(3);
        discrimination.Max().ShouldBeLessThanOrEqualTo(6);
        var trust = pool.Where(s => s.Experiment == ExperimentKind.Trust).Select(s => s.AssignedCount).ToList();
        (trust.Max() - trust.Min()).ShouldBeLessThanOrEqualTo(1);
    }

    /// <summary>Simulation stimuli (12 images × 2 models × 2 methods) are balanced as the others: 20 plans of 6 use each of the 48 two or three times.</summary>
    [Fact]
    public void Draw_SimulationStimuli_AreBalancedLikeTheOthers()
    {
        var definition = StudyDefinition.Parse("""{ "experiments": [ { "type": "simulation", "questions": 6 } ] }""");
        var pool = Enumerable.Range(0, 48).Select(i => new StimulusSlot(i + 1, ExperimentKind.Simulation, i / 4, 0)).ToList();
        var random = new Random(11);
        for (var participant = 0; participant < 20; participant++)
        {
            var plan = PlanDrawer.Draw(definition, pool, random);
            plan.Count.ShouldBe(6);
            var chosen = plan.Select(p => p.StimulusId!.Value).ToHashSet();
            pool.Where(s => chosen.Contains(s.Id)).Select(s => s.ImageId).Distinct().Count().ShouldBe(6, "no image twice in one plan");
            pool = pool.Select(s => chosen.Contains(s.Id) ? s with { AssignedCount = s.AssignedCount + 1 } : s).ToList();
        }
        pool.Sum(s => s.AssignedCount).ShouldBe(120);
        pool.Min(s => s.AssignedCount).ShouldBeGreaterThanOrEqualTo(2);
        pool.Max(s => s.AssignedCount).ShouldBeLessThanOrEqualTo(3);
    }

    [Fact]
    public void Draw_SidesAreSwappedAboutHalfTheTime()
    {
        var random = new Random(3);
        var swaps = Enumerable.Range(0, 200).SelectMany(_ => PlanDrawer.Draw(Definition, SeedLikePool(), random))
            .Where(p => p.Kind == PlanItemKind.Question).Select(p => p.Swapped).ToList();
        var share = swaps.Count(s => s) / (double)swaps.Count;
        share.ShouldBeInRange(0.47, 0.53);
    }

    [Fact]
    public void Draw_PoolSmallerThanQuota_TakesWhatThereIs_RepeatingImagesOnlyThen()
    {
        var pool = new List<StimulusSlot> { new(1, ExperimentKind.Trust, 1, 0), new(2, ExperimentKind.Trust, 1, 0), new(3, ExperimentKind.Trust, 2, 0) };
        var plan = PlanDrawer.Draw(StudyDefinition.Parse("""{ "experiments": [ { "type": "trust", "questions": 2 } ] }"""), pool, new Random(1));
        var ids = plan.Select(p => p.StimulusId!.Value).ToList();
        ids.ShouldContain(3);
        var all = PlanDrawer.Draw(StudyDefinition.Parse("""{ "experiments": [ { "type": "trust", "questions": 5 } ] }"""), pool, new Random(1));
        all.Count.ShouldBe(3);
    }

    [Theory]
    [InlineData("""{ "experiments": [ { "questions": 2 } ] }""", "experiments[0].type")]
    [InlineData("""{ "experiments": [ { "type": "trust", "questions": -1 } ] }""", "experiments[0].questions")]
    [InlineData("""{ "attention_checks": [ { "after": 1, "prompt": "x" } ] }""", "attention_checks[0]")]
    public void Parse_BadDefinition_NamesTheField(string json, string field)
    {
        Should.Throw<InvalidDataException>(() => StudyDefinition.Parse(json)).Message.ShouldContain(field);
    }
}
