using System.Buffers;
using System.Numerics.Tensors;
using SquadStudy.Engine.Native;

namespace SquadStudy.Engine.Kernels;

/// <summary>Shapes and hyper-parameters of one 2-D convolution (NCHW input, MCkk weights).</summary>
internal sealed record ConvGeometry(
    int N, int C, int H, int W, int M, int Groups, int KH, int KW,
    int StrideH, int StrideW, int PadTop, int PadLeft, int PadBottom, int PadRight,
    int DilationH, int DilationW)
{
    public int OH { get; } = (H + PadTop + PadBottom - (DilationH * (KH - 1) + 1)) / StrideH + 1;
    public int OW { get; } = (W + PadLeft + PadRight - (DilationW * (KW - 1) + 1)) / StrideW + 1;
    public int Cg => C / Groups;
    public int Mg => M / Groups;

    /// <summary>Rows of one group's im2col matrix: Cg·KH·KW.</summary>
    public int Kc => Cg * KH * KW;

    /// <summary>1×1, stride 1, unpadded: the input already is the im2col matrix.</summary>
    public bool IsPointwise => KH == 1 && KW == 1 && StrideH == 1 && StrideW == 1
        && PadTop == 0 && PadLeft == 0 && PadBottom == 0 && PadRight == 0;

    /// <summary>Multiply-adds ×2 of the forward pass.</summary>
    public double Flops => 2.0 * N * M * OH * OW * Kc;
}

/// <summary>
/// Convolution as im2col + GEMM (Chellapilla et al. 2006). The im2col matrix is built one band of
/// output rows at a time, so the scratch buffer stays a few MB instead of Kc·OH·OW floats
/// (115 MB for VGG-16's conv1_2), and its backward pass (dX only) is the transposed GEMM followed
/// by col2im into the same bands.
/// </summary>
internal static class ConvKernels
{
    /// <summary>Target size of one im2col band, in floats (4 MB).</summary>
    private const int BandFloats = 1 << 20;

    private static int RowsPerBand(ConvGeometry g) => Math.Clamp(BandFloats / Math.Max(1, g.Kc * g.OW), 1, g.OH);

    /// <summary>y = conv(x, w) + bias. <paramref name="bias"/> may be empty.</summary>
    public static void Forward(ConvGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y)
    {
        int hw = g.H * g.W, ohw = g.OH * g.OW, kc = g.Kc;
        int rows = RowsPerBand(g);
        float[]? col = g.IsPointwise ? null : ArrayPool<float>.Shared.Rent(kc * rows * g.OW);
        try
        {
            for (int n = 0; n < g.N; n++)
            {
                var xn = x.Slice(n * g.C * hw, g.C * hw);
                var yn = y.Slice(n * g.M * ohw, g.M * ohw);
                for (int grp = 0; grp < g.Groups; grp++)
                {
                    var wg = w.Slice(grp * g.Mg * kc, g.Mg * kc);
                    if (col is null)
                    {
                        OpenBlas.Sgemm(false, false, g.Mg, ohw, kc, 1f, wg, kc,
                            xn.Slice(grp * g.Cg * hw, g.Cg * hw), hw, 0f, yn[(grp * g.Mg * ohw)..], ohw);
                        continue;
                    }
                    for (int oh0 = 0; oh0 < g.OH; oh0 += rows)
                    {
                        int oh1 = Math.Min(g.OH, oh0 + rows), cols = (oh1 - oh0) * g.OW;
                        Im2Col(g, xn, grp * g.Cg, oh0, oh1, col.AsSpan(0, kc * cols));
                        OpenBlas.Sgemm(false, false, g.Mg, cols, kc, 1f, wg, kc, col.AsSpan(0, kc * cols), cols,
                            0f, yn[(grp * g.Mg * ohw + oh0 * g.OW)..], ohw);
                    }
                }
                if (!bias.IsEmpty)
                    for (int m = 0; m < g.M; m++)
                    {
                        var plane = yn.Slice(m * ohw, ohw);
                        TensorPrimitives.Add(plane, bias[m], plane);
                    }
            }
        }
        finally
        {
            if (col is not null) ArrayPool<float>.Shared.Return(col);
        }
    }

