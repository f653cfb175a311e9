using TorchSharp;
using Tensor = SquadStudy.Engine.Tensors.Tensor;
using TorchTensor = TorchSharp.torch.Tensor;
using F = TorchSharp.torch.nn.functional;

namespace SquadStudy.Engine.Graph;

// Each ONNX operator's forward pass as libtorch calls; shapes and attributes were checked when the
// graph was planned (LayerFactory). Autograd records these calls for the backward passes.

internal sealed class ConvLayer(string label, Operand x, ConvGeometry g, Tensor weight, Tensor? bias)
    : Layer(label, [x], [g.N, g.M, g.OH, g.OW])
{
    public override double Flops => g.Flops;

    public override IEnumerable<Tensor> OwnedConstants => bias is null ? [weight] : [weight, bias];

    public override TorchTensor Forward(ExecutionState s)
    {
        var input = Operands[0].Value(s);
        // libtorch pads symmetrically; ONNX allows begin ≠ end (SAME_* auto_pad), padded first then.
        if (!g.SymmetricPads) input = F.pad(input, [g.PadLeft, g.PadRight, g.PadTop, g.PadBottom]);
        long[] padding = g.SymmetricPads ? [g.PadTop, g.PadLeft] : [0, 0];
        return F.conv2d(input, weight.Torch, bias?.Torch, strides: [g.StrideH, g.StrideW], padding: padding,
            dilation: [g.DilationH, g.DilationW], groups: g.Groups);
    }
}

internal sealed class ReluLayer(string label, Operand x, int[] shape) : Layer(label, [x], shape)
{
    public override TorchTensor Forward(ExecutionState s)
    {
        var input = Operands[0].Value(s);
        return s.Recording ? SwitchableRelu.apply(input, s.ReluMode) : input.relu();
    }
}

/// <summary>Clip keeps its true gradient in every mode (guided and deconvolution rules apply to Relu only).</summary>
internal sealed class ClipLayer(string label, Operand x, int[] shape, float min, float max) : Layer(label, [x], shape)
{
    public override TorchTensor Forward(ExecutionState s)
    {
        var input = Operands[0].Value(s);
        if (float.IsFinite(min) && float.IsFinite(max)) return KeptScalars.Clamp(input, min, max);
        if (float.IsFinite(min)) return KeptScalars.ClampMin(input, min);
        return float.IsFinite(max) ? KeptScalars.ClampMax(input, max) : input.alias();
    }
}

internal sealed class MaxPoolLayer(string label, Operand x, PoolGeometry g) : Layer(label, [x], [g.N, g.C, g.OH, g.OW])
{
    public override TorchTensor Forward(ExecutionState s)
    {
        var input = Operands[0].Value(s);
        if (g.NativePads)
            return F.max_pool2d(input, [g.KH, g.KW], [g.StrideH, g.StrideW], [g.PadTop, g.PadLeft], [g.DilationH, g.DilationW], g.CeilMode);
        // Padding libtorch does not take (asymmetric or wider than half the window): −∞ never wins a max.
        var padded = F.pad(input, [g.PadLeft, g.PadRight, g.PadTop, g.PadBottom], value: double.NegativeInfinity);
        var y = F.max_pool2d(padded, [g.KH, g.KW], [g.StrideH, g.StrideW], [0, 0], [g.DilationH, g.DilationW], g.CeilMode);
        return Fit(y, g);
    }

    /// <summary>Ceil mode on a pre-padded input may add a last window ONNX does not have (it starts in the end padding).</summary>
    internal static TorchTensor Fit(TorchTensor y, PoolGeometry g) =>
        y.shape[2] == g.OH && y.shape[3] == g.OW ? y : y[.., .., ..g.OH, ..g.OW];
}

internal sealed class AveragePoolLayer(string label, Operand x, PoolGeometry g, bool countIncludePad)
    : Layer(label, [x], [g.N, g.C, g.OH, g.OW])
{
    public override TorchTensor Forward(ExecutionState s)
    {
        var input = Operands[0].Value(s);
        if (g.NativePads)
            return F.avg_pool2d(input, [g.KH, g.KW], [g.StrideH, g.StrideW], [g.PadTop, g.PadLeft], g.CeilMode, countIncludePad);
        // Explicit padding: the window sum over zeros, divided by the count of (padded or real) cells.
        long[] pads = [g.PadLeft, g.PadRight, g.PadTop, g.PadBottom];
        var sum = F.avg_pool2d(F.pad(input, pads), [g.KH, g.KW], [g.StrideH, g.StrideW], [0, 0], g.CeilMode, false, divisor_override: 1);
        var cells = countIncludePad ? torch.ones(1, 1, g.H + g.PadTop + g.PadBottom, g.W + g.PadLeft + g.PadRight, dtype: input.dtype)
            : F.pad(torch.ones(1, 1, g.H, g.W, dtype: input.dtype), pads);
        var count = F.avg_pool2d(cells, [g.KH, g.KW], [g.StrideH, g.StrideW], [0, 0], g.CeilMode, false, divisor_override: 1);
        return MaxPoolLayer.Fit(sum / count, g);
    }
}

internal sealed class GlobalAveragePoolLayer(string label, Operand x, int[] inputShape)
    : Layer(label, [x], [inputShape[0], inputShape[1], 1, 1])
{
    public override TorchTensor Forward(ExecutionState s) => Operands[0].Value(s).mean([2, 3], keepdim: true);
}

