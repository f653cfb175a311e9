namespace SquadStudy.Engine.Tensors;

/// <summary>
/// A dense row-major tensor: float32 for activations and weights, or int64 for the shape
/// arithmetic some exporters emit (Shape → Gather → Concat chains), which the engine folds into
/// constants when it plans a graph.
/// </summary>
internal sealed class Tensor
{
    public Tensor(int[] shape, float[] data)
    {
        if (ShapeUtil.Size(shape) != data.Length)
            throw new ArgumentException($"Shape [{string.Join(",", shape)}] does not hold {data.Length} elements.");
        Shape = shape;
        Data = data;
    }

    public Tensor(int[] shape, long[] int64)
    {
        if (ShapeUtil.Size(shape) != int64.Length)
            throw new ArgumentException($"Shape [{string.Join(",", shape)}] does not hold {int64.Length} elements.");
        Shape = shape;
        Data = [];
        Int64 = int64;
    }

    public int[] Shape { get; }

    /// <summary>Float data; empty for an int64 tensor.</summary>
    public float[] Data { get; }

    /// <summary>Int64 data, or null for a float tensor.</summary>
    public long[]? Int64 { get; }

    public bool IsInt64 => Int64 is not null;

    public int Rank => Shape.Length;

    public int Length => IsInt64 ? Int64!.Length : Data.Length;

    private TorchSharp.torch.Tensor? _torch;

    /// <summary>
    /// This constant as a libtorch tensor, made once and shared by every plan and pass (weights
    /// are read only; no gradient is ever asked of them). Kept out of any dispose scope: it lives
    /// as long as the model.
    /// </summary>
    public TorchSharp.torch.Tensor Torch
    {
        get
        {
            if (_torch is not null) return _torch;
            var dims = Shape.Select(d => (long)d).ToArray();
            // An empty constant has no memory to share; it is copied (nothing).
            var made = Length == 0
                ? (IsInt64 ? TorchSharp.torch.tensor(Int64!, dims) : TorchSharp.torch.tensor(Data, dims))
                : Shared(IsInt64 ? Int64! : Data, dims);
            made.DetachFromDisposeScope();
            if (Interlocked.CompareExchange(ref _torch, made, null) is not null) made.Dispose();
            return _torch;
        }
    }

    /// <summary>
    /// A libtorch view of the managed array itself (pinned while the tensor lives), so a model's
    /// weights are held once, not once in .NET and once in libtorch.
    /// </summary>
    private static TorchSharp.torch.Tensor Shared(Array data, long[] dims)
    {
        using var flat = TorchSharp.torch.from_array(data);
        return flat.reshape(dims);
    }

    /// <summary>Frees the libtorch view (unpinning the array), if one was made; a later use makes a new one.</summary>
    public void DisposeTorch() => Interlocked.Exchange(ref _torch, null)?.Dispose();

    public Tensor Reshaped(int[] shape) => IsInt64 ? new Tensor(shape, Int64!) : new Tensor(shape, Data);

    public override string ToString() => $"{(IsInt64 ? "int64" : "float")}[{string.Join("×", Shape)}]";
}

internal static class ShapeUtil
{
    /// <summary>Number of elements; throws on overflow past int.MaxValue.</summary>
    public static int Size(ReadOnlySpan<int> shape)
    {
        long n = 1;
        foreach (var d in shape)
        {
            if (d < 0) throw new ArgumentException("Negative dimension.");
            n *= d;
            if (n > int.MaxValue) throw new OverflowException("Tensor larger than int.MaxValue elements.");
        }
        return (int)n;
    }

    /// <summary>Element count as a long, or -1 when it exceeds <paramref name="limit"/> or a dimension is negative.</summary>
    public static long SizeOrMinusOne(ReadOnlySpan<long> dims, long limit)
    {
        long n = 1;
        foreach (var d in dims)
        {
            if (d < 0 || d > limit) return -1;
            if (d == 0) n = 0;
            else if (n > limit / d) return -1;
            else n *= d;
        }
        return n;
    }

    public static string Format(ReadOnlySpan<int> shape) => "[" + string.Join("×", shape.ToArray()) + "]";

    public static bool SameShape(ReadOnlySpan<int> a, ReadOnlySpan<int> b) => a.SequenceEqual(b);
}
