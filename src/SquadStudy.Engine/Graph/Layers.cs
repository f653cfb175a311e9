using System.Numerics.Tensors;
using SquadStudy.Engine.Kernels;
using SquadStudy.Engine.Native;
using SquadStudy.Engine.Tensors;
using Tensor = SquadStudy.Engine.Tensors.Tensor;

namespace SquadStudy.Engine.Graph;

internal sealed class ConvLayer(string label, Operand x, ConvGeometry g, Tensor weight, Tensor? bias)
    : Layer(label, [x], [g.N, g.M, g.OH, g.OW])
{
    public override double Flops => g.Flops;

    public override Tensor Forward(ExecutionState s)
    {
        var y = new Tensor(OutputShape);
        ConvKernels.Forward(g, Operands[0].Value(s).Data, weight.Data, bias is null ? [] : bias.Data, y.Data);
        return y;
    }

    public override void Backward(ExecutionState s, Tensor dy, GradientSink sink, ReluBackwardMode mode)
    {
        if (!sink.Wants(Operands[0])) return;
        var dx = new Tensor([g.N, g.C, g.H, g.W]);
        ConvKernels.BackwardInput(g, dy.Data, weight.Data, dx.Data);
        sink.Add(Operands[0], dx);
    }
}

internal sealed class ReluLayer(string label, Operand x, int[] shape) : Layer(label, [x], shape)
{
    public override Tensor Forward(ExecutionState s)
    {
        var y = new Tensor(OutputShape);
        Elementwise.Relu(Operands[0].Value(s).Data, y.Data);
        return y;
    }

    public override void Backward(ExecutionState s, Tensor dy, GradientSink sink, ReluBackwardMode mode)
    {
        if (!sink.Wants(Operands[0])) return;
        var dx = new Tensor(OutputShape);
        Elementwise.ReluBackward(s.Values[Output]!.Data, dy.Data, dx.Data, mode);
        sink.Add(Operands[0], dx);
    }
}

internal sealed class ClipLayer(string label, Operand x, int[] shape, float min, float max) : Layer(label, [x], shape)
{
    public override Tensor Forward(ExecutionState s)
    {
        var y = new Tensor(OutputShape);
        Elementwise.Clip(Operands[0].Value(s).Data, min, max, y.Data);
        return y;
    }

    public override void Backward(ExecutionState s, Tensor dy, GradientSink sink, ReluBackwardMode mode)
    {
        if (!sink.Wants(Operands[0])) return;
        var dx = new Tensor(OutputShape);
        Elementwise.ClipBackward(Operands[0].Value(s).Data, min, max, dy.Data, dx.Data);
        sink.Add(Operands[0], dx);
    }
}

internal sealed class MaxPoolLayer(string label, Operand x, PoolGeometry g) : Layer(label, [x], [g.N, g.C, g.OH, g.OW])
{
    public override Tensor Forward(ExecutionState s)
    {
        var y = new Tensor(OutputShape);
        var argmax = new int[y.Length];
        PoolKernels.MaxForward(g, Operands[0].Value(s).Data, y.Data, argmax);
        s.Aux[Index] = argmax;
        return y;
    }

    public override void Backward(ExecutionState s, Tensor dy, GradientSink sink, ReluBackwardMode mode)
    {
        if (!sink.Wants(Operands[0])) return;
        var dx = new Tensor([g.N, g.C, g.H, g.W]);
        PoolKernels.MaxBackward(g, dy.Data, (int[])s.Aux[Index]!, dx.Data);
        sink.Add(Operands[0], dx);
    }
}

internal sealed class AveragePoolLayer(string label, Operand x, PoolGeometry g, bool countIncludePad)
    : Layer(label, [x], [g.N, g.C, g.OH, g.OW])
{
    public override Tensor Forward(ExecutionState s)
    {
        var y = new Tensor(OutputShape);
        PoolKernels.AverageForward(g, countIncludePad, Operands[0].Value(s).Data, y.Data);
        return y;
    }

    public override void Backward(ExecutionState s, Tensor dy, GradientSink sink, ReluBackwardMode mode)
    {
        if (!sink.Wants(Operands[0])) return;
        var dx = new Tensor([g.N, g.C, g.H, g.W]);
        PoolKernels.AverageBackward(g, countIncludePad, dy.Data, dx.Data);
        sink.Add(Operands[0], dx);
    }
}

