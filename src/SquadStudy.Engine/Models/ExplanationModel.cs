using System.Collections.Concurrent;
using SquadStudy.Engine.Explainers;
using SquadStudy.Engine.Graph;
using SquadStudy.Engine.Native;
using SquadStudy.Engine.Onnx;
using SquadStudy.Engine.Tensors;
using TorchSharp;
using TorchTensor = TorchSharp.torch.Tensor;

namespace SquadStudy.Engine.Models;

/// <summary>
/// An ONNX image classifier ready to predict and explain. Inputs are float[] C×H×W tensors,
/// already resized and normalised with <see cref="Mean"/>/<see cref="Std"/>. The graph runs on
/// libtorch (TorchSharp); every backward pass comes from its autograd. No TorchSharp type leaves
/// the engine.
/// <para>
/// Thread safety: every public method may be called concurrently on different inputs. The
/// loaded graph is immutable; each call records its own activations in its own dispose scope.
/// </para>
/// </summary>
public sealed partial class ExplanationModel : IDisposable, IAttributionModel
{
    private readonly OnnxModel _model;
    private readonly ConcurrentDictionary<int, Lazy<GraphPlan>> _plans = new();
    private readonly long _maxActivationFloats;
    private readonly int _targetSlot;

    /// <summary>The side of the patch grid when the target layer is a transformer's token tensor (N×(1+g²)×C).</summary>
    private readonly int? _tokenGrid;

    /// <summary>
    /// The ONNX input declares a fixed batch of 1 (exports without a dynamic batch axis often bake
    /// it into Reshape constants), so batches run image by image.
    /// </summary>
    private readonly bool _singleImageBatches;

    private ExplanationModel(OnnxModel model, int channels, int height, int width, IReadOnlyList<float> mean, IReadOnlyList<float> std,
        string? targetLayer, long maxActivationBytes)
    {
        _model = model;
        Channels = channels;
        InputHeight = height;
        InputWidth = width;
        Mean = mean;
        Std = std;
        _maxActivationFloats = Math.Max(1, maxActivationBytes / 4);
        _singleImageBatches = model.Input.Shape[0] == 1;
        var plan = Plan(1);
        ClassCount = ShapeUtil.Size(plan.SlotShape(plan.OutputSlot).AsSpan(1));
        ForwardFlops = plan.Flops;
        _targetSlot = ResolveTarget(plan, targetLayer);
        TargetLayer = plan.SlotName(_targetSlot);
        var targetShape = plan.SlotShape(_targetSlot);
        _tokenGrid = TokenGrid(targetShape);
        TargetShape = _tokenGrid is int g ? [targetShape[2], g, g] : targetShape[1..];
    }

    public int Channels { get; }
    public int InputHeight { get; }
    public int InputWidth { get; }
    public IReadOnlyList<float> Mean { get; }
    public IReadOnlyList<float> Std { get; }
    public int ClassCount { get; }

    /// <summary>The ONNX name of the CAM target layer.</summary>
    public string TargetLayer { get; }

    /// <summary>K×h×w of the target layer (C×g×g for a token tensor, class token dropped).</summary>
    public int[] TargetShape { get; }

    /// <summary>Floating-point operations of one image's forward pass (convolutions and GEMMs).</summary>
    public double ForwardFlops { get; }

    /// <summary>Names of the tensors a target layer can be chosen from: 4-D maps and transformer token tensors.</summary>
    public IReadOnlyList<string> LayerCandidates => Candidates(Plan(1)).ToArray();

    private static IEnumerable<string> Candidates(GraphPlan plan) =>
        Enumerable.Range(1, plan.SlotCount - 1).Where(s => plan.SlotShape(s).Length == 4 || TokenGrid(plan.SlotShape(s)) is not null).Select(plan.SlotName);

    /// <summary>
    /// g when <paramref name="shape"/> is N×(1+g²)×C: a class token and a g×g grid of patch tokens,
    /// which pytorch-grad-cam's reshape_transform turns into C×g×g maps.
    /// </summary>
    private static int? TokenGrid(int[] shape)
    {
        if (shape.Length != 3 || shape[1] < 2) return null;
        int g = (int)Math.Round(Math.Sqrt(shape[1] - 1));
        return g * g == shape[1] - 1 ? g : null;
    }

