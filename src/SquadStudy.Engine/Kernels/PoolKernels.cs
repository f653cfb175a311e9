using System.Numerics.Tensors;

namespace SquadStudy.Engine.Kernels;

/// <summary>Shapes and hyper-parameters of one 2-D pooling window.</summary>
internal sealed record PoolGeometry(
    int N, int C, int H, int W, int KH, int KW, int StrideH, int StrideW,
    int PadTop, int PadLeft, int PadBottom, int PadRight, int DilationH, int DilationW, bool CeilMode)
{
    public int OH { get; } = OutSize(H, KH, StrideH, PadTop, PadBottom, DilationH, CeilMode);
    public int OW { get; } = OutSize(W, KW, StrideW, PadLeft, PadRight, DilationW, CeilMode);

    /// <summary>
    /// ONNX/PyTorch output size; in ceil mode the last window must start inside the padded-left
    /// image (PyTorch's pooling_output_shape rule, which onnxruntime follows too).
    /// </summary>
    private static int OutSize(int size, int k, int s, int padBegin, int padEnd, int d, bool ceil)
    {
        int span = size + padBegin + padEnd - (d * (k - 1) + 1);
        if (span < 0) return 0;
        int o = (ceil ? (span + s - 1) / s : span / s) + 1;
        if (ceil && (o - 1) * s >= size + padBegin) o--;
        return o;
    }
}

internal static class PoolKernels
{
    /// <summary>
    /// Max pooling; <paramref name="argmax"/> receives, per output, the flat index (h·W + w) of the
    /// winning input within its plane (the first maximum, as PyTorch), or −1 for an all-padding window.
    /// </summary>
    public static void MaxForward(PoolGeometry g, ReadOnlySpan<float> x, Span<float> y, Span<int> argmax)
    {
        int hw = g.H * g.W, ohw = g.OH * g.OW;
        for (int p = 0; p < g.N * g.C; p++)
        {
            var plane = x.Slice(p * hw, hw);
            for (int oh = 0; oh < g.OH; oh++)
            for (int ow = 0; ow < g.OW; ow++)
            {
                float best = float.NegativeInfinity;
                int bestIndex = -1;
                int h0 = oh * g.StrideH - g.PadTop, w0 = ow * g.StrideW - g.PadLeft;
                for (int i = 0; i < g.KH; i++)
                {
                    int ih = h0 + i * g.DilationH;
                    if ((uint)ih >= (uint)g.H) continue;
                    for (int j = 0; j < g.KW; j++)
                    {
                        int iw = w0 + j * g.DilationW;
                        if ((uint)iw >= (uint)g.W) continue;
                        float v = plane[ih * g.W + iw];
                        if (v > best || float.IsNaN(v) || bestIndex < 0) { best = v; bestIndex = ih * g.W + iw; }
                    }
                }
                int o = p * ohw + oh * g.OW + ow;
                y[o] = bestIndex < 0 ? 0f : best;
                argmax[o] = bestIndex;
            }
        }
    }

    /// <summary>dX: each output's gradient goes to the input that won its window.</summary>
    public static void MaxBackward(PoolGeometry g, ReadOnlySpan<float> dy, ReadOnlySpan<int> argmax, Span<float> dx)
    {
        int hw = g.H * g.W, ohw = g.OH * g.OW;
        dx.Clear();
        for (int p = 0; p < g.N * g.C; p++)
        {
            var plane = dx.Slice(p * hw, hw);
            for (int o = 0; o < ohw; o++)
            {
                int i = argmax[p * ohw + o];
                if (i >= 0) plane[i] += dy[p * ohw + o];
            }
        }
    }

    /// <summary>
    /// Average pooling with PyTorch's divisor: the window clipped to the padded image when
    /// <paramref name="countIncludePad"/>, else clipped to the image itself.
    /// </summary>
    public static void AverageForward(PoolGeometry g, bool countIncludePad, ReadOnlySpan<float> x, Span<float> y) =>
        Average(g, countIncludePad, x, y, backward: false);

    public static void AverageBackward(PoolGeometry g, bool countIncludePad, ReadOnlySpan<float> dy, Span<float> dx)
    {
        dx.Clear();
        Average(g, countIncludePad, dy, dx, backward: true);
    }

    private static void Average(PoolGeometry g, bool countIncludePad, ReadOnlySpan<float> a, Span<float> b, bool backward)
    {
        int hw = g.H * g.W, ohw = g.OH * g.OW;
        for (int p = 0; p < g.N * g.C; p++)
        for (int oh = 0; oh < g.OH; oh++)
        for (int ow = 0; ow < g.OW; ow++)
        {
            int hs = oh * g.StrideH - g.PadTop, ws = ow * g.StrideW - g.PadLeft;
            int he = Math.Min(hs + g.KH, g.H + g.PadBottom), we = Math.Min(ws + g.KW, g.W + g.PadRight);
            int poolSize = (he - hs) * (we - ws);
            hs = Math.Max(hs, 0); ws = Math.Max(ws, 0);
            he = Math.Min(he, g.H); we = Math.Min(we, g.W);
            int divisor = countIncludePad ? poolSize : (he - hs) * (we - ws);
            int o = p * ohw + oh * g.OW + ow;
            if (divisor <= 0) { if (!backward) b[o] = 0f; continue; }
            if (!backward)
            {
                float sum = 0f;
                for (int i = hs; i < he; i++)
                for (int j = ws; j < we; j++) sum += a[p * hw + i * g.W + j];
                b[o] = sum / divisor;
            }
            else
            {
                float share = a[o] / divisor;
                for (int i = hs; i < he; i++)
                for (int j = ws; j < we; j++) b[p * hw + i * g.W + j] += share;
            }
        }
    }

    /// <summary>y[p] = mean of plane p (GlobalAveragePool).</summary>
    public static void GlobalAverageForward(int planes, int hw, ReadOnlySpan<float> x, Span<float> y)
    {
        for (int p = 0; p < planes; p++) y[p] = hw == 0 ? 0f : TensorPrimitives.Sum(x.Slice(p * hw, hw)) / hw;
    }

    /// <summary>dX[p, ·] = dY[p] / hw.</summary>
    public static void GlobalAverageBackward(int planes, int hw, ReadOnlySpan<float> dy, Span<float> dx)
    {
        for (int p = 0; p < planes; p++) dx.Slice(p * hw, hw).Fill(dy[p] / hw);
    }
}
