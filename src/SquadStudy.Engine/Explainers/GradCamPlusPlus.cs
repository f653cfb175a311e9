namespace SquadStudy.Engine.Explainers;

/// <summary>Grad-CAM++ (Chattopadhay et al., WACV 2018).</summary>
public sealed class GradCamPlusPlus : CamExplainer
{
    /// <summary>
    /// Eq. 19: α^kc_ij = g²_ij / (2·g²_ij + Σ_ab A^k_ab · g³_ij), 0 where the denominator is 0;
    /// Eq. 10: w^c_k = Σ_ij α^kc_ij · ReLU(g_ij).
    /// </summary>
    protected internal override float[] ComputeWeights(CamInputs inputs) => Weights(inputs);

    /// <summary>Eq. 19 and Eq. 10 on whatever moments <paramref name="x"/> carries (shared with Smooth Grad-CAM++).</summary>
    internal static float[] Weights(CamInputs x)
    {
        var w = new float[x.Channels];
        int plane = x.Plane;
        for (int k = 0; k < x.Channels; k++)
        {
            double sumA = 0;
            for (int p = 0; p < plane; p++) sumA += x.Activations[k * plane + p];
            double wk = 0;
            for (int i = 0; i < x.Height; i++)
            for (int j = 0; j < x.Width; j++)
            {
                if (!x.InRegion(i, j)) continue;
                int idx = k * plane + i * x.Width + j;
                double g = x.Gradient[idx];
                double g2 = x.GradientSquared?[idx] ?? g * g;
                double g3 = x.GradientCubed?[idx] ?? g * g * g;
                double denominator = 2 * g2 + sumA * g3;
                if (denominator == 0) continue;
                wk += g2 / denominator * Math.Max(g, 0);
            }
            w[k] = (float)wk;
        }
        return w;
    }
}
