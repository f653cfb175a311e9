using SquadStudy.Engine.Graph;
using TorchSharp;
using TorchTensor = TorchSharp.torch.Tensor;

namespace SquadStudy.Engine.Explainers;

/// <summary>Integrated Gradients (Sundararajan, Taly &amp; Yan, ICML 2017).</summary>
public sealed class IntegratedGradients(IntegratedGradientsOptions options) : PixelAttribution
{
    /// <summary>
    /// Eq. 1: IG_i(x) = (x_i − x'_i) · ∫₀¹ ∂y^c(x' + α(x − x'))/∂x_i dα, the integral by the trapezoid
    /// rule on m = Steps intervals: Σ_k w_k ∂y^c(x' + (k/m)(x − x'))/∂x, k = 0..m, w_0 = w_m = 1/(2m),
    /// else 1/m (§5 uses the right Riemann sum; the trapezoid's error falls as 1/m² on smooth stretches,
    /// so completeness, Σ_i IG_i = y^c(x) − y^c(x'), holds more tightly at the same m).
    /// </summary>
    internal override TorchTensor Attribute(IAttributionModel model, TorchTensor x, int classIndex, Action<int, int>? progress)
    {
        const string name = "integrated-gradients";
        int m = options.Steps;
        Require(m >= 1, name, $"steps must be at least 1 (got {m})");
        Require(options.BatchSize >= 1, name, $"batch size must be at least 1 (got {options.BatchSize})");
        Require(options.Baseline != AttributionBaseline.Blur || options.BlurSigma > 0, name, $"the blur baseline's sigma must be positive (got {options.BlurSigma})");
        using var scope = torch.NewDisposeScope();
        var baseline = Baseline(model, x);
        var alphas = torch.linspace(0, 1, m + 1, dtype: torch.float32).reshape(m + 1, 1, 1, 1);
        var path = KeptScalars.Add(baseline.unsqueeze(0), alphas * (x - baseline).unsqueeze(0));
        var grads = model.InputGradients(path, classIndex, options.BatchSize, Counter(progress, 0, m + 1)).to(torch.float64);
        var weights = Enumerable.Range(0, m + 1).Select(k => (k == 0 || k == m ? 0.5 : 1.0) / m).ToArray();
        var integral = (grads * torch.tensor(weights, [m + 1, 1, 1, 1])).sum([0]);
        return ((x - baseline).to(torch.float64) * integral).to(torch.float32).MoveToOuterDisposeScope();
    }

    /// <summary>x' for <see cref="IntegratedGradientsOptions.Baseline"/>, C×H×W in normalised space.</summary>
    internal TorchTensor Baseline(IAttributionModel model, TorchTensor x)
    {
        int c = model.Channels;
        switch (options.Baseline)
        {
            case AttributionBaseline.Zero:
                return torch.zeros_like(x);
            case AttributionBaseline.Black:
                var black = model.Mean.Zip(model.Std, (mean, std) => -mean / std).ToArray();
                return torch.tensor(black, [c, 1, 1]).expand_as(x).contiguous();
            default:
                // Separable Gaussian, radius ⌈3σ⌉, borders replicated; the same kernel on every channel.
                double sigma = options.BlurSigma;
                int radius = (int)Math.Ceiling(3 * sigma);
                var offsets = KeptScalars.Arange(-radius, radius + 1, torch.float64);
                var kernel = torch.exp(KeptScalars.Div((offsets * offsets).neg(), 2 * sigma * sigma));
                kernel = (kernel / kernel.sum()).to(torch.float32);
                var image = x.unsqueeze(0);
                var rows = torch.nn.functional.pad(image, [0, 0, radius, radius], PaddingModes.Replicate);
                image = torch.nn.functional.conv2d(rows, kernel.reshape(1, 1, -1, 1).expand(c, 1, -1, 1), groups: c);
                var cols = torch.nn.functional.pad(image, [radius, radius, 0, 0], PaddingModes.Replicate);
                return torch.nn.functional.conv2d(cols, kernel.reshape(1, 1, 1, -1).expand(c, 1, 1, -1), groups: c)[0];
        }
    }
}
