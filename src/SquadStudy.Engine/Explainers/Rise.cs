using SquadStudy.Engine.Graph;
using TorchSharp;
using TorchTensor = TorchSharp.torch.Tensor;

namespace SquadStudy.Engine.Explainers;

/// <summary>RISE: Randomized Input Sampling for Explanation (Petsiuk, Das &amp; Saenko, BMVC 2018).</summary>
public sealed class Rise(RiseOptions options) : PixelAttribution
{
    /// <summary>
    /// Eq. 6 (Monte Carlo form of Eq. 5): S_c = (1/(N·p)) Σ_i P_c(x ⊙ M_i) · M_i, with P_c the softmax
    /// probability of class c. Masks as in §3.2: a binary s×s grid, cells 1 with probability p, upsampled
    /// bilinearly (libtorch's interpolate, align_corners = False; the authors' code uses skimage's resize)
    /// to (s+1)·C_H × (s+1)·C_W with cell size C = ⌈H/s⌉ × ⌈W/s⌉, then cropped to H×W at a random shift
    /// (dy, dx) ∈ [0, C_H) × [0, C_W). Masking multiplies the normalised input, so masked pixels take the
    /// mean colour, as in the authors' code. Grids, then shifts, are drawn from one generator. H×W.
    /// </summary>
    internal override TorchTensor Attribute(IAttributionModel model, TorchTensor x, int classIndex, Action<int, int>? progress)
    {
        const string name = "rise";
        int n = options.Masks, s = options.Grid, h = model.InputHeight, w = model.InputWidth;
        float p = options.Probability;
        Require(n >= 1, name, $"at least one mask is needed (got {n})");
        Require(s >= 1 && s <= Math.Min(h, w), name, $"the grid must have 1 to {Math.Min(h, w)} cells per side (got {s})");
        Require(p > 0 && p <= 1, name, $"the probability p must be in (0, 1] (got {p})");
        Require(options.BatchSize >= 1, name, $"batch size must be at least 1 (got {options.BatchSize})");
        using var scope = torch.NewDisposeScope();
        int cellH = (h + s - 1) / s, cellW = (w + s - 1) / s;
        var (grids, shifts) = Draw(n, s, cellH, cellW);
        var saliency = torch.zeros(h, w, dtype: torch.float64);
        for (int start = 0; start < n; start += options.BatchSize)
        {
            using var chunk = torch.NewDisposeScope();
            int count = Math.Min(options.BatchSize, n - start);
            var up = torch.nn.functional.interpolate(grids.narrow(0, start, count).unsqueeze(1), [(s + 1) * cellH, (s + 1) * cellW],
                mode: torch.InterpolationMode.Bilinear, align_corners: false);
            var masks = torch.stack(Enumerable.Range(0, count).Select(j =>
                up[j, 0].narrow(0, shifts[start + j, 0], h).narrow(1, shifts[start + j, 1], w)).ToArray());
            var logits = model.Logits(x.unsqueeze(0) * masks.unsqueeze(1), options.BatchSize, null);
            var probability = torch.softmax(logits.to(torch.float64), 1)[.., classIndex];
            KeptScalars.AddInPlace(saliency, (probability.reshape(-1, 1, 1) * masks.to(torch.float64)).sum([0]));
            progress?.Invoke(start + count, n);
        }
        return KeptScalars.Div(saliency, n * (double)p).to(torch.float32).MoveToOuterDisposeScope();
    }

    /// <summary>The N×s×s grids (float32 0/1) and the N shifts (dy, dx) as a long N×2 tensor.</summary>
    private (TorchTensor Grids, long[,] Shifts) Draw(int n, int s, int cellH, int cellW)
    {
        TorchTensor grids, shifts;
        if (options.Grids is { } given)
        {
            Require(given.Length == n * s * s && options.Shifts?.Length == 2 * n, "rise",
                $"explicit grids need {n}×{s}×{s} values and shifts {n}×2");
            Require(!options.Shifts!.Where((v, i) => v < 0 || v >= (i % 2 == 0 ? cellH : cellW)).Any(), "rise",
                $"shifts must lie in [0, {cellH}) × [0, {cellW})");
            grids = torch.tensor(given, [n, s, s]);
            shifts = torch.tensor(options.Shifts!.Select(v => (long)v).ToArray(), [n, 2]);
        }
        else
        {
            using var generator = Generator(options.Seed);
            grids = KeptScalars.Less(torch.rand([n, s, s], dtype: torch.float32, generator: generator), options.Probability).to(torch.float32);
            var dy = torch.randint(cellH, [n], dtype: torch.int64, generator: generator);
            var dx = torch.randint(cellW, [n], dtype: torch.int64, generator: generator);
            shifts = torch.stack([dy, dx], 1);
        }
        var data = shifts.contiguous().data<long>().ToArray();
        var table = new long[n, 2];
        for (int i = 0; i < n; i++) { table[i, 0] = data[2 * i]; table[i, 1] = data[2 * i + 1]; }
        return (grids, table);
    }
}
