using SquadStudy.Engine.Graph;
using TorchSharp;

namespace SquadStudy.Engine.Tests;

/// <summary>
/// The ONNX operators' mapping onto libtorch against scalar references: convolution with ONNX's
/// asymmetric padding, groups and dilations; the three ReLU backward rules; inputs left unchanged.
/// </summary>
public class OperatorTests
{
    private static float[] Random(int n, int seed)
    {
        var r = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(r.NextDouble() * 4 - 2)).ToArray();
    }

    internal static float[] Run(Layer layer, int[] shape, float[] x)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var state = new ExecutionState(2, recording: false);
        state.Values[0] = torch.tensor(x, shape.Select(d => (long)d).ToArray());
        return layer.Forward(state).contiguous().data<float>().ToArray();
    }

    public static TheoryData<ReluBackwardMode> Modes => [ReluBackwardMode.Normal, ReluBackwardMode.Guided, ReluBackwardMode.Deconvolution];

    [Theory]
    [MemberData(nameof(Modes))]
    public void ReluBackward_EveryLength_FollowsItsRule(ReluBackwardMode mode)
    {
        foreach (int n in new[] { 0, 1, 7, 8, 15, 16, 17, 31, 33, 63, 65, 255, 257 })
        {
            var x = Random(n, n + 1);
            var dy = Random(n, n + 2);
            using var scope = torch.NewDisposeScope();
            var state = new ExecutionState(2, recording: true);
            state.ReluMode.Mode = mode;
            var input = torch.tensor(x, [n]).requires_grad_(true);
            state.Values[0] = input;
            var y = new ReluLayer("Relu", Operand.Runtime(0), [n]).Forward(state);
            var dx = torch.autograd.grad([y], [input], [torch.tensor(dy, [n])])[0].data<float>().ToArray();
            for (int i = 0; i < n; i++)
            {
                float expected = mode switch
                {
                    ReluBackwardMode.Normal => x[i] > 0 ? dy[i] : 0f,
                    ReluBackwardMode.Guided => x[i] > 0 && dy[i] > 0 ? dy[i] : 0f,
                    _ => dy[i] > 0 ? dy[i] : 0f,
                };
                dx[i].ShouldBe(expected, $"n={n}, i={i}");
            }
            y.data<float>().ToArray().ShouldBe(x.Select(v => Math.Max(v, 0f)).ToArray());
        }
    }

    [Fact]
    public void Layers_DoNotMutateTheirInputs()
    {
        int[] shape = [1, 2, 6, 6];
        var x = Random(72, 1);
        var snapshot = (float[])x.Clone();
        var w = new SquadStudy.Engine.Tensors.Tensor([3, 2, 3, 3], Random(54, 2));
        var pool = new PoolGeometry(1, 2, 6, 6, 3, 3, 2, 2, 0, 1, 1, 0, 1, 1, true);
        var input = Operand.Runtime(0);
        Layer[] layers =
        [
            new ConvLayer("Conv", input, new ConvGeometry(1, 2, 6, 6, 3, 1, 3, 3, 1, 1, 0, 1, 2, 1, 1, 1), w, null),
            new ReluLayer("Relu", input, shape),
            new ClipLayer("Clip", input, shape, -1f, 1f),
            new MaxPoolLayer("MaxPool", input, pool),
            new AveragePoolLayer("AveragePool", input, pool, countIncludePad: false),
            new BatchNormLayer("BatchNormalization", input, shape, [2f, 3f], [0.5f, -1f]),
            new PadLayer("Pad", input, shape, 1, 0, 2, 1, 0.5f),
        ];
        foreach (var layer in layers)
        {
            Run(layer, shape, x);
            x.ShouldBe(snapshot, layer.Label);
        }
    }

    /// <summary>Direct convolution in double, with ONNX's [top, left, bottom, right] padding.</summary>
    private static double[] NaiveConv(ConvGeometry g, float[] x, float[] w, float[] b)
    {
        int cg = g.C / g.Groups, mg = g.M / g.Groups;
        var y = new double[g.N * g.M * g.OH * g.OW];
        for (int n = 0; n < g.N; n++)
        for (int m = 0; m < g.M; m++)
        {
            int grp = m / mg;
            for (int oh = 0; oh < g.OH; oh++)
            for (int ow = 0; ow < g.OW; ow++)
            {
                double s = b[m];
                for (int c = 0; c < cg; c++)
                for (int i = 0; i < g.KH; i++)
                for (int j = 0; j < g.KW; j++)
                {
                    int ih = oh * g.StrideH - g.PadTop + i * g.DilationH, iw = ow * g.StrideW - g.PadLeft + j * g.DilationW;
                    if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) continue;
                    s += (double)x[((n * g.C + grp * cg + c) * g.H + ih) * g.W + iw] * w[((m * cg + c) * g.KH + i) * g.KW + j];
                }
                y[((n * g.M + m) * g.OH + oh) * g.OW + ow] = s;
            }
        }
        return y;
    }

    [Theory]
    [InlineData(1, 3, 11, 13, 5, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1)]
    [InlineData(2, 4, 10, 9, 6, 2, 5, 3, 2, 3, 2, 1, 0, 2, 1, 2)]   // asymmetric pads
    [InlineData(1, 8, 6, 7, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1)]    // depthwise
    [InlineData(1, 6, 8, 7, 4, 1, 1, 1, 2, 2, 0, 0, 0, 0, 1, 1)]    // 1×1 stride 2
    public void ConvForward_MatchesDirectConvolution(int n, int c, int h, int w, int m, int groups, int kh, int kw,
        int sh, int sw, int pt, int pl, int pb, int pr, int dh, int dw)
    {
        var g = new ConvGeometry(n, c, h, w, m, groups, kh, kw, sh, sw, pt, pl, pb, pr, dh, dw);
        var x = Random(n * c * h * w, 1);
        var weight = Random(m * (c / groups) * kh * kw, 2);
        var bias = Random(m, 3);
        var layer = new ConvLayer("Conv", Operand.Runtime(0), g,
            new SquadStudy.Engine.Tensors.Tensor([m, c / groups, kh, kw], weight), new SquadStudy.Engine.Tensors.Tensor([m], bias));
        var y = Run(layer, [n, c, h, w], x);
        var expected = NaiveConv(g, x, weight, bias);
        y.Length.ShouldBe(expected.Length);
        for (int i = 0; i < y.Length; i++)
            Math.Abs(y[i] - expected[i]).ShouldBeLessThanOrEqualTo(1e-4 * (1 + Math.Abs(expected[i])), $"y[{i}]");
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
