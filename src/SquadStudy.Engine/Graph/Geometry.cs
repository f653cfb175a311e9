namespace SquadStudy.Engine.Graph;

/// <summary>Shapes and hyper-parameters of one 2-D convolution (NCHW input, MCkk weights).</summary>
internal sealed record ConvGeometry(
    int N, int C, int H, int W, int M, int Groups, int KH, int KW,
    int StrideH, int StrideW, int PadTop, int PadLeft, int PadBottom, int PadRight,
    int DilationH, int DilationW)
{
    public int OH { get; } = (H + PadTop + PadBottom - (DilationH * (KH - 1) + 1)) / StrideH + 1;
    public int OW { get; } = (W + PadLeft + PadRight - (DilationW * (KW - 1) + 1)) / StrideW + 1;

    /// <summary>Multiply-adds ×2 of the forward pass.</summary>
    public double Flops => 2.0 * N * M * OH * OW * (C / Groups) * KH * KW;

    public bool SymmetricPads => PadTop == PadBottom && PadLeft == PadRight;
}

/// <summary>Shapes and hyper-parameters of one 2-D pooling window.</summary>
internal sealed record PoolGeometry(
    int N, int C, int H, int W, int KH, int KW, int StrideH, int StrideW,
    int PadTop, int PadLeft, int PadBottom, int PadRight, int DilationH, int DilationW, bool CeilMode)
{
    public int OH { get; } = OutSize(H, KH, StrideH, PadTop, PadBottom, DilationH, CeilMode);
    public int OW { get; } = OutSize(W, KW, StrideW, PadLeft, PadRight, DilationW, CeilMode);

    /// <summary>Padding libtorch's pooling accepts itself: symmetric and at most half the window.</summary>
    public bool NativePads => PadTop == PadBottom && PadLeft == PadRight && PadTop <= KH / 2 && PadLeft <= KW / 2;

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
