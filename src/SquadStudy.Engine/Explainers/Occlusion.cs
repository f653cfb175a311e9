using SquadStudy.Engine.Graph;
using TorchSharp;
using TorchTensor = TorchSharp.torch.Tensor;

namespace SquadStudy.Engine.Explainers;

/// <summary>Occlusion (Zeiler &amp; Fergus, ECCV 2014, §4.2), with Captum's <c>Occlusion</c> arithmetic.</summary>
public sealed class Occlusion(OcclusionOptions options) : PixelAttribution
{
    /// <summary>
    /// For each window position j (top-left corners 0, s, 2s, … while the window fits, as Captum's
    /// ⌊(H − k)/s⌋ + 1 positions per axis) the input with the k×k window of every channel set to b:
    /// R(p) = Σ_{j ∋ p} (y^c(x) − y^c(x_j)) / |{j ∋ p}|, the mean drop of the class score over the
    /// windows covering pixel p; 0 where no window covers p. H×W.
    /// </summary>
    internal override TorchTensor Attribute(IAttributionModel model, TorchTensor x, int classIndex, Action<int, int>? progress)
    {
        const string name = "occlusion";
        int k = options.Window, s = options.Stride, h = model.InputHeight, w = model.InputWidth;
        Require(k >= 1 && s >= 1, name, $"window and stride must be at least 1 (got window {k}, stride {s})");
        Require(k <= h && k <= w, name, $"the {k}×{k} window is larger than the {h}×{w} input");
        Require(float.IsFinite(options.Baseline), name, $"the baseline value must be finite (got {options.Baseline})");
        Require(options.BatchSize >= 1, name, $"batch size must be at least 1 (got {options.BatchSize})");
        using var scope = torch.NewDisposeScope();
        var corners = (from top in Enumerable.Range(0, (h - k) / s + 1)
                       from left in Enumerable.Range(0, (w - k) / s + 1)
                       select (Top: top * s, Left: left * s)).ToArray();
        int total = corners.Length + 1;
        float clean = model.Logits(x.unsqueeze(0), 1, null)[0, classIndex].item<float>();
        progress?.Invoke(1, total);
        var sum = torch.zeros(h, w, dtype: torch.float64);
        var count = torch.zeros(h, w, dtype: torch.float64);
        for (int start = 0; start < corners.Length; start += options.BatchSize)
        {
            using var chunk = torch.NewDisposeScope();
            var batch = corners.Skip(start).Take(options.BatchSize).ToArray();
            var windows = torch.zeros(batch.Length, 1, h, w, dtype: torch.float32);
            for (int j = 0; j < batch.Length; j++)
                KeptScalars.Fill(windows[j].narrow(1, batch[j].Top, k).narrow(2, batch[j].Left, k), 1f);
            var occluded = KeptScalars.Add(x.unsqueeze(0) * KeptScalars.Minus(1, windows), KeptScalars.Mul(windows, options.Baseline));
            var scores = model.Logits(occluded, options.BatchSize, null)[.., classIndex].to(torch.float64);
            var drop = KeptScalars.Minus(clean, scores).reshape(-1, 1, 1);
            var covered = windows[.., 0].to(torch.float64);
            KeptScalars.AddInPlace(sum, (drop * covered).sum([0]));
            KeptScalars.AddInPlace(count, covered.sum([0]));
            progress?.Invoke(1 + start + batch.Length, total);
        }
        return torch.where(KeptScalars.Greater(count, 0), sum / KeptScalars.ClampMin(count, 1), torch.zeros_like(sum)).to(torch.float32).MoveToOuterDisposeScope();
    }
}
