using SquadStudy.Engine.Kernels;
using SquadStudy.Engine.Native;

namespace SquadStudy.Engine.Tests;

/// <summary>Kernels against scalar references over lengths 0..257 (every Vector512/256 tail), and input immutability.</summary>
public class KernelTests
{
    private static float[] Random(int n, int seed)
    {
        var r = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(r.NextDouble() * 4 - 2)).ToArray();
    }

    public static TheoryData<ReluBackwardMode> Modes => [ReluBackwardMode.Normal, ReluBackwardMode.Guided, ReluBackwardMode.Deconvolution];

    [Theory]
    [MemberData(nameof(Modes))]
    public void ReluBackward_EveryLength_MatchesScalarReference(ReluBackwardMode mode)
    {
        for (int n = 0; n <= 257; n++)
        {
            var y = Random(n, n).Select(v => Math.Max(v, 0f)).ToArray();
            var dy = Random(n, n + 1000);
            var dx = new float[n];
            Elementwise.ReluBackward(y, dy, dx, mode);
            for (int i = 0; i < n; i++)
            {
                float expected = mode switch
                {
                    ReluBackwardMode.Normal => y[i] > 0 ? dy[i] : 0f,
                    ReluBackwardMode.Guided => y[i] > 0 && dy[i] > 0 ? dy[i] : 0f,
                    _ => dy[i] > 0 ? dy[i] : 0f,
                };
                dx[i].ShouldBe(expected, $"n={n} i={i}");
            }
        }
    }

    [Fact]
    public void ReluAndClip_EveryLength_MatchScalarReference()
    {
        for (int n = 0; n <= 257; n++)
        {
            var x = Random(n, n);
            var dy = Random(n, n + 1);
            var y = new float[n];
            Elementwise.Relu(x, y);
            y.ShouldBe(x.Select(v => Math.Max(v, 0f)).ToArray());
            Elementwise.Clip(x, -0.5f, 1f, y);
            y.ShouldBe(x.Select(v => Math.Clamp(v, -0.5f, 1f)).ToArray());
            var dx = new float[n];
            Elementwise.ClipBackward(x, -0.5f, 1f, dy, dx);
            dx.ShouldBe(x.Select((v, i) => v >= -0.5f && v <= 1f ? dy[i] : 0f).ToArray());
        }
    }

    [Fact]
    public void Kernels_DoNotMutateTheirInputs()
    {
        var x = Random(2 * 3 * 9 * 8, 1);
        var w = Random(4 * 3 * 3 * 3, 2);
        var b = Random(4, 3);
        var snapshot = (x: (float[])x.Clone(), w: (float[])w.Clone(), b: (float[])b.Clone());
        var g = new ConvGeometry(2, 3, 9, 8, 4, 1, 3, 3, 2, 1, 1, 1, 1, 1, 1, 1);
        var y = new float[g.N * g.M * g.OH * g.OW];
        ConvKernels.Forward(g, x, w, b, y);
        var ySnapshot = (float[])y.Clone();
        ConvKernels.BackwardInput(g, y, w, new float[x.Length]);
        y.ShouldBe(ySnapshot);

        var p = new PoolGeometry(2, 3, 9, 8, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, true);
        var py = new float[2 * 3 * p.OH * p.OW];
        var argmax = new int[py.Length];
        PoolKernels.MaxForward(p, x, py, argmax);
        PoolKernels.AverageForward(p, true, x, py);
        var pySnapshot = (float[])py.Clone();
        var argSnapshot = (int[])argmax.Clone();
        PoolKernels.MaxBackward(p, py, argmax, new float[x.Length]);
        PoolKernels.AverageBackward(p, false, py, new float[x.Length]);
        py.ShouldBe(pySnapshot);
        argmax.ShouldBe(argSnapshot);

        var dy = Random(x.Length, 4);
        var dySnapshot = (float[])dy.Clone();
        var outBuffer = new float[x.Length];
        foreach (var mode in new[] { ReluBackwardMode.Normal, ReluBackwardMode.Guided, ReluBackwardMode.Deconvolution })
            Elementwise.ReluBackward(x, dy, outBuffer, mode);
        Elementwise.ClipBackward(x, -1f, 1f, dy, outBuffer);
        Elementwise.ChannelAffine(x, 2, 3, 72, b.AsSpan(0, 3), b.AsSpan(1, 3), outBuffer);
        SquadStudy.Engine.Imaging.Resize.BilinearMap(x.AsSpan(0, 72), 9, 8, new float[20 * 17], 20, 17);
        dy.ShouldBe(dySnapshot);
        x.ShouldBe(snapshot.x);
        w.ShouldBe(snapshot.w);
        b.ShouldBe(snapshot.b);
    }

    /// <summary>Direct convolution in double, the reference for the im2col path.</summary>
    private static double[] NaiveConv(ConvGeometry g, float[] x, float[] w, float[] b)
    {
        var y = new double[g.N * g.M * g.OH * g.OW];
        for (int n = 0; n < g.N; n++)
        for (int m = 0; m < g.M; m++)
        {
            int grp = m / g.Mg;
            for (int oh = 0; oh < g.OH; oh++)
            for (int ow = 0; ow < g.OW; ow++)
            {
                double s = b[m];
                for (int c = 0; c < g.Cg; c++)
                for (int i = 0; i < g.KH; i++)
                for (int j = 0; j < g.KW; j++)
                {
                    int ih = oh * g.StrideH - g.PadTop + i * g.DilationH, iw = ow * g.StrideW - g.PadLeft + j * g.DilationW;
                    if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) continue;
                    s += (double)x[((n * g.C + grp * g.Cg + c) * g.H + ih) * g.W + iw] * w[((m * g.Cg + c) * g.KH + i) * g.KW + j];
                }
                y[((n * g.M + m) * g.OH + oh) * g.OW + ow] = s;
            }
        }
        return y;
    }

    [Theory]
    [InlineData(1, 3, 11, 13, 5, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1)]
    [InlineData(2, 4, 10, 9, 6, 2, 5, 3, 2, 3, 2, 1, 0, 2, 1, 2)]
    [InlineData(1, 64, 4, 2000, 2, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1)] // one output row per im2col band
    [InlineData(1, 8, 6, 7, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1)]
    public void ConvForward_MatchesDirectConvolution(int n, int c, int h, int w, int m, int groups, int kh, int kw,
        int sh, int sw, int pt, int pl, int pb, int pr, int dh, int dw)
    {
        var g = new ConvGeometry(n, c, h, w, m, groups, kh, kw, sh, sw, pt, pl, pb, pr, dh, dw);
        var x = Random(n * c * h * w, 1);
        var weight = Random(m * g.Cg * kh * kw, 2);
        var bias = Random(m, 3);
        var y = new float[n * m * g.OH * g.OW];
        ConvKernels.Forward(g, x, weight, bias, y);
        var expected = NaiveConv(g, x, weight, bias);
        for (int i = 0; i < y.Length; i++)
            Math.Abs(y[i] - expected[i]).ShouldBeLessThanOrEqualTo(1e-4 * (1 + Math.Abs(expected[i])), $"y[{i}]");
    }

    [Theory]
    [InlineData(1, 64, 4, 2000, 2, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1)]  // bands split across cores
    [InlineData(2, 6, 9, 7, 4, 2, 3, 3, 2, 1, 1, 0, 1, 2, 1, 1)]
    public void ConvBackwardInput_IsTheAdjointOfForward(int n, int c, int h, int w, int m, int groups, int kh, int kw,
        int sh, int sw, int pt, int pl, int pb, int pr, int dh, int dw)
    {
        // <conv(x), y> = <x, convᵀ(y)> for the bias-free convolution, in double.
        var g = new ConvGeometry(n, c, h, w, m, groups, kh, kw, sh, sw, pt, pl, pb, pr, dh, dw);
        var x = Random(n * c * h * w, 4);
        var weight = Random(m * g.Cg * kh * kw, 5);
        var y = Random(n * m * g.OH * g.OW, 6);
        var conv = new float[y.Length];
        ConvKernels.Forward(g, x, weight, [], conv);
        var adjoint = new float[x.Length];
        ConvKernels.BackwardInput(g, y, weight, adjoint);
        double left = 0, right = 0;
        for (int i = 0; i < y.Length; i++) left += (double)conv[i] * y[i];
        for (int i = 0; i < x.Length; i++) right += (double)x[i] * adjoint[i];
        Math.Abs(left - right).ShouldBeLessThanOrEqualTo(1e-4 * (1 + Math.Abs(left)));
    }

    [Fact]
    public void Sgemm_RejectsOperandsThatDoNotFit()
    {
        var a = new float[6];
        var c = new float[4];
        Should.Throw<ArgumentException>(() => OpenBlas.Sgemm(false, false, 2, 2, 4, 1f, a, 4, a, 2, 0f, c, 2));
    }

    [Fact]
    public void Bilinear_MatchesAlignCornersFalse()
    {
        // 2×2 → 4×4: PyTorch gives rows [1, 1.25, 1.75, 2] for the top row of [[1, 2], [3, 4]].
        var dst = new float[16];
        SquadStudy.Engine.Imaging.Resize.BilinearMap([1f, 2f, 3f, 4f], 2, 2, dst, 4, 4);
        dst.AsSpan(0, 4).ToArray().ShouldBe([1f, 1.25f, 1.75f, 2f], 1e-6f);
        dst.AsSpan(12, 4).ToArray().ShouldBe([3f, 3.25f, 3.75f, 4f], 1e-6f);
        dst[4].ShouldBe(1.5f, 1e-6f);
    }
}
