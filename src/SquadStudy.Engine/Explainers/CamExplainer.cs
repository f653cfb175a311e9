using System.Numerics.Tensors;

namespace SquadStudy.Engine.Explainers;

/// <summary>
/// The CAM pipeline shared by every class-activation method (after jacobgil/pytorch-grad-cam's
/// base_cam.py): L^c = ReLU(Σ_k T(w_k)·A^k) at the target layer's resolution, where each method
/// supplies only the channel weights w_k (<see cref="ComputeWeights"/>) and T is the requested
/// <see cref="WeightTransform"/>. Upsampling and scaling happen later, when a map is rendered.
/// </summary>
public abstract class CamExplainer
{
    /// <summary>The method's channel weights w_k (K values) for one (image, class).</summary>
    protected internal abstract float[] ComputeWeights(CamInputs inputs);

    /// <summary>The raw map L^c (h×w), after the ReLU.</summary>
    public float[] Explain(CamInputs inputs, WeightTransform transform)
    {
        var weights = ComputeWeights(inputs);
        if (weights.Length != inputs.Channels) throw new InvalidOperationException($"{GetType().Name} returned {weights.Length} weights for {inputs.Channels} maps.");
        transform.Apply(weights);
        int plane = inputs.Plane;
        var map = new float[plane];
        var channels = inputs.FeatureMaps ?? Enumerable.Range(0, inputs.Channels).ToArray();
        foreach (int k in channels)
        {
            if ((uint)k >= (uint)inputs.Channels)
                throw new ArgumentOutOfRangeException(nameof(inputs), $"feature map {k} does not exist (the layer has {inputs.Channels})");
            if (weights[k] == 0f) continue;
            TensorPrimitives.MultiplyAdd(inputs.Activations.AsSpan(k * plane, plane), weights[k], map, map);
        }
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
