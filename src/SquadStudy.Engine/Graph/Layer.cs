using TorchSharp;
using Tensor = SquadStudy.Engine.Tensors.Tensor;
using TorchTensor = TorchSharp.torch.Tensor;

namespace SquadStudy.Engine.Graph;

/// <summary>An operator input: a runtime value (an activation slot) or a constant.</summary>
internal readonly record struct Operand(int Slot, Tensor? Constant)
{
    public static Operand Runtime(int slot) => new(slot, null);
    public static Operand Const(Tensor t) => new(-1, t);

    public bool IsRuntime => Slot >= 0;

    public TorchTensor Value(ExecutionState s) => Constant?.Torch ?? s.Values[Slot]
        ?? throw new InvalidOperationException(s.Released[Slot]
            ? $"Slot {Slot} was released after its last reader; pass it to GraphPlan.Forward's keep list."
            : $"Slot {Slot} has not been computed.");
}

/// <summary>How the ReLUs of a recorded forward pass back-propagate (Springenberg et al. 2015; Zeiler and Fergus 2014).</summary>
public enum ReluBackwardMode
{
    /// <summary>The true gradient: R_in = (f_in &gt; 0)·R_out.</summary>
    Normal,

    /// <summary>Guided backpropagation: R_in = (f_in &gt; 0)·(R_out &gt; 0)·R_out.</summary>
    Guided,

    /// <summary>Deconvolution: R_in = (R_out &gt; 0)·R_out.</summary>
    Deconvolution,
}

/// <summary>
/// The activations of one forward pass as libtorch tensors, owned by the caller's dispose scope.
/// When <see cref="Recording"/>, the ReLUs are <see cref="SwitchableRelu"/> nodes whose backward
/// rule <see cref="ReluMode"/> selects, so one recorded forward pass serves the normal, guided and
/// deconvolution backward passes.
/// </summary>
internal sealed class ExecutionState(int slots, bool recording)
{
    public TorchTensor?[] Values { get; } = new TorchTensor?[slots];

    /// <summary>Slots whose tensor <see cref="GraphPlan.Forward"/> released after their last reader.</summary>
    public bool[] Released { get; } = new bool[slots];

    public bool Recording => recording;

    public ReluModeSwitch ReluMode { get; } = new();
}

/// <summary>The backward rule the ReLUs of one recorded pass apply, read when autograd runs them.</summary>
internal sealed class ReluModeSwitch
{
    public ReluBackwardMode Mode { get; set; }
}

/// <summary>
/// One operator bound to concrete shapes: its forward pass as libtorch calls. Autograd derives
/// every backward pass; weights never require gradients.
/// </summary>
internal abstract class Layer
{
    protected Layer(string label, Operand[] operands, int[] outputShape)
    {
        Label = label;
        Operands = operands;
        OutputShape = outputShape;
    }

    /// <summary>"OpType node 'name'", for messages.</summary>
    public string Label { get; }

    public Operand[] Operands { get; }

    public int[] OutputShape { get; }

    public int Output { get; set; } = -1;

    public int Index { get; set; } = -1;

    /// <summary>Floating-point operations of one forward pass (for GFLOP/s figures).</summary>
    public virtual double Flops => 0;

    /// <summary>Constants the layer holds besides its operands (weights, folded coefficients).</summary>
    public virtual IEnumerable<Tensor> OwnedConstants => [];

    public abstract TorchTensor Forward(ExecutionState s);
}

/// <summary>
/// ReLU as a custom autograd function whose backward rule is chosen when the backward pass runs
/// (<see cref="ReluModeSwitch"/>): the true gradient, guided backpropagation or deconvolution.
/// </summary>
internal sealed class SwitchableRelu : torch.autograd.SingleTensorFunction<SwitchableRelu>
{
    public override string Name => nameof(SwitchableRelu);

    public override TorchTensor forward(torch.autograd.AutogradContext ctx, params object[] vars)
    {
        var y = ((TorchTensor)vars[0]).relu();
        ctx.save_for_backward([y]);
        ctx.save_data("mode", vars[1]);
        return y;
    }

    public override List<TorchTensor> backward(torch.autograd.AutogradContext ctx, TorchTensor grad)
    {
        var y = ctx.get_saved_variables()[0];
        var rule = ((ReluModeSwitch)ctx.get_data("mode")).Mode;
        // f_in > 0 exactly where y = ReLU(f_in) > 0. The second entry is the mode's (absent) gradient.
        var dx = rule switch
        {
            ReluBackwardMode.Normal => grad * KeptScalars.Greater(y, 0),
            ReluBackwardMode.Guided => KeptScalars.ClampMin(grad, 0) * KeptScalars.Greater(y, 0),
            _ => KeptScalars.ClampMin(grad, 0),
        };
        return [dx, null!];
    }
}
