using SquadStudy.Engine.Kernels;
using SquadStudy.Engine.Onnx;
using SquadStudy.Engine.Tensors;

namespace SquadStudy.Engine.Graph;

/// <summary>
/// An ONNX graph bound to one concrete input shape: shape inference done, shape arithmetic folded
/// into constants, every runtime tensor given a slot. Immutable after <see cref="Build"/>, so one
/// plan serves concurrent forward and backward passes (each has its own <see cref="ExecutionState"/>).
/// </summary>
internal sealed class GraphPlan
{
    private readonly List<Layer> _layers = [];
    private readonly List<int[]> _slotShapes = [];
    private readonly List<string> _slotNames = [];
    private readonly Dictionary<string, int> _slotByName = new(StringComparer.Ordinal);
    private readonly List<Layer?> _producer = [];

    private GraphPlan() { }

    public IReadOnlyList<Layer> Layers => _layers;
    public int InputSlot => 0;
    public int OutputSlot { get; private set; }
    public int SlotCount => _slotShapes.Count;
    public int[] SlotShape(int slot) => _slotShapes[slot];
    public string SlotName(int slot) => _slotNames[slot];
    public Layer? Producer(int slot) => _producer[slot];
    public bool TryGetSlot(string name, out int slot) => _slotByName.TryGetValue(name, out slot);
    public double Flops => _layers.Sum(l => l.Flops);

    /// <summary>Names of every 4-D runtime tensor, in graph order (the candidates for a target layer).</summary>
    public IEnumerable<string> FourDimensionalTensors =>
        Enumerable.Range(0, SlotCount).Where(s => _slotShapes[s].Length == 4).Select(s => _slotNames[s]);

    /// <summary>Plans <paramref name="model"/> for an input of shape <paramref name="inputShape"/> (N×C×H×W).</summary>
    public static GraphPlan Build(OnnxModel model, int[] inputShape, long maxActivationFloats)
    {
        var plan = new GraphPlan();
        var constants = new Dictionary<string, Tensor>(model.Initializers, StringComparer.Ordinal);
        plan.AddSlot(model.Input.Name, inputShape, null);
        long totalFloats = ShapeUtil.Size(inputShape);

        foreach (var node in model.Nodes)
        {
            var inputs = new Operand?[node.Inputs.Length];
            for (int i = 0; i < inputs.Length; i++)
            {
                string name = node.Inputs[i];
                if (name.Length == 0) continue;
                if (constants.TryGetValue(name, out var c)) inputs[i] = Operand.Const(c);
                else if (plan._slotByName.TryGetValue(name, out int slot)) inputs[i] = Operand.Runtime(slot);
                else throw new ModelLoadException(
                    $"{node.Label} reads '{name}', a secondary output of another node, which the engine does not produce");
            }

            var ctx = new LayerFactory.Context(node, inputs, model.Opset, o => o.IsRuntime ? plan._slotShapes[o.Slot] : o.Constant!.Shape);
            object result;
            try
            {
                result = LayerFactory.Create(ctx);
            }
            catch (Exception e) when (e is ArgumentException or OverflowException)
            {
                throw new ModelLoadException($"{node.Label}: invalid attributes or shapes ({e.Message})", e);
            }

            string output = node.Outputs.Length > 0 ? node.Outputs[0] : "";
            if (output.Length == 0) throw new ModelLoadException($"{node.Label} has no output");
            if (result is Tensor folded)
            {
                constants[output] = folded;
                continue;
            }
            var layer = (Layer)result;
            long size = SizeOf(layer.OutputShape, node);
            totalFloats += size;
            if (totalFloats > maxActivationFloats)
                throw new ModelLoadException(
                    $"{node.Label}: the activations would need more than {maxActivationFloats * 4 / (1 << 20)} MB (output {ShapeUtil.Format(layer.OutputShape)})");
            layer.Index = plan._layers.Count;
            layer.Output = plan.AddSlot(output, layer.OutputShape, layer);
            plan._layers.Add(layer);
        }

        if (!plan._slotByName.TryGetValue(model.Output, out int outSlot))
            throw new ModelLoadException($"graph output '{model.Output}' is a constant, not computed from the input");
        var outShape = plan._slotShapes[outSlot];
        // A classifier's output is N×classes; any N×… output is read as flattened scores per image.
        if (outShape.Length < 2 || outShape[0] != inputShape[0])
            throw new ModelLoadException(
                $"graph output '{model.Output}' has shape {ShapeUtil.Format(outShape)}; a classifier's output must be N×classes");
        plan.OutputSlot = outSlot;
        return plan;
    }

    private static long SizeOf(int[] shape, OnnxNode node)
    {
        long n = 1;
        foreach (var d in shape)
        {
            if (d < 0) throw new ModelLoadException($"{node.Label}: negative output dimension in {ShapeUtil.Format(shape)}");
            n *= d;
            if (n > int.MaxValue) throw new ModelLoadException($"{node.Label}: output {ShapeUtil.Format(shape)} is too large");
        }
        return n;
    }

    private int AddSlot(string name, int[] shape, Layer? producer)
    {
        int slot = _slotShapes.Count;
        _slotShapes.Add(shape);
        _slotNames.Add(name);
        _slotByName[name] = slot;
        _producer.Add(producer);
        return slot;
    }

    /// <summary>Runs every layer; the state keeps all activations for later backward passes.</summary>
    public ExecutionState Forward(float[] input)
    {
        var state = new ExecutionState(SlotCount, _layers.Count);
        state.Values[InputSlot] = new Tensor(_slotShapes[InputSlot], input);
        foreach (var layer in _layers) state.Values[layer.Output] = layer.Forward(state);
        return state;
    }

    /// <summary>
    /// Back-propagates <paramref name="seed"/> (the gradient of the output slot) in reverse graph order.
    /// With <paramref name="stopSlot"/> ≥ 0 only the layers downstream of that slot run (enough for
    /// its gradient); otherwise the pass reaches the input. Returns the gradients of <paramref name="keep"/>.
    /// </summary>
    public Dictionary<int, Tensor> Backward(ExecutionState state, Tensor seed, ReluBackwardMode mode, int stopSlot, params int[] keep)
    {
        var wanted = new bool[SlotCount];
        if (stopSlot < 0) Array.Fill(wanted, true);
        else
        {
            wanted[stopSlot] = true;
            foreach (var layer in _layers)
                if (layer.Operands.Any(o => o.IsRuntime && wanted[o.Slot])) wanted[layer.Output] = true;
        }
        var keepSet = new HashSet<int>(keep);
        var sink = new GradientSink(SlotCount, wanted) { Seed = seed };
        sink.Grads[OutputSlot] = seed;
        for (int i = _layers.Count - 1; i >= 0; i--)
        {
            var layer = _layers[i];
            var dy = sink.Grads[layer.Output];
            if (dy is null || !wanted[layer.Output]) continue;
            if (layer.Output == stopSlot) continue;
            layer.Backward(state, dy, sink, mode);
            if (!keepSet.Contains(layer.Output)) sink.Drop(layer.Output);
        }
        var result = new Dictionary<int, Tensor>();
        foreach (var k in keep)
            result[k] = sink.Grads[k] ?? new Tensor(_slotShapes[k]);
        return result;
    }
}
