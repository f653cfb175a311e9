using SquadStudy.Engine.Onnx;
using SquadStudy.Engine.Tensors;
using TorchSharp;

namespace SquadStudy.Engine.Graph;

/// <summary>
/// Turns one ONNX node, with its inputs' shapes known, into a <see cref="Layer"/> — or, when the
/// node only computes shapes or constants, into the constant <see cref="Tensor"/> it yields.
/// </summary>
internal static partial class LayerFactory
{
    /// <summary>Operators the engine runs (or folds); anything else is rejected by name.</summary>
    public static readonly IReadOnlySet<string> Supported = new HashSet<string>(StringComparer.Ordinal)
    {
        "Conv", "Relu", "MaxPool", "AveragePool", "GlobalAveragePool", "BatchNormalization", "Gemm", "MatMul",
        "Add", "Flatten", "Reshape", "Dropout", "Identity", "Concat", "Clip", "Constant", "Shape", "Gather",
        "Unsqueeze", "Squeeze", "Cast", "Pad", "Sub", "Mul", "Div", "Sigmoid", "HardSigmoid", "HardSwish", "Erf",
        "Softmax", "LayerNormalization", "Transpose", "Pow", "Sqrt", "ReduceMean", "Slice", "Expand", "Where", "Equal",
        "ConstantOfShape", "Tanh",
    };

    internal sealed class Context(OnnxNode node, Operand?[] inputs, int opset, Func<Operand, int[]> shapeOf)
    {
        public OnnxNode Node => node;
        public int Opset => opset;
        public string Label => node.Label;

        public Operand? Optional(int i) => i < inputs.Length ? inputs[i] : null;

        public Operand Required(int i) => Optional(i) ?? throw new ModelLoadException($"{Label}: input {i} is missing");

        public int[] Shape(Operand o) => shapeOf(o);

        public Tensor Constant(int i, string what)
        {
            var o = Required(i);
            return o.Constant ?? throw new ModelLoadException($"{Label}: {what} (input {i}) must be a constant, not computed at run time");
        }

        public bool AllConstant => inputs.All(i => i is null || !i.Value.IsRuntime);

        public ModelLoadException Error(string message) => new($"{Label}: {message}");
    }

    public static object Create(Context c)
    {
        var n = c.Node;
        if (!Supported.Contains(n.OpType))
            throw new ModelLoadException(
                $"{n.Label}: operator '{n.OpType}' is not supported (supported: {string.Join(", ", Supported.Order())})");
        return n.OpType switch
        {
            "Constant" => ConstantValue(c),
            "Shape" => ShapeOf(c),
            "Cast" => c.AllConstant ? Cast(c) : RuntimeCast(c),
            "Gather" when !c.AllConstant => RuntimeGather(c),
            "Gather" => Gather(c),
            "MatMul" when c.Optional(1) is { IsRuntime: true } || (c.Optional(1) is { Constant: { Rank: not 2 } }) => BatchedMatMul(c),
            "Softmax" or "LayerNormalization" or "Transpose" or "Pow" or "Sqrt" or "Tanh" or "ReduceMean" or "Slice"
                or "Expand" or "Where" or "Equal" or "ConstantOfShape" => Generic(c),
            "Conv" => Conv(c),
            "Relu" => Unary(c, (x, shape) => new ReluLayer(c.Label, x, shape)),
            "Clip" => Clip(c),
            "MaxPool" => Pool(c, max: true),
            "AveragePool" => Pool(c, max: false),
            "GlobalAveragePool" => GlobalAveragePool(c),
            "BatchNormalization" => BatchNorm(c),
            "Gemm" => Gemm(c),
            "MatMul" => MatMul(c),
            "Add" or "Sub" or "Mul" or "Div" => Binary(c),
            "Sigmoid" or "HardSwish" or "Erf" => Unary(c, (x, shape) => new UnaryLayer(c.Label, n.OpType, x, shape)),
            "HardSigmoid" => Unary(c, (x, shape) => new UnaryLayer(c.Label, n.OpType, x, shape, n.Float("alpha", 0.2f), n.Float("beta", 0.5f))),
            "Concat" => Concat(c),
            "Pad" => Pad(c),
            _ => View(c),
        };
    }

