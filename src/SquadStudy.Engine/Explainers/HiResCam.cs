namespace SquadStudy.Engine.Explainers;

/// <summary>HiRes-CAM (Draelos &amp; Carin, 2020, arXiv:2011.08891).</summary>
public sealed class HiResCam : CamExplainer
{
    /// <summary>
    /// §3: L^c = ReLU(Σ_k ∂y^c/∂A^k ⊙ A^k), the gradient multiplied element-wise instead of averaged
    /// over positions (Grad-CAM's α_k), so that the map shows exactly the positions that raise y^c
    /// (pytorch-grad-cam's hirescam.py: <c>(grads * activations).sum(axis=1)</c>, then base_cam's ReLU).
    /// </summary>
    protected internal override float[] ComputeWeights(CamInputs inputs) => (float[])inputs.Gradient.Clone();
}
