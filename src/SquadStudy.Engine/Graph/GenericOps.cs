using SquadStudy.Engine.Onnx;
using SquadStudy.Engine.Tensors;
using TorchSharp;
using TorchTensor = TorchSharp.torch.Tensor;
using F = TorchSharp.torch.nn.functional;

namespace SquadStudy.Engine.Graph;

/// <summary>
/// The operators of transformers and of the newer CNNs (ConvNeXt, ViT): each one's shape rule and
/// its libtorch forward side by side. The forward runs as a <see cref="FunctionLayer"/>, or, when
/// every input is a constant (the shape arithmetic exporters emit), once at planning time.
/// </summary>
internal static partial class LayerFactory
{
    /// <summary>Folded constants are shape arithmetic and small broadcasts; anything larger is refused.</summary>
    private const int MaxFoldedElements = 1 << 26;

    private static object Generic(Context c)
    {
        var n = c.Node;
        return n.OpType switch
        {
            "Softmax" => Softmax(c),
            "LayerNormalization" => LayerNormalization(c),
            "Transpose" => Transpose(c),
            "Pow" => Elementwise(c, 2, x => x[1].numel() == 1 ? x[0].pow(x[1].to_type(x[0].dtype).reshape([])) : x[0].pow(x[1])),
            "Sqrt" => Elementwise(c, 1, x => x[0].sqrt()),
            "Tanh" => Elementwise(c, 1, x => x[0].tanh()),
            "Equal" => Elementwise(c, 2, x => x[0].eq(x[1])),
            "Where" => Elementwise(c, 3, x => torch.where(x[0].to_type(torch.ScalarType.Bool), x[1], x[2])),
            "ReduceMean" => ReduceMean(c),
            "Slice" => Slice(c),
            "Expand" => Expand(c),
            _ => ConstantOfShape(c),
        };
    }

    /// <summary>A runtime layer, or the constant it yields when every input is constant.</summary>
    private static object Make(Context c, Operand[] inputs, int[] shape, Func<TorchTensor[], TorchTensor> forward)
    {
        long size = ShapeUtil.SizeOrMinusOne(shape.Select(d => (long)d).ToArray(), int.MaxValue);
        if (size < 0) throw c.Error($"output {ShapeUtil.Format(shape)} is too large");
        if (inputs.Any(o => o.IsRuntime)) return new FunctionLayer(c.Label, c.Node.OpType, inputs, shape, forward);
        if (size > MaxFoldedElements) throw c.Error($"a constant of {ShapeUtil.Format(shape)} is too large to fold");
        using var scope = torch.NewDisposeScope();
        var y = forward(inputs.Select(o => o.Constant!.Torch).ToArray()).contiguous();
        if (!y.shape.Select(d => (int)d).SequenceEqual(shape)) throw c.Error($"folding gave {ShapeUtil.Format(y.shape.Select(d => (int)d).ToArray())}, the plan {ShapeUtil.Format(shape)}");
        return torch.is_floating_point(y)
            ? new Tensor(shape, y.to_type(torch.ScalarType.Float32).data<float>().ToArray())
            : new Tensor(shape, y.to_type(torch.ScalarType.Int64).data<long>().ToArray());
    }

    /// <summary>Element-wise with NumPy broadcasting over <paramref name="arity"/> inputs.</summary>
    private static object Elementwise(Context c, int arity, Func<TorchTensor[], TorchTensor> forward)
    {
        var inputs = Enumerable.Range(0, arity).Select(c.Required).ToArray();
        var shape = c.Shape(inputs[0]);
        foreach (var o in inputs.Skip(1))
            shape = Broadcast.Shape(shape, c.Shape(o)) ?? throw c.Error($"shapes {string.Join(", ", inputs.Select(i => ShapeUtil.Format(c.Shape(i))))} do not broadcast");
        return Make(c, inputs, shape, forward);
    }

    private static object Softmax(Context c)
    {
        var x = c.Required(0);
        var s = c.Shape(x);
        int axis = CheckedAxis(c, c.Node.Int("axis", c.Opset >= 13 ? -1 : 1), s.Length);
        if (c.Opset >= 13 || axis == s.Length - 1) return Make(c, [x], s, t => t[0].softmax(axis));
        // Before opset 13 Softmax normalises the input flattened to 2-D at axis.
        long outer = ShapeUtil.Size(s.AsSpan(0, axis)), inner = ShapeUtil.Size(s.AsSpan(axis));
        var dims = s.Select(d => (long)d).ToArray();
        return Make(c, [x], s, t => t[0].reshape(outer, inner).softmax(1).reshape(dims));
    }

