using SquadStudy.Data.Entities;
using SquadStudy.Web.Participation;

namespace SquadStudy.Web.Tests.Participation;

public sealed class QuestionsTests
{
    private static PlanItemView Item(string experiment, bool swapped) => new(1, 0, PlanItemKind.Question, swapped, null, null, null,
        new StimulusView(1, experiment, 1, 2, 4, 10, 11, "gradcam", "squadcam"));

    [Theory]
    [InlineData(false, "2", 2)]
    [InlineData(false, "-1", -1)]
    [InlineData(true, "2", -2)]
    [InlineData(true, "-1", 1)]
    [InlineData(true, "0", 0)]
    public void Trust_ScoreBelongsToTheStimulusModelA(bool swapped, string clicked, int score)
    {
        Questions.Evaluate(Item(ExperimentKind.Trust, swapped), clicked)!.Score.ShouldBe(score);
    }

    [Theory]
    [InlineData(false, "A", 1)]
    [InlineData(true, "A", -1)]
    [InlineData(true, "same", 0)]
    [InlineData(false, "B", -1)]
    public void Comparison_ScoreBelongsToTheStimulusMethodA(bool swapped, string clicked, int score)
    {
        Questions.Evaluate(Item(ExperimentKind.Comparison, swapped), clicked)!.Score.ShouldBe(score);
    }

    [Fact]
    public void Discrimination_OptionOrder_FollowsThePlan()
    {
        string[] names = ["a", "b", "cat", "d", "dog"];
        Questions.Options(Item(ExperimentKind.Discrimination, false), names).Select(o => o.Label).ShouldBe(["cat", "dog"]);
        Questions.Options(Item(ExperimentKind.Discrimination, true), names).Select(o => o.Label).ShouldBe(["dog", "cat"]);
    }

    [Fact]
    public void DisplayedExplanations_SwapSides()
    {
        var stimulus = Item(ExperimentKind.Trust, false).Stimulus!;
        Questions.DisplayedExplanations(stimulus, true).ShouldBe([(11L, "gradcam"), (10L, "gradcam")]);
        var comparison = Item(ExperimentKind.Comparison, false).Stimulus!;
        Questions.DisplayedExplanations(comparison, true).ShouldBe([(10L, "squadcam"), (10L, "gradcam")]);
    }

    [Fact]
    public void Secrets_AreLongRandomAndDistinct()
    {
        var tokens = Enumerable.Range(0, 1000).Select(_ => Secrets.NewToken()).ToHashSet();
        tokens.Count.ShouldBe(1000);
        tokens.ShouldAllBe(t => t.Length == 32);
        var code = Secrets.NewWithdrawalCode();
        Secrets.NormalizeWithdrawalCode(Secrets.FormatWithdrawalCode(code).ToLowerInvariant()).ShouldBe(code);
    }
}
