namespace SquadStudy.Engine.Imaging;

/// <summary>
/// A model's input convention: the size images are resized to, and the per-channel (R, G, B) mean
/// and standard deviation of <c>(x/255 − mean)/std</c>. Defaults: 224×224 and ImageNet statistics.
/// </summary>
public sealed record PreprocessOptions
{
    /// <summary>ImageNet channel means (R, G, B), as torchvision's models expect.</summary>
    public static IReadOnlyList<float> ImageNetMean { get; } = [0.485f, 0.456f, 0.406f];

    /// <summary>ImageNet channel standard deviations (R, G, B).</summary>
    public static IReadOnlyList<float> ImageNetStd { get; } = [0.229f, 0.224f, 0.225f];

    /// <summary>224×224 with ImageNet statistics.</summary>
    public static PreprocessOptions ImageNet { get; } = new();

    /// <param name="width">Model input width in pixels.</param>
    /// <param name="height">Model input height in pixels.</param>
    /// <param name="mean">Three channel means (R, G, B) on the 0–1 scale; ImageNet's when null.</param>
    /// <param name="std">Three positive channel standard deviations; ImageNet's when null.</param>
    public PreprocessOptions(int width = 224, int height = 224, float[]? mean = null, float[]? std = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        mean ??= [.. ImageNetMean];
        std ??= [.. ImageNetStd];
        if (mean.Length != 3 || std.Length != 3)
        {
            throw new ArgumentException($"Mean and Std need 3 values (R, G, B); got {mean.Length} and {std.Length}.");
        }

        if (Array.Exists(std, s => !(s > 0) || !float.IsFinite(s)) || Array.Exists(mean, m => !float.IsFinite(m)))
        {
            throw new ArgumentException("Mean must be finite and Std finite and positive.");
        }

        Width = width;
        Height = height;
        Mean = [.. mean];
        Std = [.. std];
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>Per-channel means; a private copy of the constructor argument.</summary>
    public float[] Mean { get; }

    /// <summary>Per-channel standard deviations; a private copy of the constructor argument.</summary>
    public float[] Std { get; }

    /// <summary>Elements of one CHW input tensor: <c>3·Height·Width</c>.</summary>
    public int TensorLength => 3 * Height * Width;
}
