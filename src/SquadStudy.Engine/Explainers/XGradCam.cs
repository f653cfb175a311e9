using SquadStudy.Engine.Graph;
using TorchSharp;

namespace SquadStudy.Engine.Explainers;

/// <summary>XGrad-CAM, Axiom-based Grad-CAM (Fu et al., BMVC 2020).</summary>
public sealed class XGradCam : CamExplainer
{
    /// <summary>
    /// §3.3: α_k^c = Σ_ij (A^k_ij / Σ_ab A^k_ab) · ∂y^c/∂A^k_ij, the gradient averaged with the
    /// activations' weights (the solution of the sensitivity and conservation axioms). As in
    /// pytorch-grad-cam's xgrad_cam.py the denominator is Σ_ab A^k_ab + 1e-7.
    /// </summary>
    protected internal override float[] ComputeWeights(CamInputs inputs)
    {
        using var scope = torch.NewDisposeScope();
        var a = torch.tensor(inputs.Activations, [inputs.Channels, inputs.Plane]);
        var g = torch.tensor(inputs.Gradient, [inputs.Channels, inputs.Plane]);
        return ((g * a).sum(dim: 1) / KeptScalars.Plus(a.sum(dim: 1), 1e-7f)).data<float>().ToArray();
    }
}
