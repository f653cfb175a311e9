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
public sealed class SquadStudyEngine(int threads = 1) : IExplanationEngine
{
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
            return new EngineStudyModel(ExplanationModel.Load(onnxPath, options));
        }
        catch (ModelLoadException e)
        {
            throw new EngineInputException(e.Message, e);
        }
    }

    public bool IsKnownMethod(string method)
    {
        try
        {
            MethodSpec.Parse(method);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private sealed class EngineStudyModel(ExplanationModel model) : IStudyModel
    {
        private readonly PreprocessOptions _preprocess = new(model.InputWidth, model.InputHeight, [.. model.Mean], [.. model.Std]);

        public int InputWidth => model.InputWidth;
        public int InputHeight => model.InputHeight;
        public int ClassCount => model.ClassCount;

        public float[] Probabilities(DecodedImage image) =>
            [.. SquadStudy.Engine.Models.Probabilities.Softmax(model.Logits(Preprocessing.ToTensor(ToRgb(image), _preprocess))).Select(p => (float)p)];

        public IReadOnlyList<RenderedExplanation> Explain(DecodedImage image, int classIndex, IReadOnlyList<string> methods, IReadOnlyList<GroundTruthBox> boxes)
        {
            var rgb = ToRgb(image);
            var specs = methods.Select(MethodSpec.Parse).ToList();
            var bundle = model.Explain(Preprocessing.ToTensor(rgb, _preprocess), classIndex, specs);
            var classBoxes = boxes.Where(b => b.Class == classIndex).Select(b => PixelBox.FromVoc(b.XMin, b.YMin, b.XMax, b.YMax)).ToList();
            var results = new List<RenderedExplanation>(specs.Count);
            foreach (var spec in specs)
            {
                var map = bundle[spec.Name];
                var picture = Render.Picture(rgb, map);
                float[] evidence;
                byte[]? raw = null;
                int evidenceHeight, evidenceWidth;
                if (map.Shape.Length == 2)
                {
                    (evidenceHeight, evidenceWidth) = (map.Shape[0], map.Shape[1]);
                    evidence = map.Data;
                    // CAM maps are a few hundred floats: kept for later analyses. Pixel-space maps
                    // (3×H×W) would multiply the store's size and are fully shown by their PNG.
                    raw = Npy.Write(map.Data, map.Shape);
                }
                else
                {
                    (evidenceHeight, evidenceWidth) = (map.Shape[1], map.Shape[2]);
                    evidence = Render.Saliency(map.Data, evidenceHeight, evidenceWidth);
                }
                var metrics = Measure(rgb, evidence, evidenceHeight, evidenceWidth, classIndex, classBoxes);
                results.Add(new RenderedExplanation(spec.Name, classIndex, PngEncoder.Encode(picture), metrics, raw));
            }
            return results;
        }

        /// <summary>
        /// Localisation box and IoU (Grad-CAM §3.1, 15 % threshold), pointing game (15 px tolerance)
        /// and the class probability on the image, on the image times the map and with the map's top
        /// 25 % removed (Grad-CAM++ §6.1 Average Drop / Increase in Confidence inputs).
        /// </summary>
        private ExplanationMetrics Measure(RgbImage rgb, float[] map, int mapHeight, int mapWidth, int classIndex, List<PixelBox> classBoxes)
        {
            var upsampled = Resize.BilinearMap(map, mapHeight, mapWidth, rgb.Height, rgb.Width);
            var box = Localisation.BoxFromMap(upsampled, rgb.Height, rgb.Width);
            double? iou = box is { } b && classBoxes.Count > 0 ? classBoxes.Max(g => PixelBox.IoU(b, g)) : null;
            bool? hit = classBoxes.Count > 0 ? PointingGame.IsHit(upsampled, rgb.Height, rgb.Width, classBoxes) : null;
            var faithfulness = Faithfulness.Score(rgb, _preprocess, map, mapHeight, mapWidth, classIndex, model.Logits);
            return new ExplanationMetrics(
                box is { } found ? [found.X0, found.Y0, found.X1, found.Y1] : null,
                iou,
                iou is { } value ? value >= Localisation.DefaultIouThreshold : null,
                hit,
                faithfulness.Original,
                faithfulness.ExplanationMasked,
                faithfulness.TopRemoved);
        }

        private static RgbImage ToRgb(DecodedImage image) => new(image.Width, image.Height, image.Rgb);

        public void Dispose() => model.Dispose();
    }
}
