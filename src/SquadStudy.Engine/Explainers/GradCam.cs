namespace SquadStudy.Engine.Explainers;

/// <summary>Grad-CAM (Selvaraju et al., ICCV 2017).</summary>
public sealed class GradCam : CamExplainer
{
    /// <summary>Eq. 1: α_k^c = (1/Z) Σ_i Σ_j ∂y^c/∂A^k_ij, the global-average-pooled gradient.</summary>
    protected internal override float[] ComputeWeights(CamInputs inputs) => SpatialMeanOfGradient(inputs);
}
