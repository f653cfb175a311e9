namespace SquadStudy.Engine.Explainers;

/// <summary>The reference input x' of Integrated Gradients, in the model's normalised input space.</summary>
public enum AttributionBaseline
{
    /// <summary>x' = 0 in normalised space: the dataset's mean colour (Captum's default baseline).</summary>
    Zero,

    /// <summary>x' = a black image: pixel value 0, i.e. −mean_c/std_c per channel c (Sundararajan et al. §3).</summary>
    Black,

    /// <summary>
    /// x' = the input blurred by a Gaussian of σ = <see cref="IntegratedGradientsOptions.BlurSigma"/> pixels
    /// (Sturmfels, Lundberg &amp; Lee 2020, "Visualizing the Impact of Feature Attribution Baselines").
    /// </summary>
    Blur,
}

/// <summary>
/// Integrated Gradients (Sundararajan et al. 2017): <paramref name="Steps"/> = m intervals of the
/// straight path from the <paramref name="Baseline"/> to the input, integrated by the trapezoid rule
/// (m + 1 gradient evaluations, α_k = k/m). The path's points run as batched forward and backward
/// passes of at most <paramref name="BatchSize"/> inputs.
/// </summary>
public sealed record IntegratedGradientsOptions(int Steps = 50, AttributionBaseline Baseline = AttributionBaseline.Zero, int BatchSize = 16)
{
    /// <summary>σ in pixels of the <see cref="AttributionBaseline.Blur"/> baseline's Gaussian.</summary>
    public float BlurSigma { get; init; } = 5f;
}

/// <summary>
/// SmoothGrad (Smilkov et al. 2017): the gradient averaged over <paramref name="Samples"/> copies x + ε,
/// ε ~ N(0, σ²), σ = <paramref name="Spread"/>·(max x − min x) (their §3: 10–20 % of the range works
/// best), ε drawn by libtorch's generator seeded with <paramref name="Seed"/>; batched by
/// <paramref name="BatchSize"/>.
/// </summary>
public sealed record SmoothGradOptions(int Samples = 50, float Spread = 0.15f, int Seed = 0, int BatchSize = 16)
{
    /// <summary>Explicit noise tensors ε_s (each C×H×W, already scaled), replacing the generator: copy s is x + ε_s.</summary>
    public IReadOnlyList<float[]>? Noise { get; init; }

    public bool Equals(SmoothGradOptions? other) => other is not null && Samples == other.Samples && Spread == other.Spread
        && Seed == other.Seed && BatchSize == other.BatchSize && ReferenceEquals(Noise, other.Noise);

    public override int GetHashCode() => HashCode.Combine(Samples, Spread, Seed, BatchSize);
}

/// <summary>
/// Occlusion (Zeiler &amp; Fergus 2014, §4.2; Captum's <c>Occlusion</c>): a <paramref name="Window"/>×<paramref name="Window"/>
/// patch of every channel, moved by <paramref name="Stride"/> pixels, set to <paramref name="Baseline"/>
/// (in normalised space: 0 is the mean colour); the occluded inputs run as batched forward passes
/// of at most <paramref name="BatchSize"/>.
/// </summary>
public sealed record OcclusionOptions(int Window = 16, int Stride = 8, float Baseline = 0f, int BatchSize = 32);

/// <summary>
/// RISE (Petsiuk, Das &amp; Saenko 2018): <paramref name="Masks"/> random masks made from
/// <paramref name="Grid"/>×<paramref name="Grid"/> binary grids whose cells are 1 with probability
/// <paramref name="Probability"/>, upsampled and randomly shifted (§3.2); grids and shifts are drawn
/// by libtorch's generator seeded with <paramref name="Seed"/>; batched by <paramref name="BatchSize"/>.
/// </summary>
public sealed record RiseOptions(int Masks = 4000, int Grid = 7, float Probability = 0.5f, int Seed = 0, int BatchSize = 32)
{
    /// <summary>Explicit binary grids (Masks × Grid × Grid, row-major), replacing the generator.</summary>
    public float[]? Grids { get; init; }

    /// <summary>Explicit shifts (Masks × 2: dy, dx in pixels, each in [0, cell size)), replacing the generator; with <see cref="Grids"/>.</summary>
    public int[]? Shifts { get; init; }

    public bool Equals(RiseOptions? other) => other is not null && Masks == other.Masks && Grid == other.Grid
        && Probability == other.Probability && Seed == other.Seed && BatchSize == other.BatchSize
        && ReferenceEquals(Grids, other.Grids) && ReferenceEquals(Shifts, other.Shifts);

    public override int GetHashCode() => HashCode.Combine(Masks, Grid, Probability, Seed, BatchSize);
}
