namespace SquadStudy.Engine.Models;

/// <summary>
/// How to load a model. Input size, mean and std default to the ONNX input's fixed shape and
/// ImageNet's statistics; <see cref="TargetLayer"/> null picks the default CAM layer (the last
/// activation, normalisation or residual Add of the convolutional trunk before the global pooling;
/// a ViT's last block's norm1 tokens; docs/engine.md, "Target layer").
/// </summary>
public sealed record ModelOptions(
    int? InputWidth = null,
    int? InputHeight = null,
    IReadOnlyList<float>? Mean = null,
    IReadOnlyList<float>? Std = null,
    string? TargetLayer = null)
{
    public static IReadOnlyList<float> ImageNetMean { get; } = [0.485f, 0.456f, 0.406f];
    public static IReadOnlyList<float> ImageNetStd { get; } = [0.229f, 0.224f, 0.225f];

    /// <summary>libtorch's intra-op threads (process-wide); null leaves libtorch's setting (by default one per core).</summary>
    public int? Threads { get; init; }

    /// <summary>Upper bound on one forward pass's activations; a larger plan is rejected at load.</summary>
    public long MaxActivationBytes { get; init; } = 4L << 30;
}

/// <summary>A class and its scores.</summary>
public sealed record Prediction(int ClassIndex, float Logit, float Probability);

/// <summary>
/// One raw map: <see cref="Shape"/> is h×w for CAM methods (target-layer resolution, after the
/// ReLU), 3×H×W for gradient, deconv, guidedbp, the guided-X / deconv-X products, integrated-gradients
/// and smoothgrad, and H×W (input resolution) for occlusion and rise.
/// </summary>
public sealed record ExplanationMap(string Method, int ClassIndex, int[] Shape, float[] Data);

/// <summary>The maps of one (image, class), keyed by method name, with the image's logits.</summary>
public sealed record ExplanationBundle(int ClassIndex, float[] Logits, IReadOnlyDictionary<string, ExplanationMap> Maps)
{
    public ExplanationMap this[string method] => Maps[method];
}