internal sealed class GlobalAveragePoolLayer(string label, Operand x, int[] inputShape)
    : Layer(label, [x], [inputShape[0], inputShape[1], 1, 1])
{
    private int Planes => inputShape[0] * inputShape[1];
    private int Hw => inputShape[2] * inputShape[3];

    public override Tensor Forward(ExecutionState s)
    {
        var y = new Tensor(OutputShape);
        PoolKernels.GlobalAverageForward(Planes, Hw, Operands[0].Value(s).Data, y.Data);
        return y;
    }

    public override void Backward(ExecutionState s, Tensor dy, GradientSink sink, ReluBackwardMode mode)
    {
        if (!sink.Wants(Operands[0])) return;
        var dx = new Tensor(inputShape);
        PoolKernels.GlobalAverageBackward(Planes, Hw, dy.Data, dx.Data);
        sink.Add(Operands[0], dx);
    }
}

/// <summary>BatchNormalization in inference mode, folded to y = x·scale[c] + shift[c].</summary>
internal sealed class BatchNormLayer(string label, Operand x, int[] shape, float[] scale, float[] shift) : Layer(label, [x], shape)
{
    private int Hw => OutputShape.Length > 2 ? ShapeUtil.Size(OutputShape.AsSpan(2)) : 1;

    public override Tensor Forward(ExecutionState s)
    {
        var y = new Tensor(OutputShape);
        Elementwise.ChannelAffine(Operands[0].Value(s).Data, OutputShape[0], OutputShape[1], Hw, scale, shift, y.Data);
        return y;
    }

    public override void Backward(ExecutionState s, Tensor dy, GradientSink sink, ReluBackwardMode mode)
    {
        if (!sink.Wants(Operands[0])) return;
        var dx = new Tensor(OutputShape);
        Elementwise.ChannelAffine(dy.Data, OutputShape[0], OutputShape[1], Hw, scale, [], dx.Data);
        sink.Add(Operands[0], dx);
    }
}

/// <summary>
/// Gemm with a runtime A and constant B: Y = alpha·op(A)·op(B) + beta·C, C broadcast along rows.
/// Also serves MatMul of a runtime [..., K] tensor by a constant K×N matrix (leading axes folded into m).
/// </summary>
internal sealed class GemmLayer(string label, Operand a, int m, int k, int n, bool transA, bool transB, float alpha,
    Tensor b, float[]? biasRow, int[] outputShape) : Layer(label, [a], outputShape)
{
    /// <summary>The weight as a classes × features matrix (for CAM).</summary>
    public float[] WeightRow(int c)
    {
        var row = new float[k];
        for (int i = 0; i < k; i++) row[i] = alpha * (transB ? b.Data[c * k + i] : b.Data[i * n + c]);
        return row;
    }

    public int Features => k;

    public override double Flops => 2.0 * m * n * k;

    public override Tensor Forward(ExecutionState s)
    {
        var y = new Tensor(OutputShape);
        if (biasRow is not null) for (int i = 0; i < m; i++) biasRow.CopyTo(y.Data, i * n);
        OpenBlas.Sgemm(transA, transB, m, n, k, alpha, Operands[0].Value(s).Data, transA ? m : k,
            b.Data, transB ? k : n, biasRow is null ? 0f : 1f, y.Data, n);
        return y;
    }

    public override void Backward(ExecutionState s, Tensor dy, GradientSink sink, ReluBackwardMode mode)
    {
        if (!sink.Wants(Operands[0])) return;
        var input = Operands[0].Value(s);
        var dx = new Tensor(input.Shape);
        if (!transA)
            // dA (m×k) = alpha · dY · op(B)ᵀ
            OpenBlas.Sgemm(false, !transB, m, k, n, alpha, dy.Data, n, b.Data, transB ? k : n, 0f, dx.Data, k);
        else
            // dA (k×m) = alpha · op(B) · dYᵀ
            OpenBlas.Sgemm(transB, true, k, m, n, alpha, b.Data, transB ? k : n, dy.Data, n, 0f, dx.Data, m);
        sink.Add(Operands[0], dx);
    }
}

internal sealed class AddLayer : Layer
{
    private readonly int[][] _indexMaps;

    public AddLayer(string label, Operand a, int[] aShape, Operand b, int[] bShape, int[] outShape) : base(label, [a, b], outShape)
    {
        // Same-shape operands need no index map; others (a bias, a broadcast constant) get one.
        _indexMaps = [Map(aShape, outShape), Map(bShape, outShape)];
    }

    private static int[] Map(int[] shape, int[] outShape) =>
        ShapeUtil.SameShape(shape, outShape) ? [] : Broadcast.IndexMap(shape, outShape);

    public override Tensor Forward(ExecutionState s)
    {
        var y = new Tensor(OutputShape);
        var a = Operands[0].Value(s).Data;
        var b = Operands[1].Value(s).Data;
        if (_indexMaps[0].Length == 0 && _indexMaps[1].Length == 0)
        {
            TensorPrimitives.Add(a, b, y.Data);
            return y;
        }
        for (int i = 0; i < y.Length; i++)
            y.Data[i] = a[_indexMaps[0].Length == 0 ? i : _indexMaps[0][i]] + b[_indexMaps[1].Length == 0 ? i : _indexMaps[1][i]];
        return y;
    }

