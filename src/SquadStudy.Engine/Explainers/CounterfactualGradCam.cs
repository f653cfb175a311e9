namespace SquadStudy.Engine.Explainers;

/// <summary>Counterfactual Grad-CAM (Selvaraju et al., ICCV 2017, §5 "Counterfactual Explanations").</summary>
public sealed class CounterfactualGradCam : CamExplainer
{
    /// <summary>Eq. 4: the negated gradient, α_k^c = (1/Z) Σ_ij −∂y^c/∂A^k_ij, shows regions that lower y^c.</summary>
    protected internal override float[] ComputeWeights(CamInputs inputs)
    {
        var alpha = SpatialMeanOfGradient(inputs);
        for (int k = 0; k < alpha.Length; k++) alpha[k] = -alpha[k];
        return alpha;
    }
}
