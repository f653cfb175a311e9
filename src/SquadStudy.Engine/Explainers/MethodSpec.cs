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
/// weight transform and the options of the methods that take parameters. <see cref="Name"/> is its
/// canonical name, the one the CLI writes, studies store and exports show.
/// </summary>
/// <remarks>
/// A name is <c>[guided-|deconv-]method[(key=value,...)]</c>, e.g. <c>smoothgrad(n=25,sigma=0.15)</c>
/// or <c>guided-smooth-gradcampp(n=8)</c>; the keys of each method are its registry entry's
/// <see cref="MethodRegistry.Entry.Parameters"/>. The canonical name lists the keys in that order,
/// drops every parameter equal to its default and writes numbers in a normal form, so
/// <c>smoothgrad(sigma=0.15,n=8)</c> is <c>smoothgrad(n=8)</c> and <c>occlusion()</c> is <c>occlusion</c>.
/// </remarks>
public sealed record MethodSpec(ExplanationMethod Method, PixelGuidance Guidance = PixelGuidance.None)
{
    public WeightTransform Transform { get; init; } = WeightTransform.Identity;

    /// <summary>Options of <c>smooth-gradcampp</c> (and its guided and deconv products).</summary>
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

    /// <summary>The canonical name (see the remarks): prefix, method, non-default parameters, weight transform.</summary>
    public string Name
    {
        get
        {
            var entry = MethodRegistry.Get(Method);
            string prefix = Guidance switch { PixelGuidance.Guided => "guided-", PixelGuidance.Deconvolution => "deconv-", _ => "" };
            var defaults = new MethodSpec(Method);
            var changed = entry.Parameters.Where(p => p.Format(this) != p.Format(defaults)).Select(p => p.Key + "=" + p.Format(this)).ToList();
            string parameters = changed.Count == 0 ? "" : "(" + string.Join(",", changed) + ")";
            return prefix + entry.Name + parameters + Transform.Suffix;
        }
    }

    /// <summary>Every accepted name without parameters (the CAM methods also with guided- and deconv- prefixes).</summary>
    public static IReadOnlyList<string> AllNames { get; } = BaseNames.Select(b => b.Name)
        .Concat(BaseNames.Where(b => new MethodSpec(b.Method).IsCamFamily).SelectMany(b => new[] { "guided-" + b.Name, "deconv-" + b.Name }))
        .ToArray();

    /// <summary>
    /// Parses a name such as "gradcam", "guided-squadcam" or "rise(masks=2000,seed=7)" (case and
    /// blanks around the parts do not matter). Throws <see cref="ArgumentException"/> whose message
    /// quotes the name, says which part is wrong and what that part allows.
    /// </summary>
    public static MethodSpec Parse(string name) =>
        TryParse(name, out var spec, out var problem) ? spec : throw new ArgumentException(problem);

    /// <summary>Null when <paramref name="name"/> parses, else the message <see cref="Parse"/> would throw.</summary>
    public static string? Problem(string name) => TryParse(name, out _, out var problem) ? null : problem;

