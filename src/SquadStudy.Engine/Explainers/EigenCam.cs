using TorchSharp;

namespace SquadStudy.Engine.Explainers;

/// <summary>
/// Eigen-CAM (Muhammad &amp; Yeasin, IJCNN 2020): the target layer's maps projected on their first
/// principal component; no gradient and no class (the same map for every class).
/// </summary>
public sealed class EigenCam : CamExplainer
{
    /// <summary>
    /// The first right-singular vector v of the centred activations M (hw × K, M_pk = A^k_p − μ_k,
    /// μ_k the mean of A^k over positions) — the paper's L = O·V_1, computed as pytorch-grad-cam's
    /// svd_on_activations.get_2d_projection does it, centring included. An SVD fixes v only up to its
    /// sign (pytorch-grad-cam keeps whatever sign LAPACK returns); the engine orients v so that the
    /// projection correlates non-negatively with the summed activations Σ_k A^k, i.e. strongly
    /// activated positions come out positive, which is what the centring aims at. NaN activations
    /// count as 0, as there.
    /// </summary>
    protected internal override float[] ComputeWeights(CamInputs inputs)
    {
        using var scope = torch.NewDisposeScope();
        var centred = Centred(inputs);
        var (_, _, vh) = torch.linalg.svd(centred, fullMatrices: false);
        var v = vh[0];
        var projection = centred.matmul(v);
        var total = torch.tensor(inputs.Activations, [inputs.Channels, inputs.Plane]).to(torch.float64).nan_to_num(0).sum(dim: 0);
        if ((projection * total).sum().item<double>() < 0) v = -v;
        return v.to(torch.float32).contiguous().data<float>().ToArray();
    }

    /// <summary>Σ_k v_k (A^k − μ_k): the projection of the centred maps, before base_cam's ReLU.</summary>
    protected internal override float[] Combine(CamInputs inputs, float[] weights)
    {
        if (inputs.FeatureMaps is not null) throw new ExplanationException("Eigen-CAM projects all feature maps; a subset of them is not defined");
        using var scope = torch.NewDisposeScope();
        var v = torch.tensor(weights).to(torch.float64);
        return Centred(inputs).matmul(v).to(torch.float32).contiguous().data<float>().ToArray();
    }

    /// <summary>M (hw × K, float64): the activations with NaN as 0, each channel minus its mean over positions.</summary>
    private static torch.Tensor Centred(CamInputs inputs)
    {
        var a = torch.tensor(inputs.Activations, [inputs.Channels, inputs.Plane]).to(torch.float64).nan_to_num(0).t();
        return a - a.mean([0], keepdim: true);
    }
}