    public override void Backward(ExecutionState s, Tensor dy, GradientSink sink, ReluBackwardMode mode)
    {
        for (int j = 0; j < 2; j++)
        {
            if (!sink.Wants(Operands[j])) continue;
            var shape = Operands[j].Value(s).Shape;
            if (_indexMaps[j].Length == 0)
            {
                var copy = new Tensor(shape);
                dy.Data.CopyTo(copy.Data, 0);
                sink.Add(Operands[j], copy);
                continue;
            }
            // Broadcast axes sum their gradients back.
            var d = new Tensor(shape);
            var map = _indexMaps[j];
            for (int i = 0; i < dy.Length; i++) d.Data[map[i]] += dy.Data[i];
            sink.Add(Operands[j], d);
        }
    }
}

/// <summary>Flatten, Reshape, Squeeze, Unsqueeze, Identity, Dropout (inference): a new shape over the same data.</summary>
internal sealed class ViewLayer(string label, Operand x, int[] shape) : Layer(label, [x], shape)
{
    public override Tensor Forward(ExecutionState s) => Operands[0].Value(s).Reshaped(OutputShape);

    public override void Backward(ExecutionState s, Tensor dy, GradientSink sink, ReluBackwardMode mode)
    {
        if (sink.Wants(Operands[0])) sink.Add(Operands[0], dy.Reshaped(Operands[0].Value(s).Shape));
    }
}

internal sealed class ConcatLayer(string label, Operand[] inputs, int[][] shapes, int axis, int[] outShape) : Layer(label, inputs, outShape)
{
    private int Outer => ShapeUtil.Size(OutputShape.AsSpan(0, axis));
    private int Inner => ShapeUtil.Size(OutputShape.AsSpan(axis + 1));

    public override Tensor Forward(ExecutionState s)
    {
        var y = new Tensor(OutputShape);
        int outer = Outer, inner = Inner, total = OutputShape[axis] * inner, offset = 0;
        for (int j = 0; j < Operands.Length; j++)
        {
            var x = Operands[j].Value(s).Data;
            int block = shapes[j][axis] * inner;
            for (int o = 0; o < outer; o++) x.AsSpan(o * block, block).CopyTo(y.Data.AsSpan(o * total + offset, block));
            offset += block;
        }
        return y;
    }

    public override void Backward(ExecutionState s, Tensor dy, GradientSink sink, ReluBackwardMode mode)
    {
        int outer = Outer, inner = Inner, total = OutputShape[axis] * inner, offset = 0;
        for (int j = 0; j < Operands.Length; j++)
        {
            int block = shapes[j][axis] * inner;
            if (sink.Wants(Operands[j]))
            {
                var d = new Tensor(shapes[j]);
                for (int o = 0; o < outer; o++) dy.Data.AsSpan(o * total + offset, block).CopyTo(d.Data.AsSpan(o * block, block));
                sink.Add(Operands[j], d);
            }
            offset += block;
        }
    }
}

/// <summary>Constant-mode Pad of the two spatial axes of an N×C×H×W tensor.</summary>
internal sealed class PadLayer(string label, Operand x, int[] inShape, int top, int left, int bottom, int right, float value)
    : Layer(label, [x], [inShape[0], inShape[1], inShape[2] + top + bottom, inShape[3] + left + right])
{
    public override Tensor Forward(ExecutionState s)
    {
        var y = new Tensor(OutputShape);
        var src = Operands[0].Value(s).Data;
        int h = inShape[2], w = inShape[3], oh = OutputShape[2], ow = OutputShape[3];
        if (value != 0f) Array.Fill(y.Data, value);
        for (int p = 0; p < inShape[0] * inShape[1]; p++)
        for (int i = 0; i < h; i++)
            src.AsSpan((p * h + i) * w, w).CopyTo(y.Data.AsSpan((p * oh + i + top) * ow + left, w));
        return y;
    }

    public override void Backward(ExecutionState s, Tensor dy, GradientSink sink, ReluBackwardMode mode)
    {
        if (!sink.Wants(Operands[0])) return;
        var dx = new Tensor(inShape);
        int h = inShape[2], w = inShape[3], oh = OutputShape[2], ow = OutputShape[3];
        for (int p = 0; p < inShape[0] * inShape[1]; p++)
        for (int i = 0; i < h; i++)
            dy.Data.AsSpan((p * oh + i + top) * ow + left, w).CopyTo(dx.Data.AsSpan((p * h + i) * w, w));
        sink.Add(Operands[0], dx);
    }
}