    private static object LayerNormalization(Context c)
    {
        var x = c.Required(0);
        var s = c.Shape(x);
        int axis = CheckedAxis(c, c.Node.Int("axis", -1), s.Length);
        if (c.Node.Outputs.Skip(1).Any(o => o.Length > 0)) throw c.Error("the Mean and InvStdDev outputs are not supported (inference only)");
        var normalized = s[axis..].Select(d => (long)d).ToArray();
        var scale = c.Required(1);
        var bias = c.Optional(2);
        foreach (var p in bias is null ? [scale] : new[] { scale, bias.Value })
            if (!c.Shape(p).Select(d => (long)d).SequenceEqual(normalized))
                throw c.Error($"scale and bias must have the normalised shape {ShapeUtil.Format(s[axis..])}");
        double eps = c.Node.Float("epsilon", 1e-5f);
        Operand[] inputs = bias is null ? [x, scale] : [x, scale, bias.Value];
        return Make(c, inputs, s, t => F.layer_norm(t[0], normalized, t[1], t.Length > 2 ? t[2] : null, eps));
    }

    private static object Transpose(Context c)
    {
        var x = c.Required(0);
        var s = c.Shape(x);
        var perm = c.Node.Ints("perm") ?? Enumerable.Range(0, s.Length).Reverse().Select(i => (long)i).ToArray();
        if (perm.Length != s.Length || perm.Distinct().Count() != s.Length || perm.Any(p => p < 0 || p >= s.Length))
            throw c.Error($"perm [{string.Join(",", perm)}] is not a permutation of {s.Length} axes");
        return Make(c, [x], perm.Select(p => s[p]).ToArray(), t => t[0].permute(perm));
    }

    private static object ReduceMean(Context c)
    {
        var x = c.Required(0);
        var s = c.Shape(x);
        long[] axes = c.Opset >= 18 && c.Optional(1) is not null ? c.Constant(1, "axes").Int64 ?? throw c.Error("axes must be integers")
            : c.Node.Ints("axes") ?? [];
        bool keep = c.Node.Int("keepdims", 1) != 0;
        if (axes.Length == 0 && c.Node.Int("noop_with_empty_axes", 0) != 0) return Make(c, [x], s, t => t[0].alias());
        var dims = (axes.Length == 0 ? Enumerable.Range(0, s.Length) : axes.Select(a => CheckedAxis(c, a, s.Length, "axes entry"))).Distinct().Order().ToArray();
        var shape = keep ? s.Select((d, i) => dims.Contains(i) ? 1 : d).ToArray() : s.Where((_, i) => !dims.Contains(i)).ToArray();
        var torchDims = dims.Select(d => (long)d).ToArray();
        return Make(c, [x], shape, t => t[0].mean(torchDims, keepdim: keep));
    }

    private static long[] Ints(Context c, int index, string what) =>
        c.Constant(index, what).Int64 ?? throw c.Error($"{what} must be integers");

    private static object Slice(Context c)
    {
        var x = c.Required(0);
        var s = c.Shape(x);
        long[] starts, ends, axes, steps;
        if (c.Opset >= 10)
        {
            starts = Ints(c, 1, "starts");
            ends = Ints(c, 2, "ends");
            axes = c.Optional(3) is null ? Enumerable.Range(0, starts.Length).Select(i => (long)i).ToArray() : Ints(c, 3, "axes");
            steps = c.Optional(4) is null ? Enumerable.Repeat(1L, starts.Length).ToArray() : Ints(c, 4, "steps");
        }
        else
        {
            starts = c.Node.Ints("starts") ?? [];
            ends = c.Node.Ints("ends") ?? [];
            axes = c.Node.Ints("axes") ?? Enumerable.Range(0, starts.Length).Select(i => (long)i).ToArray();
            steps = Enumerable.Repeat(1L, starts.Length).ToArray();
        }
        if (ends.Length != starts.Length || axes.Length != starts.Length || steps.Length != starts.Length)
            throw c.Error("starts, ends, axes and steps must have the same length");
        var shape = (int[])s.Clone();
        var cuts = new List<(long Dim, long Start, long End, long Step)>();
        for (int i = 0; i < starts.Length; i++)
        {
            int axis = CheckedAxis(c, axes[i], s.Length, "axes entry");
            if (steps[i] < 1) throw c.Error($"step {steps[i]} is not supported (only positive steps)");
            long dim = s[axis];
            long Clamp(long v) => Math.Clamp(v < 0 ? v + dim : v, 0, dim);
            long start = Clamp(starts[i]), end = Clamp(ends[i]);
            long count = end > start ? (end - start + steps[i] - 1) / steps[i] : 0;
            shape[axis] = (int)count;
            cuts.Add((axis, start, Math.Max(start, end), steps[i]));
        }
        return Make(c, [x], shape, t =>
        {
            var y = t[0];
            foreach (var (dim, start, end, step) in cuts) y = y.slice(dim, start, end, step);
            return y;
        });
    }

