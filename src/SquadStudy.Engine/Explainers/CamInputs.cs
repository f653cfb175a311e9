namespace SquadStudy.Engine.Explainers;

/// <summary>
/// What a CAM method sees for one (image, class): the target layer's maps A (K×h×w) and the
/// gradient's moments g, g², g³ there (for a single pass g² and g³ are powers of g; Smooth
/// Grad-CAM++ passes averages over noisy copies instead).
/// </summary>
public sealed class CamInputs
{
    public CamInputs(int channels, int height, int width, float[] activations, float[] gradient, int classIndex)
    {
        int n = channels * height * width;
        if (activations.Length != n || gradient.Length != n) throw new ArgumentException("A and g must hold K·h·w values.");
        Channels = channels;
        Height = height;
        Width = width;
        Activations = activations;
        Gradient = gradient;
        ClassIndex = classIndex;
    }

    public int Channels { get; }
    public int Height { get; }
    public int Width { get; }
    public int ClassIndex { get; }

    /// <summary>A^k_ij, K×h×w row-major.</summary>
    public float[] Activations { get; }

    /// <summary>g = ∂y^c/∂A (or its mean over noisy copies).</summary>
    public float[] Gradient { get; }

    /// <summary>Mean of g² over noisy copies; null means g² of <see cref="Gradient"/>.</summary>
    public float[]? GradientSquared { get; init; }

    /// <summary>Mean of g³ over noisy copies; null means g³ of <see cref="Gradient"/>.</summary>
    public float[]? GradientCubed { get; init; }

    /// <summary>The final linear layer's row for the class (K weights), when the head is GAP → linear.</summary>
    public float[]? LinearWeights { get; init; }

    /// <summary>Restricts Σ_ij in the weights to a region of target-layer positions.</summary>
    public NeuronRegion? Region { get; init; }

    /// <summary>Restricts Σ_k in the map to these feature maps.</summary>
    public IReadOnlyList<int>? FeatureMaps { get; init; }

    /// <summary>The model's forward passes, for the forward-only methods (Score-CAM, Ablation-CAM).</summary>
    internal ICamForward? Forward { get; init; }

    public int Plane => Height * Width;

    public bool InRegion(int i, int j) =>
        Region is null || (j >= Region.X0 && j < Region.X1 && i >= Region.Y0 && i < Region.Y1);
}
