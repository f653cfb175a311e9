using SquadStudy.Engine.Explainers;
using SquadStudy.Engine.Imaging;
using SquadStudy.Engine.Metrics;
using SquadStudy.Engine.Models;
using SquadStudy.Engine.Onnx;
using SquadStudy.Engine.Rendering;
using SquadStudy.Engine.Tensors;

namespace SquadStudy.Studies.Engine;

/// <summary>
/// <see cref="IExplanationEngine"/> on the platform's own engine (<c>SquadStudy.Engine</c>): the
/// TurboJPEG/libspng decoders, <see cref="ExplanationModel"/>, the renderers and the metrics.
/// </summary>
/// <param name="threads">
/// libtorch's intra-op threads (process-wide). The precomputer already runs one worker per core, so
/// one thread each avoids oversubscribing the cores.
/// </param>
/// <param name="metrics">The perturbation and randomisation metrics' settings; the defaults when null.</param>
public sealed class SquadStudyEngine(int threads = 1, EngineMetricOptions? metrics = null) : IExplanationEngine
{
    private readonly EngineMetricOptions _metrics = metrics ?? new EngineMetricOptions();

    public DecodedImage Decode(byte[] data, string source)
    {
        try
        {
            var image = ImageDecoder.Decode(data);
            return new DecodedImage(image.Width, image.Height, image.Pixels);
        }
        catch (ImageDecodeException e)
        {
            throw new EngineInputException(e.Message, e);
        }
    }

    public IStudyModel LoadModel(string onnxPath, ModelMetadata metadata)
    {
        var options = new ModelOptions(metadata.Input?.Width, metadata.Input?.Height, metadata.Mean, metadata.Std, metadata.TargetLayer)
        {
            Threads = threads,
        };
        try
        {
            return new EngineStudyModel(ExplanationModel.Load(onnxPath, options), _metrics);
        }
        catch (ModelLoadException e)
        {
            throw new EngineInputException(e.Message, e);
        }
    }

    public string? MethodProblem(string method)
    {
        if (!MethodSpec.TryParse(method, out var spec, out var problem)) return problem;
        return spec.Name == method ? null : $"method '{method}' is not written canonically; write '{spec.Name}'";
    }

    private sealed class EngineStudyModel(ExplanationModel model, EngineMetricOptions settings) : IStudyModel
    {
        private readonly PreprocessOptions _preprocess = new(model.InputWidth, model.InputHeight, [.. model.Mean], [.. model.Std]);

        /// <summary>Made on first use, once for every image: workers explain concurrently on one model.</summary>
        private readonly Lazy<RandomisationCascade> _cascade = new(() => model.RandomiseCascading(settings.RandomisationDepth, settings.RandomisationSeed));

        public int InputWidth => model.InputWidth;
        public int InputHeight => model.InputHeight;
        public int ClassCount => model.ClassCount;

        public float[] Probabilities(DecodedImage image) =>
            [.. SquadStudy.Engine.Models.Probabilities.Softmax(model.Logits(Preprocessing.ToTensor(ToRgb(image), _preprocess))).Select(p => (float)p)];

        public IReadOnlyList<RenderedExplanation> Explain(DecodedImage image, int classIndex, IReadOnlyList<string> methods, IReadOnlyList<GroundTruthBox> boxes)
        {
            var rgb = ToRgb(image);
            var specs = methods.Select(MethodSpec.Parse).ToList();
            var input = Preprocessing.ToTensor(rgb, _preprocess);
            var bundle = model.Explain(input, classIndex, specs);
            // The sanity check needs each method's map on every randomised model: one pass per model for all methods.
            var randomised = settings.RandomisationDepth > 0
                ? _cascade.Value.Models.Select(m => m.Explain(input, classIndex, specs)).ToList()
                : [];
            var classBoxes = ClassBoxes(boxes, classIndex);
            var results = new List<RenderedExplanation>(specs.Count);
            foreach (var spec in specs)
            {
                var map = bundle[spec.Name];
                var picture = Render.Picture(rgb, map);
                var (evidence, evidenceHeight, evidenceWidth) = Evidence(map);
                // What the metrics read is kept, so they can be computed again, or added, from the store
                // (StoredMetrics): a CAM map as it is (h×w at the target layer), a pixel-space map as its
                // H×W saliency, a third of its 3×H×W floats (its signs and channels are in its PNG).
                var raw = Npy.Write(evidence, [evidenceHeight, evidenceWidth]);
                var metrics = Measure(rgb, input, evidence, evidenceHeight, evidenceWidth, classIndex, classBoxes, settings);
                if (randomised.Count > 0 && evidence.Length >= 2)
                {
                    var correlations = randomised.Select(b => RankCorrelation.Spearman(evidence, Evidence(b[spec.Name]).Map)).ToArray();
                    metrics = metrics with
                    {
                        RandomisationCurve = [.. correlations.Select(Finite)],
                        RandomisationSpearman = Finite(correlations[^1]),
                    };
                }
                results.Add(new RenderedExplanation(spec.Name, classIndex, PngEncoder.Encode(picture), metrics, raw));
            }
            return results;
        }

        public ExplanationMetrics Measure(DecodedImage image, int classIndex, float[] evidence, int height, int width,
            IReadOnlyList<GroundTruthBox> boxes, EngineMetricOptions metrics)
        {
            if (height <= 0 || width <= 0 || evidence.Length != height * width)
            {
                throw new EngineInputException($"an evidence map of {evidence.Length} values is not {height}×{width}.");
            }
            var rgb = ToRgb(image);
            var input = Preprocessing.ToTensor(rgb, _preprocess);
            return Measure(rgb, input, evidence, height, width, classIndex, ClassBoxes(boxes, classIndex), metrics);
        }