    private static object Expand(Context c)
    {
        var x = c.Required(0);
        var target = Ints(c, 1, "shape");
        if (target.Any(d => d < 0 || d > OnnxReader.MaxDimension)) throw c.Error($"shape [{string.Join(",", target)}] is out of range");
        var shape = Broadcast.Shape(c.Shape(x), target.Select(d => (int)d).ToArray())
            ?? throw c.Error($"{ShapeUtil.Format(c.Shape(x))} does not broadcast to [{string.Join(",", target)}]");
        var dims = shape.Select(d => (long)d).ToArray();
        return Make(c, [x], shape, t => t[0].expand(dims));
    }

    private static object ConstantOfShape(Context c)
    {
        var dims = Ints(c, 0, "shape");
        if (dims.Any(d => d < 0 || d > OnnxReader.MaxDimension)) throw c.Error($"shape [{string.Join(",", dims)}] is out of range");
        var shape = dims.Select(d => (int)d).ToArray();
        long size = ShapeUtil.SizeOrMinusOne(dims, MaxFoldedElements);
        if (size < 0) throw c.Error($"a constant of {ShapeUtil.Format(shape)} is too large");
        var value = c.Node.Attributes.TryGetValue("value", out var a) && a.T is { } t ? t : new Tensor([1], [0f]);
        if (value.Length != 1) throw c.Error("value must hold one element");
        return value.IsInt64
            ? new Tensor(shape, Enumerable.Repeat(value.Int64![0], (int)size).ToArray())
            : new Tensor(shape, Enumerable.Repeat(value.Data[0], (int)size).ToArray());
    }

    private static object RuntimeCast(Context c)
    {
        var x = c.Required(0);
        var type = c.Node.Int("to", 0) switch
        {
            1 => torch.ScalarType.Float32,
            6 or 7 => torch.ScalarType.Int64,
            9 => torch.ScalarType.Bool,
            var to => throw c.Error($"cast to data type #{to} is not supported"),
        };
        return new FunctionLayer(c.Label, c.Node.OpType, [x], c.Shape(x), t => t[0].to_type(type));
    }

    /// <summary>Gather of an activation at constant indices (a ViT's class token: x[:, 0]).</summary>
    private static object RuntimeGather(Context c)
    {
        var data = c.Required(0);
        var indices = c.Constant(1, "indices");
        if (!indices.IsInt64) throw c.Error("indices must be integers");
        var s = c.Shape(data);
        int axis = CheckedAxis(c, c.Node.Int("axis", 0), s.Length);
        long dim = s[axis];
        var idx = indices.Int64!.Select(i =>
        {
            long j = i < 0 ? i + dim : i;
            return j >= 0 && j < dim ? j : throw c.Error($"index {i} is out of range for dimension {dim}");
        }).ToArray();
        var shape = s[..axis].Concat(indices.Shape).Concat(s[(axis + 1)..]).ToArray();
        var dims = shape.Select(d => (long)d).ToArray();
        return new FunctionLayer(c.Label, c.Node.OpType, [data], shape, t =>
        {
            using var index = torch.tensor(idx);
            return t[0].index_select(axis, index).reshape(dims);
        });
    }

    /// <summary>MatMul with NumPy semantics when B is computed at run time or not a matrix (attention's Q·Kᵀ, A·V).</summary>
    private static object BatchedMatMul(Context c)
    {
        var a = c.Required(0);
        var b = c.Required(1);
        var sa = c.Shape(a);
        var sb = c.Shape(b);
        if (sa.Length < 2 || sb.Length < 2 || sa[^1] != sb[^2])
            throw c.Error($"A {ShapeUtil.Format(sa)} and B {ShapeUtil.Format(sb)} do not multiply (both need ≥ 2 axes)");
        var batch = Broadcast.Shape(sa[..^2], sb[..^2]) ?? throw c.Error($"batch axes of {ShapeUtil.Format(sa)} and {ShapeUtil.Format(sb)} do not broadcast");
        return Make(c, [a, b], [.. batch, sa[^2], sb[^1]], t => t[0].matmul(t[1]));
    }
}
