using System.Numerics.Tensors;

namespace SquadStudy.Engine.Explainers;

/// <summary>Layer-CAM (Jiang et al., IEEE TIP 2021).</summary>
public sealed class LayerCam : CamExplainer
{
    /// <summary>
    /// Eq. 5–7: w^kc_ij = ReLU(∂y^c/∂A^k_ij), Â^k = w^kc ⊙ A^k, M^c = ReLU(Σ_k Â^k): each position
    /// weighted by its own positive gradient (pytorch-grad-cam's layer_cam.py:
    /// <c>np.maximum(grads, 0) * activations</c> summed over k, then base_cam's ReLU).
    /// </summary>
    protected internal override float[] ComputeWeights(CamInputs inputs)
    {
        var w = new float[inputs.Gradient.Length];
        TensorPrimitives.Max(inputs.Gradient, 0f, w);
        return w;
    }
}
