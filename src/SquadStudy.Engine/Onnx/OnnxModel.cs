using SquadStudy.Engine.Tensors;

namespace SquadStudy.Engine.Onnx;

/// <summary>An ONNX attribute reduced to the kinds the supported operators use.</summary>
internal sealed class OnnxAttribute
{
    public required string Name { get; init; }
    public float F { get; init; }
    public long I { get; init; }
    public string S { get; init; } = "";
    public Tensor? T { get; init; }
    public float[] Floats { get; init; } = [];
    public long[] Ints { get; init; } = [];
}

/// <summary>One ONNX node; empty input names (optional inputs left out) are kept as "".</summary>
internal sealed class OnnxNode
{
    public required string Name { get; init; }
    public required string OpType { get; init; }
    public required string[] Inputs { get; set; }
    public required string[] Outputs { get; set; }
    public required Dictionary<string, OnnxAttribute> Attributes { get; init; }

    /// <summary>How error messages name this node: op type plus node name or first output.</summary>
    public string Label => $"{OpType} node '{(Name.Length > 0 ? Name : Outputs.FirstOrDefault() ?? "?")}'";

    public long Int(string name, long fallback) => Attributes.TryGetValue(name, out var a) ? a.I : fallback;

    public float Float(string name, float fallback) => Attributes.TryGetValue(name, out var a) ? a.F : fallback;

    public string Str(string name, string fallback) => Attributes.TryGetValue(name, out var a) ? a.S : fallback;

    public long[]? Ints(string name) => Attributes.TryGetValue(name, out var a) ? a.Ints : null;

    public bool Has(string name) => Attributes.ContainsKey(name);

    /// <summary>The input at <paramref name="index"/>, or "" when absent.</summary>
    public string Input(int index) => index < Inputs.Length ? Inputs[index] : "";
}

/// <summary>A graph input: its name and declared shape (-1 for a symbolic dimension).</summary>
internal sealed record OnnxInput(string Name, long[] Shape);

/// <summary>
/// A validated ONNX graph: nodes in topological order, every node input produced by an
/// initializer, a graph input or an earlier node.
/// </summary>
internal sealed class OnnxModel
{
    public required int Opset { get; init; }
    public required List<OnnxNode> Nodes { get; set; }
    public required Dictionary<string, Tensor> Initializers { get; init; }
    public required OnnxInput Input { get; init; }
    public required string Output { get; set; }
}
