using SquadStudy.Engine.Kernels;
using SquadStudy.Engine.Tensors;
using Tensor = SquadStudy.Engine.Tensors.Tensor;

namespace SquadStudy.Engine.Graph;

/// <summary>An operator input: a runtime value (an activation slot) or a constant.</summary>
internal readonly record struct Operand(int Slot, Tensor? Constant)
{
    public static Operand Runtime(int slot) => new(slot, null);
    public static Operand Const(Tensor t) => new(-1, t);

    public bool IsRuntime => Slot >= 0;

    public Tensor Value(ExecutionState s) => Constant ?? s.Values[Slot]
        ?? throw new InvalidOperationException($"Slot {Slot} has not been computed.");
}

/// <summary>
/// The activations of one forward pass, kept for the backward passes that follow it. Disposing
/// gives their buffers back to the <see cref="BufferPool"/>; nothing may use them afterwards.
/// </summary>
internal sealed class ExecutionState : IDisposable
{
    public ExecutionState(int slots, int layers)
    {
        Values = new Tensor?[slots];
        Aux = new object?[layers];
    }

    public Tensor?[] Values { get; }

    /// <summary>Per-layer extra state a backward pass needs (max-pooling's argmax).</summary>
    public object?[] Aux { get; }

    public void Dispose()
    {
        // Views share their input's buffer: return each buffer once.
        var seen = new HashSet<float[]>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < Values.Length; i++)
        {
            if (Values[i] is { IsInt64: false } t && seen.Add(t.Data)) BufferPool.Return(t.Data);
            Values[i] = null;
        }
    }
}

/// <summary>Collects input-gradients during a backward pass; sums where a value has several consumers.</summary>
internal sealed class GradientSink
{
    private readonly bool[] _wanted;

    public GradientSink(int slots, bool[] wanted)
    {
        Grads = new Tensor?[slots];
        _wanted = wanted;
    }

    public Tensor?[] Grads { get; }

    /// <summary>Whether the pass needs the gradient of this operand at all.</summary>
    public bool Wants(Operand o) => o.IsRuntime && _wanted[o.Slot];

    public void Add(Operand o, Tensor grad)
    {
        if (!Wants(o)) return;
        var existing = Grads[o.Slot];
        if (existing is null) { Grads[o.Slot] = grad; return; }
        // A fresh sum, never in place: views (Reshape) share their data with other gradients.
        var sum = new Tensor(existing.Shape);
        System.Numerics.Tensors.TensorPrimitives.Add(existing.Data, grad.Data, sum.Data);
        Grads[o.Slot] = sum;
        Release(existing);
        Release(grad);
    }

    /// <summary>Drops slot's gradient, recycling its buffer unless another gradient or the seed still uses it.</summary>
    public void Drop(int slot)
    {
        var t = Grads[slot];
        Grads[slot] = null;
        if (t is not null) Release(t);
    }

    /// <summary>The seed (the caller's tensor) is never recycled.</summary>
    public Tensor? Seed { get; set; }

    private void Release(Tensor t)
    {
        if (ReferenceEquals(t.Data, Seed?.Data)) return;
        foreach (var g in Grads)
            if (g is not null && ReferenceEquals(g.Data, t.Data)) return;
        BufferPool.Return(t.Data);
    }
}

/// <summary>
/// One operator bound to concrete shapes. Forward reads its operands and writes its output slot;
/// Backward turns the output's gradient into its runtime operands' gradients (never weights').
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

    public abstract Tensor Forward(ExecutionState s);

    public abstract void Backward(ExecutionState s, Tensor dy, GradientSink sink, ReluBackwardMode mode);
}
