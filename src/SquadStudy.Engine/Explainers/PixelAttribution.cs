using TorchSharp;
using TorchTensor = TorchSharp.torch.Tensor;

namespace SquadStudy.Engine.Explainers;

/// <summary>
/// What a pixel-space attribution method may ask of the model: class scores and input gradients
/// of a batch of inputs, run in chunks of at most <c>batchSize</c> inputs (one by one for a model
/// whose ONNX input has a fixed batch of 1). Tensors are float32 N×C×H×W in the caller's dispose scope.
/// </summary>
internal interface IAttributionModel
{
    int Channels { get; }
    int InputHeight { get; }
    int InputWidth { get; }
    IReadOnlyList<float> Mean { get; }
    IReadOnlyList<float> Std { get; }

    /// <summary>The logits (N×classes) under no_grad; <paramref name="done"/> gets the count of inputs run so far after each chunk.</summary>
    TorchTensor Logits(TorchTensor inputs, int batchSize, Action<int>? done);

    /// <summary>∂y^c/∂x for each input (N×C×H×W), one recorded forward and one backward pass per chunk.</summary>
    TorchTensor InputGradients(TorchTensor inputs, int classIndex, int batchSize, Action<int>? done);
}

/// <summary>
/// A method that explains by running the model on many modified inputs (paths, noisy copies,
/// occluded or masked images) rather than reading one backward pass: Integrated Gradients,
/// SmoothGrad, Occlusion, RISE. Each sealed subclass computes its map from <see cref="IAttributionModel"/>;
/// none has a guided or deconvolution product (those are defined for CAM maps only).
/// </summary>
public abstract class PixelAttribution
{
    /// <summary>The map for one image <paramref name="x"/> (C×H×W) and class; <paramref name="progress"/> gets (done, total) model evaluations.</summary>
    internal abstract TorchTensor Attribute(IAttributionModel model, TorchTensor x, int classIndex, Action<int, int>? progress);

    /// <summary>A clear error for a parameter out of its range.</summary>
    protected static void Require(bool ok, string method, string message)
    {
        if (!ok) throw new ExplanationException($"{method}: {message}");
    }

    /// <summary>Reports <paramref name="offset"/> + done of <paramref name="total"/> evaluations.</summary>
    private protected static Action<int>? Counter(Action<int, int>? progress, int offset, int total) =>
        progress is null ? null : done => progress(offset + done, total);

    /// <summary>(max x − min x) of one input: the range SmoothGrad's σ is a fraction of.</summary>
    private protected static float Range(TorchTensor x) => (x.max() - x.min()).item<float>();

    private protected static torch.Generator Generator(int seed) => new((ulong)(uint)seed);
}