    private static object Unary(Context c, Func<Operand, int[], Layer> make)
    {
        var x = c.Required(0);
        if (!x.IsRuntime) throw c.Error("constant input; this operator is only supported on activations");
        return make(x, c.Shape(x));
    }

    private static Tensor ConstantValue(Context c)
    {
        var n = c.Node;
        if (n.Attributes.TryGetValue("value", out var v) && v.T is not null) return v.T;
        if (n.Attributes.TryGetValue("value_float", out v)) return new Tensor([], [v.F]);
        if (n.Attributes.TryGetValue("value_floats", out v)) return new Tensor([v.Floats.Length], v.Floats);
        if (n.Attributes.TryGetValue("value_int", out v)) return new Tensor([], new[] { v.I });
        if (n.Attributes.TryGetValue("value_ints", out v)) return new Tensor([v.Ints.Length], v.Ints);
        throw c.Error("no supported value attribute (value, value_float(s), value_int(s))");
    }

    private static Tensor ShapeOf(Context c)
    {
        var shape = c.Shape(c.Required(0));
        int rank = shape.Length;
        int start = (int)Math.Clamp(Axis(c.Node.Int("start", 0), rank), 0, rank);
        int end = c.Node.Has("end") ? (int)Math.Clamp(Axis(c.Node.Int("end", rank), rank), 0, rank) : rank;
        var dims = shape[start..Math.Max(start, end)].Select(d => (long)d).ToArray();
        return new Tensor([dims.Length], dims);
    }

    private static long Axis(long axis, int rank) => axis < 0 ? axis + rank : axis;

