using SquadStudy.Engine.Graph;
using SquadStudy.Engine.Onnx;
using SquadStudy.Engine.Tensors;
using TorchSharp;

namespace SquadStudy.Engine.Tests;

/// <summary>
/// What a forward pass holds: each activation only until its last reader has run (the input, the
/// output and the slots asked for stay), and each weight once, libtorch reading the managed array.
/// </summary>
public class ForwardMemoryTests
{
    private static GraphPlan Plan(out OnnxModel model)
    {
        using var file = File.OpenRead(FixturePaths.Engine("resnetlike_op13", "model.onnx"));
        model = OnnxReader.Read(file, "resnetlike_op13");
        var input = model.Input.Shape.Select(d => d > 0 ? (int)d : 1).ToArray();
        return GraphPlan.Build(model, input, long.MaxValue);
    }

    private static float[] Input(GraphPlan plan)
    {
        var random = new Random(3);
        return Enumerable.Range(0, ShapeUtil.Size(plan.SlotShape(plan.InputSlot)))
            .Select(_ => (float)random.NextDouble()).ToArray();
    }

    private static torch.Tensor Tensor(GraphPlan plan, float[] x) =>
        torch.tensor(x, plan.SlotShape(plan.InputSlot).Select(d => (long)d).ToArray());

    [Fact]
    public void Intermediate_activations_are_released_and_the_kept_ones_stay()
    {
        var plan = Plan(out _);
        int kept = plan.Layers[plan.Layers.Count / 2].Output;
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var state = plan.Forward(Tensor(plan, Input(plan)), recording: false, kept);

        state.Values[plan.InputSlot].ShouldNotBeNull();
        state.Values[plan.OutputSlot].ShouldNotBeNull();
        state.Values[kept].ShouldNotBeNull();
        var released = Enumerable.Range(0, plan.SlotCount).Where(s => state.Released[s]).ToArray();
        released.Length.ShouldBeGreaterThan(plan.Layers.Count / 2, "most intermediate activations are freed");
        released.ShouldNotContain(kept);
        foreach (var slot in released) state.Values[slot].ShouldBeNull();
    }

    [Fact]
    public void Releasing_activations_changes_neither_the_output_nor_the_gradient()
    {
        var plan = Plan(out _);
        var x = Input(plan);
        int target = plan.Layers[plan.Layers.Count / 2].Output;
        int everySlot = plan.SlotCount;

        (float[] Logits, float[] Grad) Run(int[] keep)
        {
            using var scope = torch.NewDisposeScope();
            var input = Tensor(plan, x).requires_grad_(true);
            var state = plan.Forward(input, recording: true, keep);
            var output = state.Values[plan.OutputSlot]!;
            var grad = torch.autograd.grad([output.sum()], [input, state.Values[target]!])[0];
            return (output.data<float>().ToArray(), grad.data<float>().ToArray());
        }

        var lean = Run([target]);
        var full = Run(Enumerable.Range(0, everySlot).ToArray());
        lean.Logits.ShouldBe(full.Logits);
        lean.Grad.ShouldBe(full.Grad);
    }

    [Fact]
    public void Reading_a_released_slot_names_the_keep_list()
    {
        var plan = Plan(out _);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var state = plan.Forward(Tensor(plan, Input(plan)), recording: false);
        int slot = Enumerable.Range(0, plan.SlotCount).First(s => state.Released[s]);
        Should.Throw<InvalidOperationException>(() => Operand.Runtime(slot).Value(state))
            .Message.ShouldContain("keep list");
    }

    [Fact]
    public void A_weight_is_held_once_libtorch_reading_the_managed_array()
    {
        var weight = new Tensor([2, 3], [1f, 2f, 3f, 4f, 5f, 6f]);
        var t = weight.Torch;
        try
        {
            t.shape.ShouldBe([2L, 3L]);
            weight.Data[4] = 42f;
            t[1, 1].item<float>().ShouldBe(42f, "the libtorch tensor is a view of the managed array, not a copy");
        }
        finally
        {
            weight.DisposeTorch();
        }
    }
}