    /// <summary>dX = convᵀ(dY, w): the gradient of the convolution with respect to its input.</summary>
    public static void BackwardInput(ConvGeometry g, ReadOnlySpan<float> dy, ReadOnlySpan<float> w, Span<float> dx)
    {
        int hw = g.H * g.W, ohw = g.OH * g.OW, kc = g.Kc;
        int rows = RowsPerBand(g);
        float[]? col = g.IsPointwise ? null : ArrayPool<float>.Shared.Rent(kc * rows * g.OW);
        try
        {
            if (col is not null) dx.Clear();
            for (int n = 0; n < g.N; n++)
            {
                var dyn = dy.Slice(n * g.M * ohw, g.M * ohw);
                var dxn = dx.Slice(n * g.C * hw, g.C * hw);
                for (int grp = 0; grp < g.Groups; grp++)
                {
                    var wg = w.Slice(grp * g.Mg * kc, g.Mg * kc);
                    if (col is null)
                    {
                        OpenBlas.Sgemm(true, false, kc, hw, g.Mg, 1f, wg, kc, dyn[(grp * g.Mg * ohw)..], ohw,
                            0f, dxn.Slice(grp * g.Cg * hw, g.Cg * hw), hw);
                        continue;
                    }
                    for (int oh0 = 0; oh0 < g.OH; oh0 += rows)
                    {
                        int oh1 = Math.Min(g.OH, oh0 + rows), cols = (oh1 - oh0) * g.OW;
                        OpenBlas.Sgemm(true, false, kc, cols, g.Mg, 1f, wg, kc, dyn[(grp * g.Mg * ohw + oh0 * g.OW)..], ohw,
                            0f, col.AsSpan(0, kc * cols), cols);
                        Col2Im(g, col.AsSpan(0, kc * cols), grp * g.Cg, oh0, oh1, dxn);
                    }
                }
            }
        }
        finally
        {
            if (col is not null) ArrayPool<float>.Shared.Return(col);
        }
    }

    /// <summary>
    /// Copies the receptive fields of output rows [oh0, oh1) of channels [c0, c0+Cg) into
    /// <paramref name="col"/> (Kc rows × (oh1−oh0)·OW columns); padding reads as 0.
    /// </summary>
    internal static void Im2Col(ConvGeometry g, ReadOnlySpan<float> image, int c0, int oh0, int oh1, Span<float> col)
    {
        int cols = (oh1 - oh0) * g.OW, row = 0;
        for (int c = c0; c < c0 + g.Cg; c++)
        {
            var plane = image.Slice(c * g.H * g.W, g.H * g.W);
            for (int ki = 0; ki < g.KH; ki++)
            for (int kj = 0; kj < g.KW; kj++, row++)
            {
                var dst = col.Slice(row * cols, cols);
                int iw0 = kj * g.DilationW - g.PadLeft;
                // Output columns whose input column lies inside the image: lo ≤ ow < hi.
                int lo = Math.Clamp(CeilDiv(-iw0, g.StrideW), 0, g.OW);
                int hi = Math.Clamp(CeilDiv(g.W - iw0, g.StrideW), lo, g.OW);
                for (int oh = oh0; oh < oh1; oh++)
                {
                    var d = dst.Slice((oh - oh0) * g.OW, g.OW);
                    int ih = oh * g.StrideH - g.PadTop + ki * g.DilationH;
                    if ((uint)ih >= (uint)g.H) { d.Clear(); continue; }
                    var src = plane.Slice(ih * g.W, g.W);
                    d[..lo].Clear();
                    if (g.StrideW == 1) src.Slice(lo + iw0, hi - lo).CopyTo(d[lo..hi]);
                    else for (int ow = lo; ow < hi; ow++) d[ow] = src[ow * g.StrideW + iw0];
                    d[hi..].Clear();
                }
            }
        }
    }

    /// <summary>The adjoint of <see cref="Im2Col"/>: adds each column entry back onto its input pixel.</summary>
    internal static void Col2Im(ConvGeometry g, ReadOnlySpan<float> col, int c0, int oh0, int oh1, Span<float> image)
    {
        int cols = (oh1 - oh0) * g.OW, row = 0;
        for (int c = c0; c < c0 + g.Cg; c++)
        {
            var plane = image.Slice(c * g.H * g.W, g.H * g.W);
            for (int ki = 0; ki < g.KH; ki++)
            for (int kj = 0; kj < g.KW; kj++, row++)
            {
                var srcRow = col.Slice(row * cols, cols);
                int iw0 = kj * g.DilationW - g.PadLeft;
                int lo = Math.Clamp(CeilDiv(-iw0, g.StrideW), 0, g.OW);
                int hi = Math.Clamp(CeilDiv(g.W - iw0, g.StrideW), lo, g.OW);
                for (int oh = oh0; oh < oh1; oh++)
                {
                    int ih = oh * g.StrideH - g.PadTop + ki * g.DilationH;
                    if ((uint)ih >= (uint)g.H) continue;
                    var s = srcRow.Slice((oh - oh0) * g.OW, g.OW);
                    var dst = plane.Slice(ih * g.W, g.W);
                    if (g.StrideW == 1)
                    {
                        var target = dst.Slice(lo + iw0, hi - lo);
                        TensorPrimitives.Add(target, s[lo..hi], target);
                    }
                    else for (int ow = lo; ow < hi; ow++) dst[ow * g.StrideW + iw0] += s[ow];
                }
            }
        }
    }

    private static int CeilDiv(int a, int b) => a <= 0 ? -((-a) / b) : (a + b - 1) / b;
}
