using SquadStudy.Engine.Graph;
using TorchSharp;
using TorchTensor = TorchSharp.torch.Tensor;

namespace SquadStudy.Engine.Explainers;

/// <summary>SmoothGrad (Smilkov, Thorat, Kim, Viégas &amp; Wattenberg 2017).</summary>
public sealed class SmoothGrad(SmoothGradOptions options) : PixelAttribution
{
    /// <summary>
    /// Eq. 1 with M_c = ∂y^c/∂x: M̂_c(x) = (1/n) Σ_{s=1..n} ∂y^c/∂x (x + ε_s), ε_s ~ N(0, σ²),
    /// σ = Spread·(max x − min x) (§3, "noise level"). The clean input is not one of the copies.
    /// </summary>
    internal override TorchTensor Attribute(IAttributionModel model, TorchTensor x, int classIndex, Action<int, int>? progress)
    {
        const string name = "smoothgrad";
        int n = options.Noise?.Count ?? options.Samples;
        Require(n >= 1, name, $"at least one sample is needed (got {n})");
        Require(options.Spread >= 0 && float.IsFinite(options.Spread), name, $"sigma (a fraction of the input range) must be a finite number ≥ 0 (got {options.Spread})");
        Require(options.BatchSize >= 1, name, $"batch size must be at least 1 (got {options.BatchSize})");
        using var scope = torch.NewDisposeScope();
        long[] shape = [n, .. x.shape];
        TorchTensor noise;
        if (options.Noise is { } given)
        {
            long length = x.numel();
            Require(given.All(e => e.Length == length), name, $"noise tensors must hold {length} values each");
            noise = torch.tensor(given.SelectMany(e => e).ToArray(), shape);
        }
        else
        {
            using var generator = Generator(options.Seed);
            noise = KeptScalars.Mul(torch.randn(shape, dtype: torch.float32, generator: generator), options.Spread * Range(x));
        }
        var grads = model.InputGradients(KeptScalars.Add(x.unsqueeze(0), noise), classIndex, options.BatchSize, Counter(progress, 0, n));
        return grads.to(torch.float64).mean([0]).to(torch.float32).MoveToOuterDisposeScope();
    }
}