/// <summary>Inference BatchNormalization as y = x·scale + shift (one per channel, axis 1).</summary>
internal sealed class BatchNormLayer(string label, Operand x, int[] shape, float[] scale, float[] shift) : Layer(label, [x], shape)
{
    private readonly Tensor _scale = new(ChannelShape(shape), scale);
    private readonly Tensor _shift = new(ChannelShape(shape), shift);

    public override IEnumerable<Tensor> OwnedConstants => [_scale, _shift];

    private static int[] ChannelShape(int[] shape) => [shape[1], .. Enumerable.Repeat(1, shape.Length - 2)];

    public override TorchTensor Forward(ExecutionState s) => KeptScalars.AddCmul(_shift.Torch, Operands[0].Value(s), _scale.Torch);
}

/// <summary>
/// Gemm (Y = alpha·op(A)·op(B) + beta·C, C a broadcast row) with a constant B. Also serves MatMul
/// of a runtime [..., K] tensor by a constant K×N matrix.
/// </summary>
internal sealed class GemmLayer(string label, Operand a, int m, int k, int n, bool transA, bool transB, float alpha,
    Tensor b, float[]? biasRow, int[] outputShape) : Layer(label, [a], outputShape)
{
    private readonly Tensor? _bias = biasRow is null ? null : new Tensor([n], biasRow);

    /// <summary>The weight as a classes × features matrix (for CAM).</summary>
    public float[] WeightRow(int c)
    {
        var row = new float[k];
        for (int i = 0; i < k; i++) row[i] = alpha * (transB ? b.Data[c * k + i] : b.Data[i * n + c]);
        return row;
    }

    public int Features => k;

    public override IEnumerable<Tensor> OwnedConstants => _bias is null ? [b] : [b, _bias];

    public override double Flops => 2.0 * m * n * k;

    public override TorchTensor Forward(ExecutionState s)
    {
        var left = Operands[0].Value(s);
        if (transA) left = left.t();
        var y = left.matmul(transB ? b.Torch.t() : b.Torch);
        if (alpha != 1f) y = KeptScalars.Mul(y, alpha);
        return _bias is null ? y : KeptScalars.Add(y, _bias.Torch);
    }
}

/// <summary>Add, Sub, Mul, Div with NumPy broadcasting.</summary>
internal sealed class BinaryLayer(string label, string op, Operand a, Operand b, int[] outShape) : Layer(label, [a, b], outShape)
{
    public string Op => op;

    public override TorchTensor Forward(ExecutionState s) => Apply(Operands[0].Value(s), Operands[1].Value(s));

    public TorchTensor Apply(TorchTensor x, TorchTensor y)
    {
        return op switch
        {
            "Add" => KeptScalars.Add(x, y),
            "Sub" => x - y,
            "Mul" => x * y,
            _ => x / y,
        };
    }
}

/// <summary>
/// Element-wise activations: Sigmoid, Erf, HardSigmoid max(0, min(1, αx + β)) and HardSwish
/// x·HardSigmoid(x) with α = 1/6, β = ½ (ONNX's definitions). Their true gradients in every mode.
/// </summary>
internal sealed class UnaryLayer(string label, string op, Operand x, int[] shape, float alpha = 0f, float beta = 0f)
    : Layer(label, [x], shape)
{
    public string Op => op;

    public override TorchTensor Forward(ExecutionState s)
    {
        var input = Operands[0].Value(s);
        return op switch
        {
            "Sigmoid" => input.sigmoid(),
            "Erf" => input.erf(),
            "HardSwish" => F.hardswish(input),
            _ => KeptScalars.HardSigmoid(input, alpha, beta),
        };
    }
}

/// <summary>Flatten, Reshape, Squeeze, Unsqueeze, Identity, Dropout (inference): a new shape over the same data.</summary>
internal sealed class ViewLayer(string label, Operand x, int[] shape) : Layer(label, [x], shape)
{
    private readonly long[] _shape = shape.Select(d => (long)d).ToArray();

    public override TorchTensor Forward(ExecutionState s) => Operands[0].Value(s).reshape(_shape);
}

internal sealed class ConcatLayer(string label, Operand[] inputs, int axis, int[] outShape) : Layer(label, inputs, outShape)
{
    public override TorchTensor Forward(ExecutionState s) => torch.cat(Operands.Select(o => o.Value(s)).ToList(), axis);
}

/// <summary>Constant-mode Pad of the spatial axes of an N×C×H×W tensor.</summary>
internal sealed class PadLayer(string label, Operand x, int[] inShape, int top, int left, int bottom, int right, float value)
    : Layer(label, [x], [inShape[0], inShape[1], inShape[2] + top + bottom, inShape[3] + left + right])
{
    public override TorchTensor Forward(ExecutionState s) => F.pad(Operands[0].Value(s), [left, right, top, bottom], value: value);
}

/// <summary>An operator whose forward pass is one libtorch expression (see GenericOps.cs).</summary>
internal sealed class FunctionLayer(string label, string op, Operand[] inputs, int[] shape, Func<TorchTensor[], TorchTensor> forward)
    : Layer(label, inputs, shape)
{
    public string Op => op;

    public override TorchTensor Forward(ExecutionState s) => forward(Operands.Select(o => o.Value(s)).ToArray());
}
