namespace SquadStudy.Studies.Engine;

/// <summary>
/// What study packs and precomputation need from the explanation engine: decoding images, loading
/// models, predicting, and rendered explanations with their automated metrics. The platform's
/// implementation adapts <c>SquadStudy.Engine</c>; keeping this seam small lets the pack validation,
/// import and resume logic be tested without running a CNN.
/// </summary>
public interface IExplanationEngine
{
    /// <summary>Decodes a JPEG or PNG file. Throws <see cref="EngineInputException"/> when it can not.</summary>
    DecodedImage Decode(byte[] data, string source);

    /// <summary>Loads a model. Throws <see cref="EngineInputException"/> when the engine can not run it.</summary>
    IStudyModel LoadModel(string onnxPath, ModelMetadata metadata);

    /// <summary>
    /// Null when <paramref name="method"/> is a method the engine runs under exactly this name, its
    /// canonical spelling (e.g. <c>guided-gradcam</c>, <c>smoothgrad(n=8)</c>); else what is wrong with
    /// it: an unknown method, a bad parameter, or the canonical spelling to write instead. Studies
    /// store the names as written, so only canonical ones keep two spellings of one method apart from
    /// becoming two methods.
    /// </summary>
    string? MethodProblem(string method);
}

/// <summary>An 8-bit RGB image: <c>Width·Height·3</c> interleaved bytes, rows top to bottom.</summary>
public sealed record DecodedImage(int Width, int Height, byte[] Rgb);

/// <summary>A ground-truth box in image pixels, 1-based inclusive (Pascal VOC).</summary>
public sealed record GroundTruthBox(int Class, int XMin, int YMin, int XMax, int YMax)
{
    public long Area => (long)(XMax - XMin + 1) * (YMax - YMin + 1);
}

/// <summary>
/// A loaded model. Implementations must allow concurrent calls on different images: the
/// precomputer runs one worker per core over a single instance.
/// </summary>
public interface IStudyModel : IDisposable
{
    int InputWidth { get; }
    int InputHeight { get; }
    int ClassCount { get; }

    /// <summary>Softmax probabilities of every class for the image.</summary>
    float[] Probabilities(DecodedImage image);

    /// <summary>
    /// Each method's explanation of <paramref name="classIndex"/>, rendered as a PNG the size of
    /// the image (heatmap overlay for CAM methods, the normalised guided image for pixel-space
    /// methods), with the automated metrics against <paramref name="boxes"/>. Rendering must be
    /// deterministic: the same inputs give byte-identical PNGs, which resuming relies on.
    /// </summary>
    IReadOnlyList<RenderedExplanation> Explain(DecodedImage image, int classIndex, IReadOnlyList<string> methods, IReadOnlyList<GroundTruthBox> boxes);

    /// <summary>
    /// The automated metrics of a stored evidence map (<see cref="RenderedExplanation.RawNpy"/>:
    /// <paramref name="evidence"/>, <paramref name="height"/>×<paramref name="width"/>, row-major) of
    /// <paramref name="classIndex"/> on the image, with the deletion/insertion and ROAD curves that
    /// <paramref name="metrics"/> ask for; the same computation <see cref="Explain"/> makes, so both give
    /// the same numbers. The randomisation fields are null: the sanity check needs the method run on
    /// re-initialised models, not a map. Throws <see cref="EngineInputException"/> when the map's length
    /// is not its height times width.
    /// </summary>
    ExplanationMetrics Measure(DecodedImage image, int classIndex, float[] evidence, int height, int width,
        IReadOnlyList<GroundTruthBox> boxes, EngineMetricOptions metrics);
}

/// <summary>
/// A rendered explanation and its metrics; <paramref name="RawNpy"/> is the map the metrics read, as a
/// float32 <c>.npy</c> file of shape (h, w): a CAM map at the target layer's resolution, a pixel-space
/// map's saliency (max |·| over its channels) at the model's input size. Null from engines that keep none.
/// </summary>
public sealed record RenderedExplanation(string Method, int ClassIndex, byte[] Png, ExplanationMetrics Metrics, byte[]? RawNpy = null);

/// <summary>
/// Automated metrics of one map. Localisation (Grad-CAM §3.1): the bounding box of the largest
/// segment of the map thresholded at 15 % of its maximum, its best IoU with a ground-truth box of
/// the class, and whether that IoU is ≥ 0.5. Pointing game: whether the map's maximum falls in a
/// box of the class. <see cref="Score"/> Y and <see cref="MaskedScore"/> O (class probabilities on
/// the image and on the image times the map) are the inputs of Average Drop and Increase in
/// Confidence (Grad-CAM++ §6.1); <see cref="TopRemovedScore"/> is the probability with the map's
/// top 25 % of pixels removed.
/// <para>
/// Deletion and insertion (Petsiuk et al. 2018): the class probability as the map's pixels are
/// removed (set to the dataset mean) or inserted (onto a blurred copy), most important first, at
/// the fractions 0, 1/n, …, 1 (<see cref="DeletionCurve"/>, <see cref="InsertionCurve"/>) and the
/// areas under them. ROAD (Rong et al. 2022): the probability with each of
/// <see cref="RoadFractions"/> of the pixels removed by noisy linear imputation, most relevant first
/// (<see cref="RoadMorfCurve"/>) and least relevant first (<see cref="RoadLerfCurve"/>), and the
/// curves' means. Model randomisation (Adebayo et al. 2018): the Spearman correlation between the map
/// and the same method's map with the top 1, 2, … layers re-initialised (<see cref="RandomisationCurve"/>;
/// null where a map is constant), <see cref="RandomisationSpearman"/> the last. The fields added after
/// the first seven are null in metrics stored before they existed.
/// </para>
/// </summary>
public sealed record ExplanationMetrics(
    int[]? LocalisationBox,
    double? LocalisationIou,
    bool? LocalisationCorrect,
    bool? PointingHit,
    double? Score,
    double? MaskedScore,
    double? TopRemovedScore,
    double? DeletionAuc = null,
    double? InsertionAuc = null,
    double[]? DeletionCurve = null,
    double[]? InsertionCurve = null,
    double? RoadMorf = null,
    double? RoadLerf = null,
    double[]? RoadFractions = null,
    double[]? RoadMorfCurve = null,
    double[]? RoadLerfCurve = null,
    double? RandomisationSpearman = null,
    double?[]? RandomisationCurve = null);

/// <summary>A model or image the engine can not use; the message says what is wrong.</summary>
public sealed class EngineInputException(string message, Exception? inner = null) : Exception(message, inner);
