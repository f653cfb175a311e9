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
        plan._lastUse = new int[plan.SlotCount];
        Array.Fill(plan._lastUse, -1);
        foreach (var layer in plan._layers)
            foreach (var o in layer.Operands)
                if (o.IsRuntime) plan._lastUse[o.Slot] = layer.Index;
        return plan;
    }

    /// <summary>For each slot, the index of the last layer that reads it (-1: none).</summary>
    private int[] _lastUse = [];

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

    /// <summary>Frees the libtorch views of every constant the layers read.</summary>
    public void DisposeConstants()
    {
        foreach (var layer in _layers)
        {
            foreach (var o in layer.Operands) o.Constant?.DisposeTorch();
            foreach (var t in layer.OwnedConstants) t.DisposeTorch();
        }
    }

    /// <summary>
    /// Runs every layer on <paramref name="input"/> (N×C×H×W). With <paramref name="recording"/>
    /// autograd records the pass (the input must require gradients) and the ReLUs take the
    /// state's switchable backward rule; otherwise the caller runs it under no_grad (not inference
    /// mode: the weights, made on first use, must stay usable by autograd). The returned state holds
    /// the input, the output and the <paramref name="keep"/> slots, in the caller's dispose scope;
    /// every other activation is released as soon as its last reader has run (autograd keeps what
    /// its backward passes need), so a pass holds about the live activations, not all of them.
    /// </summary>
    public ExecutionState Forward(TorchSharp.torch.Tensor input, bool recording, params ReadOnlySpan<int> keep) =>
        Forward(input, recording, null, keep);

    /// <summary>
    /// <see cref="Forward(TorchSharp.torch.Tensor, bool, ReadOnlySpan{int})"/> with one activation
    /// replaced: <paramref name="substitute"/>'s slot takes the value its function makes of the
    /// layer's output, and the pass continues from there (Ablation-CAM's ablated target maps).
    /// </summary>
    public ExecutionState Forward(TorchSharp.torch.Tensor input, bool recording, ActivationSubstitute? substitute, params ReadOnlySpan<int> keep)
    {
        var state = new ExecutionState(SlotCount, recording);
        state.Values[InputSlot] = input;
        var kept = new bool[SlotCount];
        kept[InputSlot] = kept[OutputSlot] = true;
        foreach (var slot in keep) kept[slot] = true;
        foreach (var layer in _layers)
        {
            var y = layer.Forward(state);
            // A layer that hands an operand's handle through gets its own, so releasing the operand keeps it.
            foreach (var o in layer.Operands)
                if (o.IsRuntime && ReferenceEquals(state.Values[o.Slot], y)) y = y.alias();
            if (!y.shape.Select(d => (int)d).SequenceEqual(layer.OutputShape))
                throw new InvalidOperationException(
                    $"{layer.Label}: libtorch produced {ShapeUtil.Format(y.shape.Select(d => (int)d).ToArray())}, the plan {ShapeUtil.Format(layer.OutputShape)}");
            if (substitute is not null && layer.Output == substitute.Slot) y = substitute.Replace(y);
            state.Values[layer.Output] = y;
            foreach (var o in layer.Operands)
                if (o.IsRuntime && !kept[o.Slot] && _lastUse[o.Slot] == layer.Index && state.Values[o.Slot] is { } done)
                {
                    state.Values[o.Slot] = null;
                    state.Released[o.Slot] = true;
                    done.Dispose();
                }
        }
        return state;
    }
}

/// <summary>The value of <paramref name="Slot"/> in a forward pass: <paramref name="Replace"/> of what its layer computed.</summary>
internal sealed record ActivationSubstitute(int Slot, Func<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor> Replace);
