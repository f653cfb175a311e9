using SquadStudy.Engine.Graph;
using SquadStudy.Engine.Tensors;
using TorchSharp;

namespace SquadStudy.Engine.Tests;

/// <summary>
/// Autograd through every operator's libtorch mapping against central finite differences of f(x) = Σ r ⊙ layer(x) for a
/// random r: ∂f/∂x_i ≈ (f(x + ε e_i) − f(x − ε e_i)) / 2ε, with f accumulated in double.
/// Inputs of piecewise-linear operators keep their distance from the kinks (see each test).
/// </summary>
public class GradientCheckTests
{
    private const double Eps = 1e-2;

    private static float[] Random(int n, int seed, float scale = 1f)
    {
        var r = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(r.NextDouble() * 2 - 1) * scale).ToArray();
    }

    /// <summary>Distinct values ±(0.1..) in random order: no ties for max-pooling, no values near ReLU's or Clip's kinks.</summary>
    private static float[] Distinct(int n, int seed)
    {
        var r = new Random(seed);
        return Enumerable.Range(0, n).Select(i => (i + 1) * 0.05f * (i % 2 == 0 ? 1 : -1)).OrderBy(_ => r.Next()).ToArray();
    }

    private static double Objective(Layer layer, int[] shape, float[] x, float[] r)
    {
        var y = OperatorTests.Run(layer, shape, x);
        double f = 0;
        for (int i = 0; i < r.Length; i++) f += (double)r[i] * y[i];
        return f;
    }

    private static void Check(Func<Operand, Layer> make, int[] shape, float[]? x = null, int seed = 1, double tolerance = 2e-3)
    {
        var layer = make(Operand.Runtime(0));
        layer.Index = 0;
        layer.Output = 1;
        x ??= Random(ShapeUtil.Size(shape), seed);
        using var scope = torch.NewDisposeScope();
        var state = new ExecutionState(2, recording: true);
        var input = torch.tensor(x, shape.Select(d => (long)d).ToArray()).requires_grad_(true);
        state.Values[0] = input;
        var y = layer.Forward(state);
        y.shape.ShouldBe(layer.OutputShape.Select(d => (long)d).ToArray());
        var r = Random((int)y.numel(), seed + 100);
        var grad = torch.autograd.grad([y], [input], [torch.tensor(r, y.shape)], allow_unused: true)[0];
        var dx = new Tensor(shape, grad is null ? new float[x.Length] : grad.contiguous().data<float>().ToArray());

        var pick = new Random(seed + 7);
        var indices = x.Length <= 80 ? Enumerable.Range(0, x.Length) : Enumerable.Range(0, 80).Select(_ => pick.Next(x.Length));
        foreach (int i in indices)
        {
            var plus = (float[])x.Clone();
            var minus = (float[])x.Clone();
            plus[i] += (float)Eps;
            minus[i] -= (float)Eps;
            double numeric = (Objective(layer, shape, plus, r) - Objective(layer, shape, minus, r)) / (2 * Eps);
            Math.Abs(dx.Data[i] - numeric).ShouldBeLessThanOrEqualTo(tolerance * (1 + Math.Abs(numeric)),
                $"{layer.Label}: dx[{i}] analytic {dx.Data[i]} numeric {numeric}");
        }
    }

    private static Tensor Weights(int[] shape, int seed) => new(shape, Random(ShapeUtil.Size(shape), seed, 0.5f));

    [Theory]
    [InlineData(1, 3, 7, 6, 4, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1)]   // padded 3×3
    [InlineData(2, 4, 9, 8, 6, 2, 3, 3, 2, 2, 1, 0, 2, 1, 1, 1)]   // stride 2, asymmetric pads, groups 2
    [InlineData(1, 2, 9, 9, 3, 1, 3, 2, 1, 1, 2, 2, 2, 2, 2, 3)]   // dilation, rectangular kernel
    [InlineData(1, 6, 5, 4, 3, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1)]   // pointwise (no im2col)
    [InlineData(1, 4, 6, 6, 4, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1)]   // depthwise
    [InlineData(1, 3, 8, 7, 2, 1, 1, 1, 2, 2, 0, 0, 0, 0, 1, 1)]   // 1×1 stride 2 (ResNet downsampling)
    public void Conv_Backward_MatchesFiniteDifferences(int n, int c, int h, int w, int m, int groups, int kh, int kw,
        int sh, int sw, int pt, int pl, int pb, int pr, int dh, int dw)
    {
        var g = new ConvGeometry(n, c, h, w, m, groups, kh, kw, sh, sw, pt, pl, pb, pr, dh, dw);
        var weight = Weights([m, c / groups, kh, kw], 3);
        var bias = Weights([m], 4);
        Check(x => new ConvLayer("Conv", x, g, weight, bias), [n, c, h, w]);
    }

    [Fact]
    public void Relu_Backward_MatchesFiniteDifferences() =>
        Check(x => new ReluLayer("Relu", x, [2, 3, 4, 5]), [2, 3, 4, 5], Distinct(120, 5));

    [Fact]
    public void Clip_Backward_MatchesFiniteDifferences() =>
        Check(x => new ClipLayer("Clip", x, [1, 2, 5, 6], -1.02f, 0.98f), [1, 2, 5, 6], Distinct(60, 6));

    [Theory]
    [InlineData(2, 2, 2, 2, 0, 0, false)]
    [InlineData(3, 3, 2, 2, 1, 1, false)]
    [InlineData(3, 3, 2, 2, 0, 0, true)]
    [InlineData(2, 3, 1, 2, 1, 0, true)]
    public void MaxPool_Backward_MatchesFiniteDifferences(int kh, int kw, int sh, int sw, int ph, int pw, bool ceil)
    {
        var g = new PoolGeometry(1, 2, 7, 8, kh, kw, sh, sw, ph, pw, ph, pw, 1, 1, ceil);
        Check(x => new MaxPoolLayer("MaxPool", x, g), [1, 2, 7, 8], Distinct(112, 8));
    }

    [Theory]
    [InlineData(3, 3, 2, 2, 1, 1, false, true)]
    [InlineData(3, 3, 2, 2, 1, 1, false, false)]
    [InlineData(2, 2, 2, 2, 0, 0, true, false)]
    [InlineData(3, 2, 2, 1, 1, 0, true, true)]
    public void AveragePool_Backward_MatchesFiniteDifferences(int kh, int kw, int sh, int sw, int ph, int pw, bool ceil, bool includePad)
    {
        var g = new PoolGeometry(2, 2, 7, 6, kh, kw, sh, sw, ph, pw, ph, pw, 1, 1, ceil);
        Check(x => new AveragePoolLayer("AveragePool", x, g, includePad), [2, 2, 7, 6]);
    }

    [Fact]
    public void GlobalAveragePool_Backward_MatchesFiniteDifferences() =>
        Check(x => new GlobalAveragePoolLayer("GlobalAveragePool", x, [2, 3, 4, 5]), [2, 3, 4, 5]);

    [Fact]
    public void BatchNorm_Backward_MatchesFiniteDifferences() =>
        Check(x => new BatchNormLayer("BatchNormalization", x, [2, 3, 4, 4], [0.5f, -1.5f, 2f], [0.1f, 0.2f, -0.3f]), [2, 3, 4, 4]);

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void Gemm_Backward_MatchesFiniteDifferences(bool transA, bool transB)
    {
        int m = 3, k = 5, n = 4;
        var b = Weights(transB ? [n, k] : [k, n], 9);
        Check(x => new GemmLayer("Gemm", x, m, k, n, transA, transB, 0.7f, b, [1f, 2f, 3f, 4f], [m, n]), transA ? [k, m] : [m, k]);
    }

    [Fact]
    public void MatMul_Backward_MatchesFiniteDifferences()
    {
        var b = Weights([6, 3], 10);
        Check(x => new GemmLayer("MatMul", x, 2 * 4, 6, 3, false, false, 1f, b, null, [2, 4, 3]), [2, 4, 6]);
    }

    [Fact]
    public void Add_WithBroadcastConstant_BackwardMatchesFiniteDifferences()
    {
        var bias = Weights([3, 1, 1], 11);
        Check(x => new BinaryLayer("Add", "Add", x, Operand.Const(bias), [2, 3, 2, 2]), [2, 3, 2, 2]);
    }

    [Fact]
    public void Add_OfTwoActivations_SumsBothGradients()
    {
        // Both operands are the same slot (x + x): the sink must add the two contributions.
        var x = Operand.Runtime(0);
        Check(_ => new BinaryLayer("Add", "Add", x, x, [1, 2, 3]), [1, 2, 3]);
    }

    [Fact]
    public void Add_BroadcastingTheActivation_SumsOverBroadcastAxes()
    {
        var other = Weights([2, 3, 4], 12);
        Check(x => new BinaryLayer("Add", "Add", x, Operand.Const(other), [2, 3, 4]), [3, 1]);
    }

    [Fact]
    public void View_Backward_MatchesFiniteDifferences() =>
        Check(x => new ViewLayer("Flatten", x, [2, 12]), [2, 3, 2, 2]);

    [Fact]
    public void Concat_Backward_MatchesFiniteDifferences()
    {
        var constant = Weights([2, 1, 3], 13);
        Check(x => new ConcatLayer("Concat", [x, Operand.Const(constant), x], 1, [2, 5, 3]), [2, 2, 3]);
    }

    [Fact]
    public void Pad_Backward_MatchesFiniteDifferences() =>
        Check(x => new PadLayer("Pad", x, [1, 2, 3, 4], 1, 2, 0, 1, 0.5f), [1, 2, 3, 4]);
}
