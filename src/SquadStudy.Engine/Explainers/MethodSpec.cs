namespace SquadStudy.Engine.Explainers;

/// <summary>The explanation methods; see docs/engine.md for their exact raw outputs.</summary>
public enum ExplanationMethod
{
    /// <summary>∂y^c/∂x (Simonyan et al. 2014).</summary>
    Gradient,

    /// <summary>Backward pass with ReLUs as R_in = (R_out &gt; 0)·R_out (Zeiler &amp; Fergus 2014).</summary>
    Deconvolution,

    /// <summary>Backward pass with ReLUs as R_in = (f_in &gt; 0)(R_out &gt; 0)·R_out (Springenberg et al. 2015).</summary>
    GuidedBackprop,

    /// <summary>Class activation mapping (Zhou et al. 2016).</summary>
    Cam,

    GradCam,
    CounterfactualGradCam,
    SquadCam,
    GradCamPlusPlus,
    SmoothGradCamPlusPlus,
    XGradCam,
    LayerCam,
    HiResCam,
    EigenCam,
    ScoreCam,
    AblationCam,

    /// <summary>Path integral of the input gradient from a baseline (Sundararajan et al. 2017).</summary>
    IntegratedGradients,

    /// <summary>Input gradient averaged over noisy copies (Smilkov et al. 2017).</summary>
    SmoothGrad,

    /// <summary>Drop of the class score when a sliding window is occluded (Zeiler &amp; Fergus 2014).</summary>
    Occlusion,

    /// <summary>Class probability under random masks, averaged per pixel (Petsiuk et al. 2018).</summary>
    Rise,
}

/// <summary>For a CAM method X: none (X itself), Guided X or Deconv X.</summary>
public enum PixelGuidance
{
    None,
    Guided,
    Deconvolution,
}

/// <summary>One step of a weight transform applied to the CAM weights w_k before Σ_k w_k A^k.</summary>
public enum WeightTransformStep
{
    Identity,
    Square,
    Abs,
    Relu,
    Negate,
}

/// <summary>
/// A composable transform of CAM weights, applied left to right: the Squad-CAM report's Appendix A
/// compares such variants (e.g. squared, absolute or rectified Grad-CAM weights).
/// </summary>
public sealed record WeightTransform(IReadOnlyList<WeightTransformStep> Steps)
{
    public static WeightTransform Identity { get; } = new([]);

    public static WeightTransform Of(params WeightTransformStep[] steps) => new(steps);

    public WeightTransform Then(WeightTransformStep step) => new([.. Steps, step]);

    public void Apply(Span<float> weights)
    {
        foreach (var step in Steps)
            for (int i = 0; i < weights.Length; i++)
            {
                float w = weights[i];
                weights[i] = step switch
                {
                    WeightTransformStep.Square => w * w,
                    WeightTransformStep.Abs => MathF.Abs(w),
                    WeightTransformStep.Relu => MathF.Max(w, 0f),
                    WeightTransformStep.Negate => -w,
                    _ => w,
                };
            }
    }

    /// <summary>"" for the identity, else "+square+abs"-style suffix for map names.</summary>
    public string Suffix => string.Concat(Steps.Where(s => s != WeightTransformStep.Identity).Select(s => "+" + s.ToString().ToLowerInvariant()));

    public bool Equals(WeightTransform? other) => other is not null && Steps.SequenceEqual(other.Steps);

    public override int GetHashCode() => Steps.Aggregate(17, (h, s) => h * 31 + (int)s);
}

/// <summary>A rectangle of target-layer positions [X0, X1) × [Y0, Y1).</summary>
public sealed record NeuronRegion(int X0, int Y0, int X1, int Y1);

/// <summary>
/// Options of Smooth Grad-CAM++ (Omeiza et al. 2019): <paramref name="Samples"/> copies x + ε of the
/// input with Gaussian noise ε ~ N(0, σ²), σ = <paramref name="Spread"/>·(max x − min x) (SmoothGrad's
/// noise level, Smilkov et al. 2017, §3), drawn from a generator seeded with <paramref name="Seed"/>;
/// optionally only some feature maps k, and only the neurons of a region of the target layer, contribute.
/// </summary>
public sealed record SmoothOptions(int Samples = 25, float Spread = 0.15f, int Seed = 0)
{
    /// <summary>Feature maps k that enter Σ_k w_k A^k; null = all.</summary>
    public IReadOnlyList<int>? FeatureMaps { get; init; }

    /// <summary>Target-layer positions (i, j) summed in w_k = Σ_ij a_ij·ReLU(g_ij); null = all.</summary>
    public NeuronRegion? Region { get; init; }

    /// <summary>Explicit noise tensors ε_s (each C×H×W, already scaled), replacing the generator: copy s is x + ε_s.</summary>
    public IReadOnlyList<float[]>? Noise { get; init; }

    public bool Equals(SmoothOptions? other) => other is not null && Samples == other.Samples && Spread == other.Spread
        && Seed == other.Seed && Region == other.Region && ReferenceEquals(Noise, other.Noise)
        && (FeatureMaps ?? []).SequenceEqual(other.FeatureMaps ?? []);

    public override int GetHashCode() => HashCode.Combine(Samples, Spread, Seed, Region);
}

/// <summary>
/// A method as requested: the method, its guidance (guided-X / deconv-X for CAM methods), the
/// weight transform and, for Smooth Grad-CAM++, its options. <see cref="Name"/> is the command-line name.
/// </summary>
public sealed record MethodSpec(ExplanationMethod Method, PixelGuidance Guidance = PixelGuidance.None)
{
    public WeightTransform Transform { get; init; } = WeightTransform.Identity;

