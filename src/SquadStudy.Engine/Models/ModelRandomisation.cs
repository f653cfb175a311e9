using SquadStudy.Engine.Explainers;
using SquadStudy.Engine.Onnx;
using SquadStudy.Engine.Tensors;

namespace SquadStudy.Engine.Models;

public sealed partial class ExplanationModel
{
    /// <summary>
    /// The layers the model-randomisation sanity check re-initialises, from the logits downwards:
    /// the Conv, ConvTranspose, Gemm and MatMul nodes with a constant weight, in reverse graph order,
    /// named by their output. A Conv that absorbed a BatchNormalization counts as one layer.
    /// </summary>
    public IReadOnlyList<string> ParameterLayers => ParameterNodes().Select(n => n.Outputs[0]).ToArray();

    private List<OnnxNode> ParameterNodes() =>
        Enumerable.Reverse(_model.Nodes)
            .Where(n => n.OpType is "Conv" or "ConvTranspose" or "Gemm" or "MatMul" && ConstantInputs(n).Any())
            .ToList();

    private IEnumerable<string> ConstantInputs(OnnxNode node) =>
        node.Inputs.Where(i => i.Length > 0 && _model.Initializers.TryGetValue(i, out var t) && !t.IsInt64 && t.Length > 0);

    /// <summary>A copy of this model sharing its graph and every weight but those in <paramref name="replaced"/>.</summary>
    private ExplanationModel WithInitializers(IReadOnlyDictionary<string, Tensor> replaced)
    {
        var initializers = new Dictionary<string, Tensor>(_model.Initializers, StringComparer.Ordinal);
        foreach (var (name, tensor) in replaced)
        {
            initializers[name] = tensor;
        }

        var model = new OnnxModel { Opset = _model.Opset, Nodes = [.. _model.Nodes], Initializers = initializers, Input = _model.Input, Output = _model.Output };
        return new ExplanationModel(model, Channels, InputHeight, InputWidth, Mean, Std, TargetLayer, _maxActivationFloats * 4);
    }

    /// <summary>
    /// The cascading randomisation of Adebayo et al. 2018 ("Sanity Checks for Saliency Maps", §3.1):
    /// model i (0-based) has the top i + 1 <see cref="ParameterLayers"/> re-initialised, so each step
    /// keeps the previous steps' random weights and re-initialises one more layer. Every constant
    /// input of a re-initialised layer (weight and bias) is redrawn from N(0, s²), s the standard
    /// deviation of the trained values it replaces (zeros where s = 0), so activations keep their
    /// scale and the randomised network neither saturates nor dies; the generator of layer k is
    /// <c>new Random(seed·7919 + k)</c>, so a layer's random weights depend only on the seed and its
    /// position. <paramref name="depth"/> is clamped to the number of layers.
    /// </summary>
    /// <remarks>The models share this model's other weights: dispose the cascade before this model.</remarks>
    public RandomisationCascade RandomiseCascading(int depth, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(depth);
        var nodes = ParameterNodes();
        if (nodes.Count == 0)
        {
            throw new ExplanationException("the model has no Conv, Gemm or MatMul layer with constant weights to re-initialise");
        }

        var replaced = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var models = new List<ExplanationModel>();
        try
        {
            for (var k = 0; k < Math.Min(depth, nodes.Count); k++)
            {
                var random = new Random(unchecked(seed * 7919 + k));
                foreach (var name in ConstantInputs(nodes[k]).Where(n => !replaced.ContainsKey(n)))
                {
                    replaced[name] = Redraw(_model.Initializers[name], random);
                }

                models.Add(WithInitializers(replaced));
            }
        }
        catch
        {
            foreach (var m in models)
            {
                m.Dispose();
            }

            throw;
        }

        return new RandomisationCascade(nodes.Take(models.Count).Select(n => n.Outputs[0]).ToArray(), models);
    }

    private static Tensor Redraw(Tensor trained, Random random)
    {
        double mean = 0, square = 0;
        foreach (var v in trained.Data)
        {
            mean += v;
        }

        mean /= trained.Length;
        foreach (var v in trained.Data)
        {
            square += (v - mean) * (v - mean);
        }

        var sd = Math.Sqrt(square / trained.Length);
        var data = new float[trained.Length];
        if (sd > 0)
        {
            for (var i = 0; i < data.Length; i++)
            {
                data[i] = (float)(sd * Gaussian(random));
            }
        }

        return new Tensor(trained.Shape, data);
    }
}

/// <summary>
/// The models of a cascading randomisation: <see cref="Models"/>[i] has <see cref="Layers"/>[0..i]
/// re-initialised. They share weights with the trained model and with each other, so they are
/// disposed together, before the trained model.
/// </summary>
public sealed class RandomisationCascade : IDisposable
{
    internal RandomisationCascade(IReadOnlyList<string> layers, IReadOnlyList<ExplanationModel> models)
    {
        Layers = layers;
        Models = models;
    }

    /// <summary>The layer re-initialised at each step, from the logits downwards.</summary>
    public IReadOnlyList<string> Layers { get; }

    public IReadOnlyList<ExplanationModel> Models { get; }

    public void Dispose()
    {
        foreach (var model in Models)
        {
            model.Dispose();
        }
    }
}
