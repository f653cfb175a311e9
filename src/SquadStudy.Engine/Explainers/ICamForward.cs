using TorchSharp;

namespace SquadStudy.Engine.Explainers;

/// <summary>
/// The forward passes a forward-only CAM method (Score-CAM, Ablation-CAM) asks of the model for one
/// (image, class): the engine runs them in batches, without gradients, and reports their progress.
/// The method keeps its own arithmetic; this only evaluates y^c on variants of the image.
/// </summary>
internal interface ICamForward
{
    int InputHeight { get; }
    int InputWidth { get; }

    /// <summary>y^c, the logit of the class on the unchanged image.</summary>
    float Score { get; }

    /// <summary>
    /// y^c(x ⊙ m_i) for <paramref name="count"/> masks, <paramref name="batchSize"/> per forward pass:
    /// <paramref name="masks"/>(start, n) returns masks start … start+n−1 as an n×1×H×W tensor.
    /// </summary>
    float[] MaskedScores(int count, Func<int, int, torch.Tensor> masks, int batchSize);

    /// <summary>
    /// y^c with the target layer's channel k set to 0 and the forward pass continued from there, for
    /// each k, <paramref name="batchSize"/> channels per forward pass.
    /// </summary>
    float[] AblatedScores(int batchSize);
}