    public SmoothOptions Smooth { get; init; } = new();

    /// <summary>Options of <c>integrated-gradients</c>, <c>smoothgrad</c>, <c>occlusion</c> and <c>rise</c>.</summary>
    public IntegratedGradientsOptions IntegratedGradients { get; init; } = new();

    public SmoothGradOptions SmoothGrad { get; init; } = new();

    public OcclusionOptions Occlusion { get; init; } = new();

    public RiseOptions Rise { get; init; } = new();

    /// <summary>A pixel-space method computed from many model evaluations (<see cref="PixelAttribution"/>).</summary>
    public bool IsPixelAttribution => MethodRegistry.Get(Method).Attribution is not null;

    private static IReadOnlyList<MethodRegistry.Entry> BaseNames => MethodRegistry.Entries;

    /// <summary>A class-activation method (an explainer computes its channel weights).</summary>
    public bool IsCamFamily => MethodRegistry.Get(Method).Explainer is not null;

    public string Name
    {
        get
        {
            string baseName = BaseNames.First(b => b.Method == Method).Name;
            string prefix = Guidance switch { PixelGuidance.Guided => "guided-", PixelGuidance.Deconvolution => "deconv-", _ => "" };
            return prefix + baseName + Transform.Suffix;
        }
    }

    /// <summary>Every accepted name (the CAM methods also with guided- and deconv- prefixes).</summary>
    public static IReadOnlyList<string> AllNames { get; } = BaseNames.Select(b => b.Name)
        .Concat(BaseNames.Where(b => new MethodSpec(b.Method).IsCamFamily).SelectMany(b => new[] { "guided-" + b.Name, "deconv-" + b.Name }))
        .ToArray();

    /// <summary>Parses a command-line name such as "gradcam" or "guided-squadcam".</summary>
    public static MethodSpec Parse(string name)
    {
        string n = name.Trim().ToLowerInvariant();
        var guidance = PixelGuidance.None;
        foreach (var b in BaseNames)
            if (n == b.Name) return new MethodSpec(b.Method);
        if (n.StartsWith("guided-", StringComparison.Ordinal)) { guidance = PixelGuidance.Guided; n = n["guided-".Length..]; }
        else if (n.StartsWith("deconv-", StringComparison.Ordinal)) { guidance = PixelGuidance.Deconvolution; n = n["deconv-".Length..]; }
        foreach (var b in BaseNames)
            if (n == b.Name && guidance != PixelGuidance.None && new MethodSpec(b.Method).IsCamFamily)
                return new MethodSpec(b.Method, guidance);
        throw new ArgumentException($"unknown method '{name}' (known: {string.Join(", ", AllNames)})");
    }

    public override string ToString() => Name;
}

/// <summary>
/// The one list of methods: each method's command-line name and, for a CAM method, its explainer.
/// Adding a CAM method is one entry here, its <see cref="ExplanationMethod"/> member and its small
/// <see cref="CamExplainer"/> class; parsing, names, the CLI's and the site's lists follow.
/// </summary>
public static class MethodRegistry
{
    /// <summary>A method's name, member and either its CAM explainer or its pixel attribution (made from the spec's options).</summary>
    public sealed record Entry(string Name, ExplanationMethod Method, Func<CamExplainer>? Explainer, Func<MethodSpec, PixelAttribution>? Attribution = null);

    public static IReadOnlyList<Entry> Entries { get; } =
    [
        new("gradient", ExplanationMethod.Gradient, null),
        new("deconv", ExplanationMethod.Deconvolution, null),
        new("guidedbp", ExplanationMethod.GuidedBackprop, null),
        new("cam", ExplanationMethod.Cam, () => new ClassActivationMapping()),
        new("gradcam", ExplanationMethod.GradCam, () => new GradCam()),
        new("counterfactual-gradcam", ExplanationMethod.CounterfactualGradCam, () => new CounterfactualGradCam()),
        new("squadcam", ExplanationMethod.SquadCam, () => new SquadCam()),
        new("gradcampp", ExplanationMethod.GradCamPlusPlus, () => new GradCamPlusPlus()),
        new("smooth-gradcampp", ExplanationMethod.SmoothGradCamPlusPlus, () => new SmoothGradCamPlusPlus()),
        new("xgradcam", ExplanationMethod.XGradCam, () => new XGradCam()),
        new("layercam", ExplanationMethod.LayerCam, () => new LayerCam()),
        new("hirescam", ExplanationMethod.HiResCam, () => new HiResCam()),
        new("eigencam", ExplanationMethod.EigenCam, () => new EigenCam()),
        new("scorecam", ExplanationMethod.ScoreCam, () => new ScoreCam()),
        new("ablationcam", ExplanationMethod.AblationCam, () => new AblationCam()),
        new("integrated-gradients", ExplanationMethod.IntegratedGradients, null, s => new IntegratedGradients(s.IntegratedGradients)),
        new("smoothgrad", ExplanationMethod.SmoothGrad, null, s => new SmoothGrad(s.SmoothGrad)),
        new("occlusion", ExplanationMethod.Occlusion, null, s => new Occlusion(s.Occlusion)),
        new("rise", ExplanationMethod.Rise, null, s => new Rise(s.Rise)),
    ];

    public static Entry Get(ExplanationMethod method) =>
        Entries.FirstOrDefault(e => e.Method == method) ?? throw new ArgumentException($"{method} has no registry entry", nameof(method));
}