    /// <summary>The target layer's tensor as N×K×h×w maps: a token tensor drops its class token and is reshaped to its patch grid.</summary>
    private TorchTensor TargetMaps(TorchTensor t) => _tokenGrid is int g
        ? t[.., 1.., ..].reshape(t.shape[0], g, g, t.shape[2]).permute(0, 3, 1, 2)
        : t;

    public int InputLength => Channels * InputHeight * InputWidth;

    /// <summary>Loads an ONNX file. Throws <see cref="ModelLoadException"/> for anything the engine can not run.</summary>
    public static ExplanationModel Load(string path, ModelOptions? options = null)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"model file not found: {path}", path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        return Load(stream, options, path);
    }

    /// <summary>Loads an ONNX model from a seekable stream; <paramref name="source"/> names it in error messages.</summary>
    public static ExplanationModel Load(Stream onnx, ModelOptions? options = null, string source = "model") =>
        Load(OnnxReader.Read(onnx, source), options, source);

    /// <summary>Loads an ONNX model from memory; <paramref name="source"/> names it in error messages.</summary>
    public static ExplanationModel Load(byte[] onnx, ModelOptions? options = null, string source = "model") =>
        Load(OnnxReader.Read(onnx, source), options, source);

    private static ExplanationModel Load(OnnxModel model, ModelOptions? options, string source)
    {
        options ??= new ModelOptions();
        ModelRewriter.StripFinalSoftmax(model);
        ModelRewriter.FuseConvBatchNorm(model);

        var shape = model.Input.Shape;
        int channels = shape[1] > 0 ? (int)shape[1]
            : throw new ModelLoadException($"{source}: the input's channel count is not fixed");
        int height = Dimension(shape[2], options.InputHeight, "height", source);
        int width = Dimension(shape[3], options.InputWidth, "width", source);
        var mean = options.Mean ?? (channels == 3 ? ModelOptions.ImageNetMean : Enumerable.Repeat(0f, channels).ToArray());
        var std = options.Std ?? (channels == 3 ? ModelOptions.ImageNetStd : Enumerable.Repeat(1f, channels).ToArray());
        if (mean.Count != channels || std.Count != channels || std.Any(s => !(s > 0)))
            throw new ModelLoadException($"{source}: mean and std need {channels} values each, std positive");
        if (options.Threads is int threads) EngineRuntime.Threads = threads;
        try
        {
            return new ExplanationModel(model, channels, height, width, mean, std, options.TargetLayer, options.MaxActivationBytes);
        }
        catch (ModelLoadException e) when (!e.Message.StartsWith(source, StringComparison.Ordinal))
        {
            throw new ModelLoadException($"{source}: {e.Message}", e);
        }
    }

    private static int Dimension(long declared, int? requested, string what, string source)
    {
        if (declared > 0)
        {
            if (requested is int r && r != declared)
                throw new ModelLoadException($"{source}: the model's input {what} is {declared}, but {r} was requested");
            return (int)declared;
        }
        if (requested is not int value) throw new ModelLoadException($"{source}: the input {what} is dynamic; give it in the model options");
        if (value < 1 || value > OnnxReader.MaxDimension) throw new ModelLoadException($"{source}: input {what} {value} is out of range");
        return value;
    }

    private GraphPlan Plan(int batch) =>
        _plans.GetOrAdd(batch, n => new Lazy<GraphPlan>(() =>
            GraphPlan.Build(_model, [n, Channels, InputHeight, InputWidth], _maxActivationFloats))).Value;

    private static int ResolveTarget(GraphPlan plan, string? name)
    {
        if (name is not null)
        {
            if (plan.TryGetSlot(name, out int slot) && slot != plan.InputSlot && (plan.SlotShape(slot).Length == 4 || TokenGrid(plan.SlotShape(slot)) is not null)) return slot;
            throw new ModelLoadException(
                $"target layer '{name}' is neither a 4-D tensor nor a token tensor of this model; candidates: {string.Join(", ", Candidates(plan))}");
        }
        // The last activation, normalisation or residual Add of the convolutional trunk, before the
        // global pooling: the layer Grad-CAM's authors used (relu5_3 for VGG-16, the last
        // bottleneck for ResNet-50) and its analogue in DenseNet (the final ReLU), MobileNetV3
        // (HardSwish) and EfficientNet (SiLU, exported as x·Sigmoid(x)).
        int end = plan.Layers.Count;
        for (int i = plan.Layers.Count - 1; i >= 0; i--)
            if (plan.Layers[i] is GlobalAveragePoolLayer) { end = i; break; }
        for (int i = end - 1; i >= 0; i--)
        {
            var layer = plan.Layers[i];
            if (layer.OutputShape.Length != 4 || !plan.Layers.Take(i).Any(l => l is ConvLayer)) continue;
            if (layer is ReluLayer or ClipLayer or BatchNormLayer or UnaryLayer { Op: "HardSwish" }
                || (layer is BinaryLayer { Op: "Add" or "Mul" } && layer.Operands.All(o => o.IsRuntime)))
                return layer.Output;
        }
        // A vision transformer: the first LayerNormalization of the last encoder block (its norm1,
        // pytorch-grad-cam's choice), i.e. the last token LayerNormalization that feeds an
        // attention Softmax before the next LayerNormalization.
        int? lastNorm = null, chosen = null;
        foreach (var layer in plan.Layers)
        {
            if (layer is FunctionLayer { Op: "LayerNormalization" } && TokenGrid(layer.OutputShape) is not null) lastNorm = layer.Output;
            else if (layer is FunctionLayer { Op: "Softmax" } && lastNorm is int norm) chosen = norm;
        }
        if (chosen is int tokens) return tokens;
        throw new ModelLoadException(
            $"no activation after a Conv found for the default target layer; name one of: {string.Join(", ", Candidates(plan))}");
    }

    /// <summary>The logits (pre-softmax class scores) of one image.</summary>
    public float[] Logits(float[] chw) => Logits([chw])[0];

    /// <summary>The logits of several images, computed in one batched forward pass.</summary>
    public float[][] Logits(IReadOnlyList<float[]> images)
    {
        if (images.Count > 1 && _singleImageBatches) return images.SelectMany(i => Logits([i])).ToArray();
        var plan = Plan(CheckBatch(images));
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var state = plan.Forward(Input(images), recording: false);
        return Split(ToArray(state.Values[plan.OutputSlot]!), images.Count);
    }

    /// <summary>The <paramref name="top"/> most probable classes, most probable first.</summary>
    public Prediction[] Predict(float[] chw, int top = 5) => ToPredictions(Logits(chw), top);

    public static Prediction[] ToPredictions(float[] logits, int top)
    {
        if (logits.Length == 0) return [];
        var p = Probabilities.Softmax(logits);
        return logits.Select((l, i) => new Prediction(i, l, (float)p[i]))
            .OrderByDescending(p => p.Logit).ThenBy(p => p.ClassIndex).Take(Math.Max(0, top)).ToArray();
    }

    /// <summary>Every requested method's map for one (image, class).</summary>
    public ExplanationBundle Explain(float[] chw, int classIndex, IReadOnlyList<MethodSpec> methods, IProgress<ExplainProgress>? progress = null) =>
        Explain([chw], [[classIndex]], methods, progress)[0][0];

    /// <summary>
    /// Maps for several images and classes: one batched forward pass, then per class round one
    /// normal backward pass (all CAM maps and the gradient) and one guided and one deconvolution
    /// pass when a method needs them. Result [i][j] is image i's bundle for classes[i][j]. The
    /// forward-only methods (Score-CAM, Ablation-CAM) add their batches of masked or ablated forward
    /// passes per (image, class), and pixel attributions (<see cref="MethodSpec.IsPixelAttribution"/>)
    /// their own batched passes; both report them to <paramref name="progress"/>.
    /// </summary>
    public ExplanationBundle[][] Explain(IReadOnlyList<float[]> images, IReadOnlyList<IReadOnlyList<int>> classes, IReadOnlyList<MethodSpec> methods,
        IProgress<ExplainProgress>? progress = null)
    {
        int n = CheckBatch(images);
        if (classes.Count != n) throw new ExplanationException($"{classes.Count} class lists for {n} images");
        foreach (var c in classes.SelectMany(c => c))
            if (c < 0 || c >= ClassCount) throw new ExplanationException($"class index {c} is out of range (the model has {ClassCount} classes, 0..{ClassCount - 1})");
        if (methods.Count == 0) throw new ExplanationException("no methods requested");
        if (n > 1 && _singleImageBatches)
            return images.Select((image, i) => Explain([image], [classes[i]], methods, progress is null ? null : new ImageProgress(progress, i))[0]).ToArray();

        var plan = Plan(n);
        using var scope = torch.NewDisposeScope();
        var batch = Concat(images);
        var smooth = methods.Where(m => m.Method == ExplanationMethod.SmoothGradCamPlusPlus).Select(m => m.Smooth).Distinct().ToList();
        var smoothMoments = smooth.ToDictionary(o => o, o => SmoothMoments(plan, batch, classes, o));
        var input = Input(batch, n).requires_grad_(true);
        var state = plan.Forward(input, recording: true, _targetSlot);
        var output = state.Values[plan.OutputSlot]!;
        var target = state.Values[_targetSlot]!;
        var logits = Split(ToArray(output), n);
        var activations = ToArray(TargetMaps(target));

        bool needCam = methods.Any(m => m.IsCamFamily);
        bool needGradient = methods.Any(m => m.Method == ExplanationMethod.Gradient);
        bool needGuided = methods.Any(m => m.Method == ExplanationMethod.GuidedBackprop || m.Guidance == PixelGuidance.Guided);
        bool needDeconv = methods.Any(m => m.Method == ExplanationMethod.Deconvolution || m.Guidance == PixelGuidance.Deconvolution);
        var linear = methods.Any(m => m.Method == ExplanationMethod.Cam) ? CamHead(plan) : null;

        int rounds = classes.Max(c => c.Count);
        var maps = classes.Select(c => c.Select(_ => new Dictionary<string, ExplanationMap>()).ToArray()).ToArray();
        int k = TargetShape[0], h = TargetShape[1], w = TargetShape[2], plane = k * h * w, inputLength = InputLength;
        for (int r = 0; r < rounds; r++)
        {
            using var round = torch.NewDisposeScope();
            var seed = Seed(plan, n, classes, r);
            float[]? g = null, gradient = null;
            if (needCam || needGradient)
            {
                var grads = Gradients(state, ReluBackwardMode.Normal, output, seed, needGradient ? [target, input] : [target]);
                g = ToArray(TargetMaps(grads[0]));
                if (needGradient) gradient = ToArray(grads[1]);
            }
            var guided = needGuided ? ToArray(Gradients(state, ReluBackwardMode.Guided, output, seed, [input])[0]) : null;
            var deconv = needDeconv ? ToArray(Gradients(state, ReluBackwardMode.Deconvolution, output, seed, [input])[0]) : null;

            for (int i = 0; i < n; i++)
            {
                if (r >= classes[i].Count) continue;
                int c = classes[i][r];
                var a = activations.AsSpan(i * plane, plane).ToArray();
                var gi = g?.AsSpan(i * plane, plane).ToArray();
                float[] Pixel(float[] data) => data.AsSpan(i * inputLength, inputLength).ToArray();
                var camCache = new Dictionary<(ExplanationMethod, WeightTransform, SmoothOptions?), float[]>();
                float[] Cam(MethodSpec m)
                {
                    var key = (m.Method, m.Transform, m.Method == ExplanationMethod.SmoothGradCamPlusPlus ? m.Smooth : null);
                    if (camCache.TryGetValue(key, out var cached)) return cached;
                    CamInputs inputs;
                    if (m.Method == ExplanationMethod.SmoothGradCamPlusPlus)
                    {
                        var (meanA, g1, g2, g3) = smoothMoments[m.Smooth][i][r];
                        inputs = new CamInputs(k, h, w, meanA, g1, c)
                        {
                            GradientSquared = g2, GradientCubed = g3,
                            FeatureMaps = m.Smooth.FeatureMaps, Region = m.Smooth.Region,
                        };
                    }
                    else inputs = new CamInputs(k, h, w, a, gi!, c)
                    {
                        LinearWeights = linear?.WeightRow(c),
                        Forward = new CamForward(this, () => Pixel(batch), i, c, m.Name, progress),
                    };
                    return camCache[key] = CamExplainer.For(m.Method).Explain(inputs, m.Transform);
                }

                foreach (var m in methods)
                {
                    float[] data;
                    int[] shape = [Channels, InputHeight, InputWidth];
                    switch (m.Method)
                    {
                        case var _ when m.IsPixelAttribution:
                            (data, shape) = Attribute(m, batch.AsSpan(i * inputLength, inputLength).ToArray(), i, c, progress);
                            break;
                        case ExplanationMethod.Gradient: data = Pixel(gradient!); break;
                        case ExplanationMethod.GuidedBackprop: data = Pixel(guided!); break;
                        case ExplanationMethod.Deconvolution: data = Pixel(deconv!); break;
                        default:
                            var cam = Cam(m);
                            if (m.Guidance == PixelGuidance.None) { data = cam; shape = [h, w]; }
                            else data = GuidedProduct(Pixel(m.Guidance == PixelGuidance.Guided ? guided! : deconv!), cam, h, w);
                            break;
                    }
                    maps[i][r][m.Name] = new ExplanationMap(m.Name, c, shape, data);
                }
            }
        }
        return maps.Select((perImage, i) => perImage.Select((d, j) => new ExplanationBundle(classes[i][j], logits[i], d)).ToArray()).ToArray();
    }

    /// <summary>One pixel attribution's map of one image and class, reporting each chunk of model evaluations.</summary>
    private (float[] Data, int[] Shape) Attribute(MethodSpec method, float[] chw, int imageIndex, int classIndex, IProgress<ExplainProgress>? progress)
    {
        using var scope = torch.NewDisposeScope();
        var attribution = MethodRegistry.Get(method.Method).Attribution!(method);
        Action<int, int>? report = progress is null ? null : (done, total) => progress.Report(new ExplainProgress(method.Name, imageIndex, classIndex, done, total));
        var map = attribution.Attribute(this, torch.tensor(chw, [Channels, InputHeight, InputWidth]), classIndex, report);
        return (ToArray(map), map.shape.Select(d => (int)d).ToArray());
    }

    TorchTensor IAttributionModel.Logits(TorchTensor inputs, int batchSize, Action<int>? done)
    {
        using var noGrad = torch.no_grad();
        return Chunked(inputs, batchSize, done, chunk =>
        {
            var plan = Plan((int)chunk.shape[0]);
            return plan.Forward(chunk, recording: false).Values[plan.OutputSlot]!;
        });
    }

    TorchTensor IAttributionModel.InputGradients(TorchTensor inputs, int classIndex, int batchSize, Action<int>? done) =>
        Chunked(inputs, batchSize, done, chunk =>
        {
            int n = (int)chunk.shape[0];
            var plan = Plan(n);
            var input = chunk.detach().clone().requires_grad_(true);
            var state = plan.Forward(input, recording: true);
            var seed = Seed(plan, n, Enumerable.Repeat<IReadOnlyList<int>>([classIndex], n).ToArray(), 0);
            return Gradients(state, ReluBackwardMode.Normal, state.Values[plan.OutputSlot]!, seed, [input])[0];
        });

    /// <summary>
    /// <paramref name="run"/> on consecutive chunks of at most <paramref name="batchSize"/> rows (one
    /// for a fixed-batch model), each in its own dispose scope, the results concatenated in the caller's.
    /// </summary>
    private TorchTensor Chunked(TorchTensor inputs, int batchSize, Action<int>? done, Func<TorchTensor, TorchTensor> run)
    {
        int n = (int)inputs.shape[0], size = _singleImageBatches ? 1 : Math.Max(1, batchSize);
        var parts = new List<TorchTensor>();
        for (int start = 0; start < n; start += size)
        {
            using var scope = torch.NewDisposeScope();
            var chunk = inputs.narrow(0, start, Math.Min(size, n - start)).contiguous();
            parts.Add(run(chunk).detach().clone().MoveToOuterDisposeScope());
            done?.Invoke(start + (int)chunk.shape[0]);
        }
        return parts.Count == 1 ? parts[0] : torch.cat(parts, 0);
    }

    /// <summary>
    /// One backward pass of the recorded forward pass with the ReLUs' <paramref name="rule"/>:
    /// ∂(seed · output)/∂t for each t in <paramref name="wrt"/>, in the caller's dispose scope. The
    /// graph is kept for the next pass; a tensor the output does not depend on gets zeros.
    /// </summary>
    private static TorchTensor[] Gradients(ExecutionState state, ReluBackwardMode rule, TorchTensor output, TorchTensor seed, TorchTensor[] wrt)
    {
        state.ReluMode.Mode = rule;
        var grads = torch.autograd.grad([output], wrt, [seed], retain_graph: true, allow_unused: true);
        return wrt.Select((t, j) => grads[j] ?? torch.zeros_like(t)).ToArray();
    }

    /// <summary>
    /// y^c for <paramref name="count"/> variants of one image, <paramref name="batchSize"/> per forward
    /// pass without gradients (one at a time for a fixed-batch export): <paramref name="input"/>(start, n)
    /// is the n×C×H×W batch of variants start … start+n−1, and with <paramref name="ablate"/> variant j
    /// also has the target layer's channel j set to 0 (for a token tensor: feature j of every token,
    /// as pytorch-grad-cam's AblationLayerVit).
    /// </summary>
    private float[] VariantScores(int count, int batchSize, int classIndex, Func<int, int, TorchTensor> input, bool ablate, Action<int> done)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), "a batch holds at least one variant");
        int step = _singleImageBatches ? 1 : batchSize;
        var scores = new float[count];
        using var noGrad = torch.no_grad();
        for (int start = 0; start < count; start += step)
        {
            int n = Math.Min(step, count - start);
            using var scope = torch.NewDisposeScope();
            var plan = Plan(n);
            var substitute = ablate ? new ActivationSubstitute(_targetSlot, t => ZeroChannels(t, start, n)) : null;
            var state = plan.Forward(input(start, n), recording: false, substitute);
            var y = state.Values[plan.OutputSlot]!.reshape(n, -1)[.., classIndex];
            ToArray(y).CopyTo(scores, start);
            done(start + n);
        }
        return scores;
    }

    /// <summary>The target tensor with channel start + j of batch member j set to 0 (the channel axis: 1 for maps, 2 for tokens).</summary>
    private TorchTensor ZeroChannels(TorchTensor t, int start, int n)
    {
        int axis = _tokenGrid is null ? 1 : 2;
        var shape = Enumerable.Repeat(1L, (int)t.dim()).ToArray();
        shape[0] = n;
        shape[axis] = t.shape[axis];
        var channel = KeptScalars.Arange(start, start + n, torch.int64).unsqueeze(1);
        var mask = torch.zeros(n, t.shape[axis], dtype: torch.@bool).scatter_(1, channel, torch.ones(n, 1, dtype: torch.@bool));
        return KeptScalars.MaskedFill(t, mask.reshape(shape), 0f);
    }

    /// <summary><see cref="ICamForward"/> for one (image, class) of an <see cref="Explain(IReadOnlyList{float[]}, IReadOnlyList{IReadOnlyList{int}}, IReadOnlyList{MethodSpec}, IProgress{ExplainProgress}?)"/> call.</summary>
    /// <remarks>The image is copied out of the call's batch only when a forward-only method asks for a pass.</remarks>
    private sealed class CamForward(ExplanationModel model, Func<float[]> imageOf, int imageIndex, int classIndex, string method,
        IProgress<ExplainProgress>? progress) : ICamForward
    {
        private float? _score;
        private float[]? _image;

        private float[] Image => _image ??= imageOf();

        public int InputHeight => model.InputHeight;
        public int InputWidth => model.InputWidth;

        /// <summary>
        /// y^c from a no-grad pass of the image alone, not from the call's batched forward pass: y and
        /// the y_k it is compared with then come from passes of the same kind, and a map does not
        /// depend on which other images share the call (batch sizes change libtorch's rounding).
        /// </summary>
        public float Score => _score ??= model.VariantScores(1, 1, classIndex, (_, _) => model.Input(Image, 1), ablate: false, _ => { })[0];

        public float[] MaskedScores(int count, Func<int, int, TorchTensor> masks, int batchSize)
        {
            using var scope = torch.NewDisposeScope();
            var x = model.Input(Image, 1);
            return model.VariantScores(count, batchSize, classIndex, (start, n) => x * masks(start, n), ablate: false, Report(count));
        }

        public float[] AblatedScores(int batchSize)
        {
            using var scope = torch.NewDisposeScope();
            var x = model.Input(Image, 1);
            return model.VariantScores(model.TargetShape[0], batchSize, classIndex, (_, n) => x.repeat(n, 1, 1, 1), ablate: true, Report(model.TargetShape[0]));
        }

        private Action<int> Report(int total) => done => progress?.Report(new ExplainProgress(method, imageIndex, classIndex, done, total));
    }

    /// <summary>Reports an image-by-image call's progress under the image's index in the caller's batch.</summary>
    private sealed class ImageProgress(IProgress<ExplainProgress> inner, int image) : IProgress<ExplainProgress>
    {
        public void Report(ExplainProgress value) => inner.Report(value with { Image = image });
    }

    /// <summary>
    /// Guided X (Selvaraju et al. 2017, §3.1): G ⊙ L_norm, L_up = bilinear(L) to H×W (align_corners
    /// False, libtorch's interpolate as torch.nn.functional.interpolate), L_norm = L_up / max(L_up)
    /// (zero when max ≤ 0), broadcast over the channels of G.
    /// </summary>
    private float[] GuidedProduct(float[] pixelMap, float[] cam, int h, int w)
    {
        using var scope = torch.NewDisposeScope();
        var up = torch.nn.functional.interpolate(torch.tensor(cam, [1, 1, h, w]), [InputHeight, InputWidth],
            mode: torch.InterpolationMode.Bilinear, align_corners: false);
        float max = up.max().item<float>();
        if (!(max > 0f)) return new float[pixelMap.Length];
        return ToArray(torch.tensor(pixelMap, [Channels, InputHeight, InputWidth]) * KeptScalars.Div(up[0], max));
    }

    /// <summary>
    /// Smooth Grad-CAM++'s averages over the noisy copies x + ε_s (Omeiza et al. 2019, Eq. 6–7): of
    /// the target maps A and of g, g², g³, per image and class round. As in the authors' code each
    /// copy's own activations enter the average and the clean input is not one of the copies.
    /// </summary>
    private (float[] A, float[] G1, float[] G2, float[] G3)[][] SmoothMoments(GraphPlan plan, float[] batch,
        IReadOnlyList<IReadOnlyList<int>> classes, SmoothOptions o)
    {
        int n = classes.Count, plane = ShapeUtil.Size(TargetShape), rounds = classes.Max(c => c.Count);
        int samples = o.Noise?.Count ?? o.Samples;
        if (samples < 1) throw new ExplanationException("Smooth Grad-CAM++ needs at least one sample");
        if (o.Noise is not null && o.Noise.Any(e => e.Length != InputLength))
            throw new ExplanationException($"Smooth Grad-CAM++ noise tensors must hold {InputLength} values");
        var sumA = new double[n * plane];
        var sums = Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, rounds)
            .Select(_ => (new double[plane], new double[plane], new double[plane])).ToArray()).ToArray();
        var sigma = Enumerable.Range(0, n).Select(i =>
        {
            var x = batch.AsSpan(i * InputLength, InputLength);
            return o.Spread * (System.Numerics.Tensors.TensorPrimitives.Max(x) - System.Numerics.Tensors.TensorPrimitives.Min(x));
        }).ToArray();
        var random = new Random(o.Seed);
        for (int s = 0; s < samples; s++)
        {
            var noisy = new float[batch.Length];
            for (int i = 0; i < n; i++)
            for (int p = 0; p < InputLength; p++)
            {
                int idx = i * InputLength + p;
                noisy[idx] = batch[idx] + (o.Noise is not null ? o.Noise[s][p] : sigma[i] * Gaussian(random));
            }
            using var scope = torch.NewDisposeScope();
            var state = plan.Forward(Input(noisy, n).requires_grad_(true), recording: true, _targetSlot);
            var output = state.Values[plan.OutputSlot]!;
            var target = state.Values[_targetSlot]!;
            var a = ToArray(TargetMaps(target));
            for (int p = 0; p < a.Length; p++) sumA[p] += a[p];
            for (int r = 0; r < rounds; r++)
            {
                var g = ToArray(TargetMaps(Gradients(state, ReluBackwardMode.Normal, output, Seed(plan, n, classes, r), [target])[0]));
                for (int i = 0; i < n; i++)
                {
                    if (r >= classes[i].Count) continue;
                    var (s1, s2, s3) = sums[i][r];
                    for (int p = 0; p < plane; p++)
                    {
                        double v = g[i * plane + p];
                        s1[p] += v; s2[p] += v * v; s3[p] += v * v * v;
                    }
                }
            }
        }
        float[] Mean(ReadOnlySpan<double> sum)
        {
            var m = new float[sum.Length];
            for (int p = 0; p < m.Length; p++) m[p] = (float)(sum[p] / samples);
            return m;
        }
        return sums.Select((perImage, i) => perImage
            .Select(t => (Mean(sumA.AsSpan(i * plane, plane)), Mean(t.Item1), Mean(t.Item2), Mean(t.Item3))).ToArray()).ToArray();
    }

    private static float Gaussian(Random random)
    {
        // Box–Muller; 1 − U keeps the logarithm's argument in (0, 1].
        double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
        return (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2));
    }

    /// <summary>The GAP → linear head after the target layer, needed by CAM; a clear error when absent.</summary>
    private GemmLayer CamHead(GraphPlan plan)
    {
        var consumers = new Dictionary<int, List<Layer>>();
        foreach (var l in plan.Layers)
            foreach (var o in l.Operands.Where(o => o.IsRuntime))
                (consumers.TryGetValue(o.Slot, out var list) ? list : consumers[o.Slot] = []).Add(l);
        Layer? Next(int slot) => consumers.TryGetValue(slot, out var l) && l.Count == 1 ? l[0] : null;

        var fail = new ExplanationException(
            $"CAM needs the target layer '{TargetLayer}' to feed GlobalAveragePool and then one linear layer (Gemm/MatMul) that produces the logits");
        var layer = Next(_targetSlot);
        if (layer is not GlobalAveragePoolLayer) throw fail;
        layer = Next(layer.Output);
        while (layer is ViewLayer) layer = Next(layer.Output);
        if (layer is not GemmLayer gemm || gemm.Features != TargetShape[0]) throw fail;
        var after = Next(gemm.Output);
        while (after is ViewLayer) after = Next(after.Output);
        bool producesLogits = gemm.Output == plan.OutputSlot
            || (after is not null && after.Output == plan.OutputSlot && (after is ViewLayer
                || (after is BinaryLayer { Op: "Add" } add && add.Operands.Count(op => !op.IsRuntime) == 1)));
        return producesLogits ? gemm : throw fail;
    }

    /// <summary>∂y/∂logits for one class round: 1 at (i, classes[i][round]), so each image back-propagates its own y^c.</summary>
    private static TorchTensor Seed(GraphPlan plan, int n, IReadOnlyList<IReadOnlyList<int>> classes, int round)
    {
        var shape = plan.SlotShape(plan.OutputSlot);
        var seed = new float[ShapeUtil.Size(shape)];
        for (int i = 0; i < n; i++)
            if (round < classes[i].Count) seed[i * (seed.Length / n) + classes[i][round]] = 1f;
        return torch.tensor(seed, shape.Select(d => (long)d).ToArray());
    }

    private int CheckBatch(IReadOnlyList<float[]> images)
    {
        if (images.Count == 0) throw new ExplanationException("no images");
        foreach (var image in images)
            if (image.Length != InputLength)
                throw new ExplanationException($"input has {image.Length} values; the model expects {Channels}×{InputHeight}×{InputWidth} = {InputLength}");
        return images.Count;
    }

    private TorchTensor Input(IReadOnlyList<float[]> images) => Input(Concat(images), images.Count);

    private TorchTensor Input(float[] batch, int n) => torch.tensor(batch, [n, Channels, InputHeight, InputWidth]);

    /// <summary>A copy of a tensor's values, row-major.</summary>
    private static float[] ToArray(TorchTensor t) => t.detach().contiguous().data<float>().ToArray();

    private static float[] Concat(IReadOnlyList<float[]> images)
    {
        if (images.Count == 1) return (float[])images[0].Clone();
        var batch = new float[images.Sum(i => i.Length)];
        int offset = 0;
        foreach (var image in images) { image.CopyTo(batch, offset); offset += image.Length; }
        return batch;
    }

    private static float[][] Split(float[] data, int n)
    {
        int per = data.Length / n;
        return Enumerable.Range(0, n).Select(i => data.AsSpan(i * per, per).ToArray()).ToArray();
    }

    /// <summary>Frees the libtorch views of the weights and the cached plans.</summary>
    public void Dispose()
    {
        foreach (var plan in _plans.Values.Where(p => p.IsValueCreated)) plan.Value.DisposeConstants();
        foreach (var t in _model.Initializers.Values) t.DisposeTorch();
        _plans.Clear();
    }
}

/// <summary>
/// Progress of a slow method on one (image, class) of an <c>Explain</c> call (<paramref name="Image"/>
/// indexes its images): <paramref name="Done"/> of its <paramref name="Total"/> model evaluations —
/// the masked or ablated forward passes of Score-CAM and Ablation-CAM, the path points, noisy copies,
/// occluded or masked inputs of the pixel attributions.
/// </summary>
public sealed record ExplainProgress(string Method, int Image, int ClassIndex, int Done, int Total);
