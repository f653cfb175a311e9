namespace SquadStudy.Engine.Explainers;

/// <summary>
/// Smooth Grad-CAM++ (Omeiza et al., 2019): the gradient moments g, g², g³ are averaged over
/// noisy copies of the input (SmoothGrad's idea, Smilkov et al. 2017) before Grad-CAM++'s weights.
/// The engine computes the averages (see <see cref="SmoothOptions"/>); this class only weighs them.
/// </summary>
public sealed class SmoothGradCamPlusPlus : CamExplainer
{
    /// <summary>
    /// Omeiza et al. Eq. 6–7: Grad-CAM++'s Eq. 19 with D¹ = mean g, D² = mean g², D³ = mean g³ (and
    /// A its mean) over the n noisy samples; w_k = Σ_ij α_ij·ReLU(D¹_ij).
    /// </summary>
    protected internal override float[] ComputeWeights(CamInputs inputs)
    {
        if (inputs.GradientSquared is null || inputs.GradientCubed is null)
            throw new InvalidOperationException("Smooth Grad-CAM++ needs averaged gradient moments from noisy samples.");
        return GradCamPlusPlus.Weights(inputs);
    }
}
