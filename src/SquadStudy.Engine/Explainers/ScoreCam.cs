using SquadStudy.Engine.Graph;
using TorchSharp;

namespace SquadStudy.Engine.Explainers;

/// <summary>
/// Score-CAM (Wang et al., CVPR Workshops 2020): each map's weight is the class score of the image
/// masked by that map, so no gradient is used; one forward pass per feature map, in batches.
/// </summary>
public sealed class ScoreCam : CamExplainer
{
    /// <summary>Masked images per forward pass, pytorch-grad-cam's default BATCH_SIZE.</summary>
    public const int BatchSize = 16;

    /// <summary>
    /// Eq. 2–3 and Definition 2: H^k = s(Up(A^k)), s(M) = (M − min M) / (max M − min M), and
    /// α_k^c = y^c(X ∘ H^k); L^c = ReLU(Σ_k α_k^c A^k). As pytorch-grad-cam's score_cam.py: Up is
    /// bilinear with align_corners=True (UpsamplingBilinear2d) to the input size, s divides by
    /// max − min + 1e-8, the score is the logit (no baseline image subtracted) and the weights are the
    /// softmax of the K scores over the channels.
    /// </summary>
    protected internal override float[] ComputeWeights(CamInputs inputs)
    {
        var forward = inputs.Forward ?? throw new InvalidOperationException("Score-CAM needs the model's forward passes");
        using var scope = torch.NewDisposeScope();
        var a = torch.tensor(inputs.Activations, [1, inputs.Channels, inputs.Height, inputs.Width]);
        torch.Tensor Masks(int start, int n)
        {
            var up = torch.nn.functional.interpolate(a[.., start..(start + n)], [forward.InputHeight, forward.InputWidth],
                mode: torch.InterpolationMode.Bilinear, align_corners: true).reshape(n, -1);
            var min = up.amin([1], keepdim: true);
            var max = up.amax([1], keepdim: true);
            return ((up - min) / KeptScalars.Plus(max - min, 1e-8f)).reshape(n, 1, forward.InputHeight, forward.InputWidth);
        }
        var scores = forward.MaskedScores(inputs.Channels, Masks, BatchSize);
        return torch.tensor(scores).softmax(dim: 0).data<float>().ToArray();
    }
}
