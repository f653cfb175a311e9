using System.Numerics.Tensors;

namespace SquadStudy.Engine.Explainers;

/// <summary>
/// The CAM pipeline shared by every class-activation method (after jacobgil/pytorch-grad-cam's
/// base_cam.py): L^c = ReLU(Σ_k T(w_k) ⊙ A^k) at the target layer's resolution, where each method
/// supplies only its weights (<see cref="ComputeWeights"/>) and T is the requested
/// <see cref="WeightTransform"/>. The weights are either one per channel (w_k, K values: Grad-CAM
/// and most of the family) or one per activation (w_kij, K·h·w values: HiRes-CAM, Layer-CAM), the
/// latter multiplied element-wise. Upsampling and scaling happen later, when a map is rendered.
/// </summary>
public abstract class CamExplainer
{
    /// <summary>The method's weights for one (image, class): K channel weights w_k or K·h·w element weights w_kij.</summary>
    protected internal abstract float[] ComputeWeights(CamInputs inputs);

    /// <summary>
    /// Σ_k w_k ⊙ A^k over <see cref="CamInputs.FeatureMaps"/> (all maps when null), before the ReLU;
    /// <paramref name="weights"/> already transformed. A method whose map is not a weighted sum of
    /// the raw maps (Eigen-CAM projects the centred maps) overrides this.
    /// </summary>
    protected internal virtual float[] Combine(CamInputs inputs, float[] weights)
    {
        int plane = inputs.Plane;
        bool elementWise = weights.Length != inputs.Channels;
        var map = new float[plane];
        foreach (int k in inputs.FeatureMaps ?? Enumerable.Range(0, inputs.Channels).ToArray())
        {
            if ((uint)k >= (uint)inputs.Channels)
                throw new ArgumentOutOfRangeException(nameof(inputs), $"feature map {k} does not exist (the layer has {inputs.Channels})");
            var a = inputs.Activations.AsSpan(k * plane, plane);
            if (elementWise) TensorPrimitives.MultiplyAdd(a, weights.AsSpan(k * plane, plane), map, map);
            else if (weights[k] != 0f) TensorPrimitives.MultiplyAdd(a, weights[k], map, map);
        }
        return map;
    }

    /// <summary>The raw map L^c (h×w), after the ReLU.</summary>
    public float[] Explain(CamInputs inputs, WeightTransform transform)
    {
        var weights = ComputeWeights(inputs);
        if (weights.Length != inputs.Channels && weights.Length != inputs.Channels * inputs.Plane)
            throw new InvalidOperationException($"{GetType().Name} returned {weights.Length} weights for {inputs.Channels} maps of {inputs.Plane} positions.");
        transform.Apply(weights);
        var map = Combine(inputs, weights);
        TensorPrimitives.Max(map, 0f, map);
        return map;
    }

    /// <summary>The explainer for a CAM-family method.</summary>
    public static CamExplainer For(ExplanationMethod method) =>
        MethodRegistry.Get(method).Explainer?.Invoke() ?? throw new ArgumentException($"{method} is not a CAM method", nameof(method));

    /// <summary>α_k = (1/Z) Σ_ij g_ij over the region (Selvaraju et al. 2017, Eq. 1).</summary>
    protected static float[] SpatialMeanOfGradient(CamInputs x)
    {
        var alpha = new float[x.Channels];
        for (int k = 0; k < x.Channels; k++)
        {
            double sum = 0;
            int count = 0;
            for (int i = 0; i < x.Height; i++)
            for (int j = 0; j < x.Width; j++)
            {
                if (!x.InRegion(i, j)) continue;
                sum += x.Gradient[k * x.Plane + i * x.Width + j];
                count++;
            }
            alpha[k] = count == 0 ? 0f : (float)(sum / count);
        }
        return alpha;
    }
}