    /// <summary>Parses <paramref name="name"/> as <see cref="Parse"/> does, without throwing.</summary>
    public static bool TryParse(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out MethodSpec? spec, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? problem)
    {
        spec = null;
        string text = name.Trim().ToLowerInvariant();
        int open = text.IndexOf('(');
        string head = (open < 0 ? text : text[..open]).TrimEnd();
        string? arguments = null;
        if (open >= 0)
        {
            if (text.IndexOf('(', open + 1) >= 0)
            {
                problem = $"method '{name}': unexpected '(' in '{text[open..]}'";
                return false;
            }
            int close = text.IndexOf(')', open);
            if (close < 0)
            {
                problem = $"method '{name}': missing ')' after '{text[open..]}'";
                return false;
            }
            if (close != text.Length - 1)
            {
                problem = $"method '{name}': unexpected '{text[(close + 1)..]}' after ')'";
                return false;
            }
            arguments = text[(open + 1)..close];
        }
        else if (text.Contains(')'))
        {
            problem = $"method '{name}': ')' without '('";
            return false;
        }

        var parsed = ParseHead(head);
        if (parsed is null)
        {
            problem = $"unknown method '{name}' (known: {string.Join(", ", AllNames)}; parameters as in smoothgrad(n=25,sigma=0.15), see docs/engine.md)";
            return false;
        }
        if (arguments is null || arguments.Trim().Length == 0)
        {
            spec = parsed;
            problem = null;
            return true;
        }

        var parameters = MethodRegistry.Get(parsed.Method).Parameters;
        if (parameters.Count == 0)
        {
            problem = $"method '{name}': {head} takes no parameters (got '{text[open..]}')";
            return false;
        }
        string takes = $"{head} takes {Describe(parsed.Method)}";
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string raw in arguments.Split(','))
        {
            string part = raw.Trim();
            int equals = part.IndexOf('=');
            if (part.Length == 0)
            {
                problem = $"method '{name}': an empty parameter in '({arguments})'; {takes}";
                return false;
            }
            if (equals < 0)
            {
                problem = $"method '{name}': '{part}' is not key=value; {takes}";
                return false;
            }
            string key = part[..equals].Trim(), value = part[(equals + 1)..].Trim();
            var parameter = parameters.FirstOrDefault(p => p.Key == key);
            if (parameter is null)
            {
                problem = $"method '{name}': unknown parameter '{key}' in '{part}'; {takes}";
                return false;
            }
            if (seen.TryGetValue(key, out string? first))
            {
                problem = $"method '{name}': parameter '{key}' of {head} is given twice ('{first}' and '{part}')";
                return false;
            }
            seen[key] = part;
            string? wrong = value.Length == 0 ? "empty" : parameter.Problem(value);
            if (wrong is not null)
            {
                problem = $"method '{name}': '{part}': the value is {wrong}; {key} of {head} is {parameter.Allowed}";
                return false;
            }
            parsed = parameter.Apply(parsed, value);
        }
        spec = parsed;
        problem = null;
        return true;
    }

    /// <summary>"n (a whole number from 1 to 10000, default 50), sigma (…)": a method's parameters for the messages.</summary>
    public static string Describe(ExplanationMethod method)
    {
        var defaults = new MethodSpec(method);
        return string.Join(", ", MethodRegistry.Get(method).Parameters.Select(p => $"{p.Key} ({p.Allowed}, default {p.Format(defaults)})"));
    }

    private static MethodSpec? ParseHead(string n)
    {
        foreach (var b in BaseNames)
            if (n == b.Name) return new MethodSpec(b.Method);
        var guidance = PixelGuidance.None;
        if (n.StartsWith("guided-", StringComparison.Ordinal)) { guidance = PixelGuidance.Guided; n = n["guided-".Length..]; }
        else if (n.StartsWith("deconv-", StringComparison.Ordinal)) { guidance = PixelGuidance.Deconvolution; n = n["deconv-".Length..]; }
        foreach (var b in BaseNames)
            if (n == b.Name && guidance != PixelGuidance.None && new MethodSpec(b.Method).IsCamFamily)
                return new MethodSpec(b.Method, guidance);
        return null;
    }

    /// <summary>
    /// Splits a comma list of names, as the CLI's --method takes, at the commas outside parentheses:
    /// "gradcam,smoothgrad(n=8,seed=1)" is gradcam and smoothgrad(n=8,seed=1). Empty items are dropped.
    /// </summary>
    public static IReadOnlyList<string> SplitList(string list)
    {
        var items = new List<string>();
        int depth = 0, start = 0;
        for (int i = 0; i <= list.Length; i++)
        {
            if (i < list.Length && list[i] == '(') depth++;
            else if (i < list.Length && list[i] == ')') depth = Math.Max(0, depth - 1);
            else if (i == list.Length || (list[i] == ',' && depth == 0))
            {
                string item = list[start..i].Trim();
                if (item.Length > 0) items.Add(item);
                start = i + 1;
            }
        }
        return items;
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
    public sealed record Entry(string Name, ExplanationMethod Method, Func<CamExplainer>? Explainer, Func<MethodSpec, PixelAttribution>? Attribution = null)
    {
        /// <summary>The parameters a name may give, in their canonical order (see <see cref="MethodSpec"/>).</summary>
        public IReadOnlyList<MethodParameter> Parameters { get; init; } = [];
    }

    // Upper bounds keep a typo (an extra zero) from starting an hours-long precomputation; the
    // lower ones are what the explainers need. Seeds are libtorch generator seeds.
    private const int MaxSamples = 10_000, MaxSeed = int.MaxValue;

    private static readonly MethodParameter[] SmoothCamParameters =
    [
        MethodParameter.Whole("n", 1, MaxSamples, s => s.Smooth.Samples, (s, v) => s with { Smooth = s.Smooth with { Samples = v } }),
        MethodParameter.Decimal("sigma", 0m, 1m, 6, s => s.Smooth.Spread, (s, v) => s with { Smooth = s.Smooth with { Spread = v } }),
        MethodParameter.Whole("seed", 0, MaxSeed, s => s.Smooth.Seed, (s, v) => s with { Smooth = s.Smooth with { Seed = v } }),
    ];

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
        new("smooth-gradcampp", ExplanationMethod.SmoothGradCamPlusPlus, () => new SmoothGradCamPlusPlus()) { Parameters = SmoothCamParameters },
        new("xgradcam", ExplanationMethod.XGradCam, () => new XGradCam()),
        new("layercam", ExplanationMethod.LayerCam, () => new LayerCam()),
        new("hirescam", ExplanationMethod.HiResCam, () => new HiResCam()),
        new("eigencam", ExplanationMethod.EigenCam, () => new EigenCam()),
        new("scorecam", ExplanationMethod.ScoreCam, () => new ScoreCam()),
        new("ablationcam", ExplanationMethod.AblationCam, () => new AblationCam()),
        new("integrated-gradients", ExplanationMethod.IntegratedGradients, null, s => new IntegratedGradients(s.IntegratedGradients))
        {
            Parameters =
            [
                MethodParameter.Whole("steps", 1, 4096, s => s.IntegratedGradients.Steps, (s, v) => s with { IntegratedGradients = s.IntegratedGradients with { Steps = v } }),
                MethodParameter.Choice<AttributionBaseline>("baseline", s => s.IntegratedGradients.Baseline, (s, v) => s with { IntegratedGradients = s.IntegratedGradients with { Baseline = v } }),
            ],
        },
        new("smoothgrad", ExplanationMethod.SmoothGrad, null, s => new SmoothGrad(s.SmoothGrad))
        {
            Parameters =
            [
                MethodParameter.Whole("n", 1, MaxSamples, s => s.SmoothGrad.Samples, (s, v) => s with { SmoothGrad = s.SmoothGrad with { Samples = v } }),
                MethodParameter.Decimal("sigma", 0m, 1m, 6, s => s.SmoothGrad.Spread, (s, v) => s with { SmoothGrad = s.SmoothGrad with { Spread = v } }),
                MethodParameter.Whole("seed", 0, MaxSeed, s => s.SmoothGrad.Seed, (s, v) => s with { SmoothGrad = s.SmoothGrad with { Seed = v } }),
            ],
        },
        new("occlusion", ExplanationMethod.Occlusion, null, s => new Occlusion(s.Occlusion))
        {
            Parameters =
            [
                MethodParameter.Whole("window", 1, 1024, s => s.Occlusion.Window, (s, v) => s with { Occlusion = s.Occlusion with { Window = v } }),
                MethodParameter.Whole("stride", 1, 1024, s => s.Occlusion.Stride, (s, v) => s with { Occlusion = s.Occlusion with { Stride = v } }),
            ],
        },
        new("rise", ExplanationMethod.Rise, null, s => new Rise(s.Rise))
        {
            Parameters =
            [
                MethodParameter.Whole("masks", 1, 100_000, s => s.Rise.Masks, (s, v) => s with { Rise = s.Rise with { Masks = v } }),
                MethodParameter.Whole("seed", 0, MaxSeed, s => s.Rise.Seed, (s, v) => s with { Rise = s.Rise with { Seed = v } }),
            ],
        },
    ];

    public static Entry Get(ExplanationMethod method) =>
        Entries.FirstOrDefault(e => e.Method == method) ?? throw new ArgumentException($"{method} has no registry entry", nameof(method));
}