    private static int CheckedAxis(Context c, long axis, int rank, string what = "axis")
    {
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) throw c.Error($"{what} {axis} is out of range for rank {rank}");
        return (int)a;
    }

    private static Tensor Gather(Context c)
    {
        if (!c.AllConstant) throw c.Error("Gather is supported only on constants (shape arithmetic), not on activations");
        var data = c.Constant(0, "data");
        var indices = c.Constant(1, "indices");
        if (!indices.IsInt64) throw c.Error("indices must be integers");
        int rank = data.Rank;
        if (rank == 0) throw c.Error("data must have rank ≥ 1");
        int axis = CheckedAxis(c, c.Node.Int("axis", 0), rank);
        int outer = ShapeUtil.Size(data.Shape.AsSpan(0, axis)), inner = ShapeUtil.Size(data.Shape.AsSpan(axis + 1));
        int dim = data.Shape[axis];
        var shape = data.Shape[..axis].Concat(indices.Shape).Concat(data.Shape[(axis + 1)..]).ToArray();
        int count = indices.Int64!.Length;
        var idx = indices.Int64.Select(i =>
        {
            long j = i < 0 ? i + dim : i;
            if (j < 0 || j >= dim) throw c.Error($"index {i} is out of range for dimension {dim}");
            return (int)j;
        }).ToArray();
        if (data.IsInt64)
        {
            var r = new long[ShapeUtil.Size(shape)];
            for (int o = 0; o < outer; o++)
            for (int k = 0; k < count; k++)
                Array.Copy(data.Int64!, (o * dim + idx[k]) * inner, r, (o * count + k) * inner, inner);
            return new Tensor(shape, r);
        }
        var f = new float[ShapeUtil.Size(shape)];
        for (int o = 0; o < outer; o++)
        for (int k = 0; k < count; k++)
            Array.Copy(data.Data, (o * dim + idx[k]) * inner, f, (o * count + k) * inner, inner);
        return new Tensor(shape, f);
    }

    private static Tensor Cast(Context c)
    {
        if (!c.AllConstant) throw c.Error("Cast is supported only on constants (shape arithmetic), not on activations");
        var x = c.Constant(0, "input");
        long to = c.Node.Int("to", 0);
        return to switch
        {
            1 => x.IsInt64 ? new Tensor(x.Shape, x.Int64!.Select(v => (float)v).ToArray()) : x,
            6 or 7 => x.IsInt64 ? x : new Tensor(x.Shape, x.Data.Select(v => (long)v).ToArray()),
            _ => throw c.Error($"cast to data type #{to} is not supported"),
        };
    }

    /// <summary>Padding of a 2-D window: ONNX order [top, left, bottom, right], or computed for SAME_* auto_pad.</summary>
    private static (int T, int L, int B, int R) Pads(Context c, int h, int w, int kh, int kw, int sh, int sw, int dh, int dw)
    {
        string autoPad = c.Node.Str("auto_pad", "NOTSET");
        switch (autoPad)
        {
            case "NOTSET" or "":
                var p = c.Node.Ints("pads") ?? [0, 0, 0, 0];
                if (p.Length != 4 || p.Any(v => v < 0 || v > OnnxReader.MaxDimension))
                    throw c.Error($"pads [{string.Join(",", p)}] must be four values in 0..{OnnxReader.MaxDimension}");
                return ((int)p[0], (int)p[1], (int)p[2], (int)p[3]);
            case "VALID":
                return (0, 0, 0, 0);
            case "SAME_UPPER" or "SAME_LOWER":
                (int begin, int end) Same(int size, int k, int s, int d)
                {
                    int outSize = (size + s - 1) / s;
                    int total = Math.Max(0, (outSize - 1) * s + (k - 1) * d + 1 - size);
                    int small = total / 2;
                    return autoPad == "SAME_UPPER" ? (small, total - small) : (total - small, small);
                }
                var (t, b) = Same(h, kh, sh, dh);
                var (l, r) = Same(w, kw, sw, dw);
                return (t, l, b, r);
            default:
                throw c.Error($"auto_pad '{autoPad}' is not supported");
        }
    }

    private static (int, int) Pair(Context c, string name, int fallback)
    {
        var v = c.Node.Ints(name);
        if (v is null) return (fallback, fallback);
        if (v.Length != 2 || v.Any(x => x < 1 || x > OnnxReader.MaxDimension))
            throw c.Error($"{name} [{string.Join(",", v)}] must be two positive values (only 2-D windows are supported)");
        return ((int)v[0], (int)v[1]);
    }

    private static int[] Input4D(Context c, Operand x)
    {
        if (!x.IsRuntime) throw c.Error("constant input; this operator is only supported on activations");
        var s = c.Shape(x);
        if (s.Length != 4) throw c.Error($"input has shape {ShapeUtil.Format(s)}; only 2-D (N×C×H×W) data is supported");
        return s;
    }

    private static Layer Conv(Context c)
    {
        var x = c.Required(0);
        var s = Input4D(c, x);
        var w = c.Constant(1, "weight");
        if (w.IsInt64 || w.Rank != 4) throw c.Error($"weight must be a 4-D float tensor, got {w}");
        Tensor? bias = c.Optional(2) is null ? null : c.Constant(2, "bias");
        int groups = (int)Math.Clamp(c.Node.Int("group", 1), 0, int.MaxValue);
        int m = w.Shape[0], kh = w.Shape[2], kw = w.Shape[3];
        if (groups < 1 || s[1] % groups != 0 || m % groups != 0 || w.Shape[1] != s[1] / groups)
            throw c.Error($"weight {ShapeUtil.Format(w.Shape)} and group={groups} do not fit an input with {s[1]} channels");
        if (bias is not null && (bias.IsInt64 || bias.Length != m))
            throw c.Error($"bias must hold {m} floats, got {bias}");
        var kernel = c.Node.Ints("kernel_shape");
        if (kernel is not null && (kernel.Length != 2 || kernel[0] != kh || kernel[1] != kw))
            throw c.Error($"kernel_shape [{string.Join(",", kernel)}] does not match the weight {ShapeUtil.Format(w.Shape)}");
        var (sh, sw) = Pair(c, "strides", 1);
        var (dh, dw) = Pair(c, "dilations", 1);
        var (pt, pl, pb, pr) = Pads(c, s[2], s[3], kh, kw, sh, sw, dh, dw);
        var g = new ConvGeometry(s[0], s[1], s[2], s[3], m, groups, kh, kw, sh, sw, pt, pl, pb, pr, dh, dw);
        if (g.OH < 1 || g.OW < 1) throw c.Error($"the kernel does not fit the {s[2]}×{s[3]} input");
        return new ConvLayer(c.Label, x, g, w, bias);
    }

    private static Layer Pool(Context c, bool max)
    {
        var x = c.Required(0);
        var s = Input4D(c, x);
        var k = c.Node.Ints("kernel_shape");
        if (k is null || k.Length != 2 || k.Any(v => v < 1 || v > OnnxReader.MaxDimension))
            throw c.Error("kernel_shape must be two positive values (only 2-D pooling is supported)");
        if (max && c.Node.Int("storage_order", 0) != 0) throw c.Error("storage_order=1 is not supported");
        int kh = (int)k[0], kw = (int)k[1];
        var (sh, sw) = Pair(c, "strides", 1);
        var (dh, dw) = max ? Pair(c, "dilations", 1) : (1, 1);
        var (pt, pl, pb, pr) = Pads(c, s[2], s[3], kh, kw, sh, sw, dh, dw);
        var g = new PoolGeometry(s[0], s[1], s[2], s[3], kh, kw, sh, sw, pt, pl, pb, pr, dh, dw, c.Node.Int("ceil_mode", 0) != 0);
        if (g.OH < 1 || g.OW < 1) throw c.Error($"the window does not fit the {s[2]}×{s[3]} input");
        return max ? new MaxPoolLayer(c.Label, x, g) : new AveragePoolLayer(c.Label, x, g, c.Node.Int("count_include_pad", 0) != 0);
    }

    private static Layer GlobalAveragePool(Context c)
    {
        var x = c.Required(0);
        return new GlobalAveragePoolLayer(c.Label, x, Input4D(c, x));
    }

    private static Layer BatchNorm(Context c)
    {
        var x = c.Required(0);
        if (!x.IsRuntime) throw c.Error("constant input; this operator is only supported on activations");
        var s = c.Shape(x);
        if (s.Length < 2) throw c.Error($"input {ShapeUtil.Format(s)} has no channel axis");
        if (c.Node.Int("training_mode", 0) != 0) throw c.Error("training_mode=1 is not supported (inference only)");
        if (c.Node.Outputs.Skip(1).Any(o => o.Length > 0))
            throw c.Error("running-statistics outputs are not supported (inference only)");
        var (scale, shift) = BatchNormCoefficients(c, s[1]);
        return new BatchNormLayer(c.Label, x, s, scale, shift);
    }

    /// <summary>Inference BatchNormalization as y = x·scale + shift with scale = γ/√(σ²+ε), shift = β − μ·scale.</summary>
    internal static (float[] Scale, float[] Shift) BatchNormCoefficients(Context c, int channels)
    {
        var gamma = c.Constant(1, "scale");
        var beta = c.Constant(2, "B");
        var mean = c.Constant(3, "mean");
        var variance = c.Constant(4, "var");
        foreach (var t in new[] { gamma, beta, mean, variance })
            if (t.IsInt64 || t.Length != channels) throw c.Error($"parameters must hold {channels} floats, got {t}");
        float eps = c.Node.Float("epsilon", 1e-5f);
        var scale = new float[channels];
        var shift = new float[channels];
        for (int i = 0; i < channels; i++)
        {
            scale[i] = (float)(gamma.Data[i] / Math.Sqrt((double)variance.Data[i] + eps));
            shift[i] = beta.Data[i] - mean.Data[i] * scale[i];
        }
        return (scale, shift);
    }

    private static Layer Gemm(Context c)
    {
        var a = c.Required(0);
        if (!a.IsRuntime) throw c.Error("A must be computed from the input; constant A is not supported");
        var aShape = c.Shape(a);
        var b = c.Constant(1, "B (the weight)");
        if (aShape.Length != 2 || b.Rank != 2 || b.IsInt64) throw c.Error($"A {ShapeUtil.Format(aShape)} and B {b} must be 2-D float matrices");
        bool transA = c.Node.Int("transA", 0) != 0, transB = c.Node.Int("transB", 0) != 0;
        int m = transA ? aShape[1] : aShape[0], k = transA ? aShape[0] : aShape[1];
        int kb = transB ? b.Shape[1] : b.Shape[0], n = transB ? b.Shape[0] : b.Shape[1];
        if (k != kb) throw c.Error($"A {ShapeUtil.Format(aShape)} and B {ShapeUtil.Format(b.Shape)} do not multiply (transA={transA}, transB={transB})");
        float alpha = c.Node.Float("alpha", 1f), beta = c.Node.Float("beta", 1f);
        float[]? biasRow = null;
        if (c.Optional(2) is not null && beta != 0f)
        {
            var bias = c.Constant(2, "C (the bias)");
            if (bias.IsInt64) throw c.Error("C must be float");
            bool row = bias.Rank == 0 || (bias.Rank == 1 && (bias.Length == n || bias.Length == 1))
                || (bias.Rank == 2 && bias.Shape[0] == 1 && (bias.Shape[1] == n || bias.Shape[1] == 1));
            if (!row) throw c.Error($"C {ShapeUtil.Format(bias.Shape)} must broadcast as a row of {n}");
            biasRow = new float[n];
            for (int j = 0; j < n; j++) biasRow[j] = beta * bias.Data[bias.Length == 1 ? 0 : j];
        }
        return new GemmLayer(c.Label, a, m, k, n, transA, transB, alpha, b, biasRow, [m, n]);
    }

    private static Layer MatMul(Context c)
    {
        var a = c.Required(0);
        if (!a.IsRuntime) throw c.Error("the left operand must be computed from the input");
        var b = c.Optional(1) is { IsRuntime: true }
            ? throw c.Error("a right operand computed at run time is not supported (only constant weights)")
            : c.Constant(1, "B");
        var aShape = c.Shape(a);
        if (aShape.Length < 2 || b.Rank != 2 || b.IsInt64) throw c.Error($"A {ShapeUtil.Format(aShape)} must be ≥2-D and B {b} a 2-D float matrix");
        int k = aShape[^1], n = b.Shape[1];
        if (b.Shape[0] != k) throw c.Error($"A {ShapeUtil.Format(aShape)} and B {ShapeUtil.Format(b.Shape)} do not multiply");
        int m = ShapeUtil.Size(aShape.AsSpan(0, aShape.Length - 1));
        return new GemmLayer(c.Label, a, m, k, n, false, false, 1f, b, null, [.. aShape[..^1], n]);
    }

    /// <summary>Add, Sub, Mul, Div with NumPy broadcasting; at least one operand computed at run time.</summary>
    private static object Binary(Context c)
    {
        var a = c.Required(0);
        var b = c.Required(1);
        var sa = c.Shape(a);
        var sb = c.Shape(b);
        var shape = Broadcast.Shape(sa, sb) ?? throw c.Error($"shapes {ShapeUtil.Format(sa)} and {ShapeUtil.Format(sb)} do not broadcast");
        ShapeUtil.Size(shape);
        if (!a.IsRuntime && !b.IsRuntime)
        {
            // Shape arithmetic (a head's size from a Shape, the attention scale): folded now;
            // ONNX divides integers truncating.
            var layer = new BinaryLayer(c.Label, c.Node.OpType, a, b, shape);
            bool integers = a.Constant!.IsInt64 && b.Constant!.IsInt64;
            return Make(c, [a, b], shape, t => c.Node.OpType == "Div" && integers
                ? torch.div(t[0], t[1], torch.RoundingMode.trunc).to_type(torch.ScalarType.Int64) : layer.Apply(t[0], t[1]));
        }
        if ((a.Constant?.IsInt64 ?? false) || (b.Constant?.IsInt64 ?? false)) throw c.Error("integer operands are not supported");
        return new BinaryLayer(c.Label, c.Node.OpType, a, b, shape);
    }

    private static object Concat(Context c)
    {
        var ops = Enumerable.Range(0, c.Node.Inputs.Length).Select(c.Optional).Where(o => o is not null).Select(o => o!.Value).ToArray();
        if (ops.Length == 0) throw c.Error("no inputs");
        var shapes = ops.Select(c.Shape).ToArray();
        int rank = shapes[0].Length;
        int axis = CheckedAxis(c, c.Node.Int("axis", 0), rank);
        for (int j = 1; j < shapes.Length; j++)
            if (shapes[j].Length != rank || Enumerable.Range(0, rank).Any(d => d != axis && shapes[j][d] != shapes[0][d]))
                throw c.Error($"input shapes {string.Join(", ", shapes.Select(s => ShapeUtil.Format(s)))} do not agree off axis {axis}");
        var outShape = (int[])shapes[0].Clone();
        outShape[axis] = (int)Math.Min(int.MaxValue, shapes.Sum(s => (long)s[axis]));
        ShapeUtil.Size(outShape);
        if (ops.All(o => !o.IsRuntime))
        {
            var ts = ops.Select(o => o.Constant!).ToArray();
            bool ints = ts[0].IsInt64;
            if (ts.Any(t => t.IsInt64 != ints)) throw c.Error("mixed integer and float inputs");
            int outer = ShapeUtil.Size(outShape.AsSpan(0, axis)), inner = ShapeUtil.Size(outShape.AsSpan(axis + 1));
            int total = outShape[axis] * inner;
            var fl = ints ? null : new float[ShapeUtil.Size(outShape)];
            var lg = ints ? new long[ShapeUtil.Size(outShape)] : null;
            int offset = 0;
            foreach (var t in ts)
            {
                int block = t.Shape[axis] * inner;
                for (int o = 0; o < outer; o++)
                {
                    if (ints) Array.Copy(t.Int64!, o * block, lg!, o * total + offset, block);
                    else Array.Copy(t.Data, o * block, fl!, o * total + offset, block);
                }
                offset += block;
            }
            return ints ? new Tensor(outShape, lg!) : new Tensor(outShape, fl!);
        }
        if (ops.Any(o => o.Constant?.IsInt64 ?? false)) throw c.Error("integer inputs mixed with activations");
        return new ConcatLayer(c.Label, ops, axis, outShape);
    }

    /// <summary>Pad in constant mode on the spatial axes (how torch exports AvgPool2d's padding, among others).</summary>
    private static Layer Pad(Context c)
    {
        var x = c.Required(0);
        var s = Input4D(c, x);
        string mode = c.Node.Str("mode", "constant");
        if (mode != "constant") throw c.Error($"mode '{mode}' is not supported (only constant)");
        var t = c.Constant(1, "pads");
        if (!t.IsInt64) throw c.Error("pads must be integers");
        long[] pads = t.Int64!;
        float value = c.Optional(2) is null ? 0f : Scalar(c, c.Constant(2, "constant_value"));
        if (c.Optional(3) is not null) throw c.Error("the axes input is not supported");
        if (pads.Length != 8) throw c.Error($"pads needs 8 values for a 4-D input, got {pads.Length}");
        if (pads[0] != 0 || pads[1] != 0 || pads[4] != 0 || pads[5] != 0)
            throw c.Error("padding the batch or channel axis is not supported");
        if (pads.Any(p => p < 0 || p > OnnxReader.MaxDimension)) throw c.Error($"pads [{string.Join(",", pads)}] must be in 0..{OnnxReader.MaxDimension}");
        return new PadLayer(c.Label, x, s, (int)pads[2], (int)pads[3], (int)pads[6], (int)pads[7], value);
    }

    /// <summary>Clip with min/max as optional constant inputs (opset ≥ 11; ReLU6 exports this way).</summary>
    private static object Clip(Context c)
    {
        float min = float.NegativeInfinity, max = float.PositiveInfinity;
        if (c.Optional(1) is not null) min = Scalar(c, c.Constant(1, "min"));
        if (c.Optional(2) is not null) max = Scalar(c, c.Constant(2, "max"));
        return Unary(c, (x, shape) => new ClipLayer(c.Label, x, shape, min, max));
    }

    private static float Scalar(Context c, Tensor t)
    {
        if (t.Length != 1) throw c.Error($"expected a scalar, got {t}");
        return t.IsInt64 ? t.Int64![0] : t.Data[0];
    }

    /// <summary>Flatten, Reshape, Squeeze, Unsqueeze, Identity, Dropout: shape changes only.</summary>
    private static object View(Context c)
    {
        var x = c.Required(0);
        var inShape = c.Shape(x);
        int[] shape = c.Node.OpType switch
        {
            "Flatten" => FlattenShape(c, inShape),
            "Reshape" => ReshapeShape(c, inShape),
            "Unsqueeze" => UnsqueezeShape(c, inShape),
            "Squeeze" => SqueezeShape(c, inShape),
            _ => inShape,
        };
        if (c.Node.OpType == "Dropout" && c.Node.Outputs.Skip(1).Any(o => o.Length > 0))
            throw c.Error("the mask output is not supported (inference only)");
        if (ShapeUtil.Size(shape) != ShapeUtil.Size(inShape))
            throw c.Error($"can not view {ShapeUtil.Format(inShape)} as {ShapeUtil.Format(shape)}");
        if (!x.IsRuntime) return x.Constant!.Reshaped(shape);
        return new ViewLayer(c.Label, x, shape);
    }

    private static int[] FlattenShape(Context c, int[] s)
    {
        long axis = c.Node.Int("axis", 1);
        if (axis < 0) axis += s.Length;
        if (axis < 0 || axis > s.Length) throw c.Error($"axis {c.Node.Int("axis", 1)} is out of range for rank {s.Length}");
        return [ShapeUtil.Size(s.AsSpan(0, (int)axis)), ShapeUtil.Size(s.AsSpan((int)axis))];
    }

    private static int[] ReshapeShape(Context c, int[] s)
    {
        var target = c.Constant(1, "shape");
        if (!target.IsInt64 || target.Rank != 1) throw c.Error("shape must be a 1-D integer tensor");
        bool allowZero = c.Node.Int("allowzero", 0) != 0;
        var r = new int[target.Length];
        int inferred = -1;
        long known = 1;
        for (int i = 0; i < r.Length; i++)
        {
            long v = target.Int64![i];
            if (v == 0 && !allowZero)
            {
                if (i >= s.Length) throw c.Error($"shape[{i}] = 0 copies a dimension the input (rank {s.Length}) lacks");
                v = s[i];
            }
            if (v == -1)
            {
                if (inferred >= 0) throw c.Error("more than one -1 in shape");
                inferred = i;
                continue;
            }
            if (v < 0 || v > int.MaxValue) throw c.Error($"shape[{i}] = {v} is invalid");
            r[i] = (int)v;
            known *= v;
            if (known > int.MaxValue) throw c.Error("target shape is too large");
        }
        int size = ShapeUtil.Size(s);
        if (inferred >= 0)
        {
            if (known == 0 || size % known != 0) throw c.Error($"can not infer -1 reshaping {ShapeUtil.Format(s)} to [{string.Join(",", target.Int64!)}]");
            r[inferred] = (int)(size / known);
        }
        return r;
    }

    private static long[] Axes(Context c)
    {
        if (c.Opset >= 13 && c.Optional(1) is not null)
        {
            var t = c.Constant(1, "axes");
            if (!t.IsInt64) throw c.Error("axes must be integers");
            return t.Int64!;
        }
        return c.Node.Ints("axes") ?? [];
    }

    private static int[] UnsqueezeShape(Context c, int[] s)
    {
        var axes = Axes(c);
        int rank = s.Length + axes.Length;
        var positions = axes.Select(a => CheckedAxis(c, a, rank, "axes entry")).ToHashSet();
        if (positions.Count != axes.Length) throw c.Error("repeated axes");
        var r = new int[rank];
        for (int i = 0, j = 0; i < rank; i++) r[i] = positions.Contains(i) ? 1 : s[j++];
        return r;
    }

    private static int[] SqueezeShape(Context c, int[] s)
    {
        var axes = Axes(c);
        var positions = axes.Length == 0
            ? Enumerable.Range(0, s.Length).Where(i => s[i] == 1).ToHashSet()
            : axes.Select(a => CheckedAxis(c, a, s.Length, "axes entry")).ToHashSet();
        if (positions.Any(p => s[p] != 1)) throw c.Error($"can only squeeze axes of size 1 in {ShapeUtil.Format(s)}");
        return s.Where((_, i) => !positions.Contains(i)).ToArray();
    }
}
