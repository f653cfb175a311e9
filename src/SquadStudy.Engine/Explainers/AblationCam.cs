using System.Numerics.Tensors;

namespace SquadStudy.Engine.Explainers;

/// <summary>
/// Ablation-CAM (Desai &amp; Ramaswamy, WACV 2020): each map's weight is the relative drop of the class
/// score when that map is removed; no gradient is used, one forward pass per feature map, in batches.
/// </summary>
public sealed class AblationCam : CamExplainer
{
    /// <summary>Ablated channels per forward pass, pytorch-grad-cam's default batch_size.</summary>
    public const int BatchSize = 32;

    /// <summary>
    /// Eq. 3: w_k^c = (y^c − y^c_k) / y^c, y^c_k the score with A^k set to 0 (the forward pass continued
    /// from the target layer); L^c = ReLU(Σ_k w_k^c A^k) (Eq. 4). As pytorch-grad-cam's ablation_cam.py
    /// with every channel ablated (ratio_channels_to_ablate = 1). Where the layer's minimum is not 0
    /// (no ReLU before it) pytorch-grad-cam's AblationLayer writes min − 1e7 instead of 0, a value that
    /// grows with the position in its batch; the engine keeps the paper's zeroing there.
    /// </summary>
    protected internal override float[] ComputeWeights(CamInputs inputs)
    {
        var forward = inputs.Forward ?? throw new InvalidOperationException("Ablation-CAM needs the model's forward passes");
        float y = forward.Score;
        if (y == 0f) throw new ExplanationException("Ablation-CAM's weights (y − y_k)/y are undefined: the class score y is 0");
        var weights = forward.AblatedScores(BatchSize);
        TensorPrimitives.Subtract(y, weights, weights);
        TensorPrimitives.Divide(weights, y, weights);
        return weights;
    }
}
