namespace SquadStudy.Engine.Explainers;

/// <summary>Squad-CAM (Hultgren, Tyystjärvi, Bir): Grad-CAM with squared channel weights.</summary>
public sealed class SquadCam : CamExplainer
{
    /// <summary>w_k = (α_k^c)², α_k^c the Grad-CAM weight (Selvaraju Eq. 1); squaring keeps every channel's evidence positive.</summary>
    protected internal override float[] ComputeWeights(CamInputs inputs)
    {
        var alpha = SpatialMeanOfGradient(inputs);
        for (int k = 0; k < alpha.Length; k++) alpha[k] *= alpha[k];
        return alpha;
    }
}
