namespace SquadStudy.Engine.Explainers;

/// <summary>CAM (Zhou et al., CVPR 2016), for networks whose head is global average pooling → linear.</summary>
public sealed class ClassActivationMapping : CamExplainer
{
    /// <summary>Eq. 2: M_c(x, y) = Σ_k w^c_k f_k(x, y), with w^c_k the final linear layer's weight for class c and map k.</summary>
    protected internal override float[] ComputeWeights(CamInputs inputs) =>
        (float[])(inputs.LinearWeights ?? throw new ExplanationException(
            "CAM needs a network whose target layer feeds global average pooling and then a linear layer")).Clone();
}