        private static List<PixelBox> ClassBoxes(IReadOnlyList<GroundTruthBox> boxes, int classIndex) =>
            [.. boxes.Where(b => b.Class == classIndex).Select(b => PixelBox.FromVoc(b.XMin, b.YMin, b.XMax, b.YMax))];

        /// <summary>The map the metrics read: a CAM as it is, a pixel-space map as its saliency (max |·| over channels).</summary>
        private static (float[] Map, int Height, int Width) Evidence(ExplanationMap map) =>
            map.Shape.Length == 2
                ? (map.Data, map.Shape[0], map.Shape[1])
                : (Render.Saliency(map.Data, map.Shape[1], map.Shape[2]), map.Shape[1], map.Shape[2]);

        private static double? Finite(double value) => double.IsFinite(value) ? value : null;

        /// <summary>
        /// Localisation box and IoU (Grad-CAM §3.1, 15 % threshold), pointing game (15 px tolerance),
        /// the class probability on the image, on the image times the map and with the map's top
        /// 25 % removed (Grad-CAM++ §6.1 Average Drop / Increase in Confidence inputs), and the
        /// deletion, insertion and ROAD curves on the model-sized normalised <paramref name="input"/>
        /// when <paramref name="options"/> ask for them. Not the sanity check: it needs the method itself.
        /// </summary>
        private ExplanationMetrics Measure(RgbImage rgb, float[] input, float[] map, int mapHeight, int mapWidth, int classIndex, List<PixelBox> classBoxes,
            EngineMetricOptions options)
        {
            var upsampled = Resize.BilinearMap(map, mapHeight, mapWidth, rgb.Height, rgb.Width);
            var box = Localisation.BoxFromMap(upsampled, rgb.Height, rgb.Width);
            double? iou = box is { } b && classBoxes.Count > 0 ? classBoxes.Max(g => PixelBox.IoU(b, g)) : null;
            bool? hit = classBoxes.Count > 0 ? PointingGame.IsHit(upsampled, rgb.Height, rgb.Width, classBoxes) : null;
            var faithfulness = Faithfulness.Score(rgb, _preprocess, map, mapHeight, mapWidth, classIndex, model.Logits);
            var (c, h, w) = (model.Channels, model.InputHeight, model.InputWidth);
            var curves = options.DeletionInsertion;
            var deletion = curves is null ? null : DeletionInsertion.Deletion(input, c, h, w, map, mapHeight, mapWidth, classIndex, model.Logits, curves);
            var insertion = curves is null ? null : DeletionInsertion.Insertion(input, c, h, w, map, mapHeight, mapWidth, classIndex, model.Logits, curves);
            var road = options.Road is { } roadOptions ? Road.Evaluate(input, c, h, w, map, mapHeight, mapWidth, classIndex, model.Logits, roadOptions) : null;
            return new ExplanationMetrics(
                box is { } found ? [found.X0, found.Y0, found.X1, found.Y1] : null,
                iou,
                iou is { } value ? value >= Localisation.DefaultIouThreshold : null,
                hit,
                faithfulness.Original,
                faithfulness.ExplanationMasked,
                faithfulness.TopRemoved,
                deletion?.Auc,
                insertion?.Auc,
                deletion?.Probabilities,
                insertion?.Probabilities,
                road?.MostRelevantFirstMean,
                road?.LeastRelevantFirstMean,
                road?.Fractions,
                road?.MostRelevantFirst,
                road?.LeastRelevantFirst);
        }

        private static RgbImage ToRgb(DecodedImage image) => new(image.Width, image.Height, image.Rgb);

        public void Dispose()
        {
            // The randomised models share the trained model's weights: freed first.
            if (_cascade.IsValueCreated)
            {
                _cascade.Value.Dispose();
            }
            model.Dispose();
        }
    }
}

/// <summary>
/// Settings of the metrics the precompute worker stores beside each map: deletion/insertion steps and
/// substrates (null: none), ROAD's fractions, noise and seed (null: no ROAD), and how many layers the
/// model-randomisation sanity check re-initialises (0: no sanity check) with which seed. All are
/// deterministic for their seeds, so a resumed precompute stores the same metrics (to float32 precision:
/// libtorch's results can differ in the last place when other threads compute at the same time).
/// <para>
/// All are opt-in (<see cref="All"/>, or the site's <c>SquadStudy:Metrics</c> switches): deletion and
/// insertion cost 42 forward passes per map, ROAD two sparse solves per fraction and channel (about a
/// second per map at 128²), the sanity check an explanation pass per randomised layer; on by default
/// they made the demo pack's first run several times slower.
/// </para>
/// </summary>
public sealed record EngineMetricOptions
{
    /// <summary>Every metric with its default settings: 20 deletion/insertion steps, ROAD on five fractions, the sanity check over three layers.</summary>
    public static EngineMetricOptions All { get; } = new()
    {
        DeletionInsertion = new DeletionInsertionOptions(),
        Road = new RoadOptions(),
        RandomisationDepth = SanityCheck.DefaultDepth,
    };

    public DeletionInsertionOptions? DeletionInsertion { get; init; }

    public RoadOptions? Road { get; init; }

    public int RandomisationDepth { get; init; }

    public int RandomisationSeed { get; init; }
}
