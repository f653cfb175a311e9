using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Google.Protobuf;
using SquadStudy.Engine.Onnx.Proto;
using SquadStudy.Engine.Tensors;

namespace SquadStudy.Engine.Onnx;

/// <summary>
/// Reads an ONNX file into an <see cref="OnnxModel"/>, rejecting anything the engine can not run
/// with a <see cref="ModelLoadException"/> that names the problem. Sizes are checked before any
/// allocation: a tensor's element count must match the bytes actually present in the file, so a
/// file can not make the reader allocate much more than its own size.
/// </summary>
internal static class OnnxReader
{
    /// <summary>Oldest and newest default-domain opset accepted (the operators used behave the same across them).</summary>
    public const int MinOpset = 11;
    public const int MaxOpset = 21;

    /// <summary>Largest dimension accepted anywhere (a sanity bound, far above any real CNN).</summary>
    public const long MaxDimension = 1 << 24;

    public static OnnxModel Read(byte[] bytes, string source) => Read(new MemoryStream(bytes, writable: false), source);

    /// <summary>Reads a seekable stream; weights go from the stream straight into their arrays.</summary>
    public static OnnxModel Read(Stream stream, string source)
    {
        try
        {
            return ReadUnchecked(stream, source);
        }
        catch (ModelLoadException e) when (!e.Message.StartsWith(source + ":", StringComparison.Ordinal))
        {
            throw new ModelLoadException($"{source}: {e.Message}", e);
        }
    }

    private static OnnxModel ReadUnchecked(Stream stream, string source)
    {
        ModelProto proto;
        Dictionary<TensorProto, RawDataRef> raw;
        try
        {
            (proto, raw) = OnnxWireSplitter.Parse(stream);
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or WireFormatException)
        {
            throw new ModelLoadException($"{source}: not a valid ONNX file (protobuf: {e.Message})", e);
        }

        if (proto.Graph is null || proto.Graph.Node.Count == 0)
            throw new ModelLoadException($"{source}: the ONNX file has no graph (is it an ONNX model?)");

        int opset = ReadOpset(proto, source);
        var graph = proto.Graph;

        var initializers = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var t in graph.Initializer)
        {
            if (t.Name.Length == 0) throw new ModelLoadException($"{source}: an initializer has no name");
            if (!initializers.TryAdd(t.Name, ReadTensor(t, $"initializer '{t.Name}'", raw.TryGetValue(t, out var r) ? (stream, r) : null)))
                throw new ModelLoadException($"{source}: initializer '{t.Name}' is defined twice");
        }

        // Operators first: "LSTM is not supported" says more than what it does to the input shape.
        foreach (var (n, i) in graph.Node.Select((n, i) => (n, i)))
            if (!Graph.LayerFactory.Supported.Contains(n.OpType) && n.OpType is not ("Softmax" or "LogSoftmax"))
                throw new ModelLoadException(
                    $"{n.OpType} node '{(n.Name.Length > 0 ? n.Name : i.ToString())}': operator '{n.OpType}' is not supported (supported: {string.Join(", ", Graph.LayerFactory.Supported.Order())})");

        var realInputs = graph.Input.Where(i => !initializers.ContainsKey(i.Name)).ToList();
        if (realInputs.Count != 1)
            throw new ModelLoadException(
                $"{source}: the graph must have exactly one image input, found {realInputs.Count} ({string.Join(", ", realInputs.Select(i => i.Name))})");
        var input = ReadInput(realInputs[0], source);

        if (graph.Output.Count == 0) throw new ModelLoadException($"{source}: the graph has no output");
        string output = graph.Output[0].Name;

        var nodes = graph.Node.Select((n, i) => ReadNode(n, i)).ToList();
        var sorted = TopologicalSort(nodes, initializers, input.Name, output, source);
        return new OnnxModel
        {
            Opset = opset,
            Nodes = sorted,
            Initializers = initializers,
            Input = input,
            Output = output,
        };
    }

    private static int ReadOpset(ModelProto proto, string source)
    {
        long opset = -1;
        foreach (var o in proto.OpsetImport)
            if (o.Domain is "" or "ai.onnx") opset = o.Version;
        if (opset < 0) throw new ModelLoadException($"{source}: the model declares no default-domain opset");
        if (opset < MinOpset || opset > MaxOpset)
            throw new ModelLoadException($"{source}: opset {opset} is not supported (supported: {MinOpset}–{MaxOpset})");
        return (int)opset;
    }

    private static OnnxInput ReadInput(ValueInfoProto info, string source)
    {
        var tensorType = info.Type?.TensorType
            ?? throw new ModelLoadException($"{source}: graph input '{info.Name}' is not a tensor");
        if (tensorType.ElemType != (int)TensorProto.Types.DataType.Float)
            throw new ModelLoadException(
                $"{source}: graph input '{info.Name}' has element type {DataTypeName(tensorType.ElemType)}; only FLOAT inputs are supported");
        var dims = tensorType.Shape?.Dim ?? [];
        var shape = new long[dims.Count];
        for (int i = 0; i < shape.Length; i++)
        {
            var d = dims[i];
            long v = d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue ? d.DimValue : -1;
            if (v == 0 || v > MaxDimension)
                throw new ModelLoadException($"{source}: graph input '{info.Name}' has an invalid dimension {v}");
            shape[i] = v;
        }
        if (shape.Length != 4)
            throw new ModelLoadException(
                $"{source}: graph input '{info.Name}' has rank {shape.Length}; an image classifier takes N×C×H×W");
        return new OnnxInput(info.Name, shape);
    }

    private static OnnxNode ReadNode(NodeProto n, int index)
    {
        string label = $"{n.OpType} node '{(n.Name.Length > 0 ? n.Name : index.ToString())}'";
        if (n.Domain is not ("" or "ai.onnx"))
            throw new ModelLoadException($"{label}: operator domain '{n.Domain}' is not supported");
        var attributes = new Dictionary<string, OnnxAttribute>(StringComparer.Ordinal);
        foreach (var a in n.Attribute)
        {
            var attribute = new OnnxAttribute
            {
                Name = a.Name,
                F = a.F,
                I = a.I,
                S = a.S.ToStringUtf8(),
                T = a.T is null ? null : ReadTensor(a.T, $"{label} attribute '{a.Name}'"),
                Floats = a.Floats.ToArray(),
                Ints = a.Ints.ToArray(),
            };
            attributes[a.Name] = attribute;
        }
        return new OnnxNode
        {
            Name = n.Name,
            OpType = n.OpType,
            Inputs = n.Input.ToArray(),
            Outputs = n.Output.ToArray(),
            Attributes = attributes,
        };
    }

    /// <summary>
    /// Kahn's algorithm. ONNX requires nodes in topological order, but sorting costs nothing and
    /// also finds the two structural faults a hostile file can hold: a cycle and a dangling input.
    /// </summary>
    private static List<OnnxNode> TopologicalSort(List<OnnxNode> nodes, Dictionary<string, Tensor> initializers,
        string inputName, string outputName, string source)
    {
        var producer = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < nodes.Count; i++)
        {
            foreach (var o in nodes[i].Outputs)
            {
                if (o.Length == 0) continue;
                if (o == inputName || initializers.ContainsKey(o) || !producer.TryAdd(o, i))
                    throw new ModelLoadException($"{source}: tensor '{o}' is produced twice ({nodes[i].Label})");
            }
        }

        var pending = new int[nodes.Count];
        var consumers = new List<int>[nodes.Count];
        for (int i = 0; i < nodes.Count; i++) consumers[i] = [];
        for (int i = 0; i < nodes.Count; i++)
        {
            foreach (var name in nodes[i].Inputs.Distinct())
            {
                if (name.Length == 0 || name == inputName || initializers.ContainsKey(name)) continue;
                if (!producer.TryGetValue(name, out int p))
                    throw new ModelLoadException(
                        $"{source}: {nodes[i].Label} reads tensor '{name}', which no node, initializer or input provides");
                pending[i]++;
                consumers[p].Add(i);
            }
        }
        if (!producer.ContainsKey(outputName) && outputName != inputName)
            throw new ModelLoadException($"{source}: graph output '{outputName}' is not produced by any node");

        var ready = new Queue<int>();
        for (int i = 0; i < nodes.Count; i++) if (pending[i] == 0) ready.Enqueue(i);
        var order = new List<OnnxNode>(nodes.Count);
        while (ready.Count > 0)
        {
            int i = ready.Dequeue();
            order.Add(nodes[i]);
            foreach (var c in consumers[i]) if (--pending[c] == 0) ready.Enqueue(c);
        }
        if (order.Count != nodes.Count)
        {
            var stuck = nodes.Where((_, i) => pending[i] > 0).First();
            throw new ModelLoadException($"{source}: the graph has a cycle through {stuck.Label}");
        }
        return order;
    }

    /// <summary>
    /// Converts a TensorProto, its raw data either inline or at <paramref name="external"/> in a stream.
    /// The declared element count is checked against the bytes present before anything is allocated.
    /// </summary>
    internal static Tensor ReadTensor(TensorProto t, string what, (Stream Stream, RawDataRef Ref)? external = null)
    {
        if (t.DataLocation != 0 || t.ExternalData.Count > 0)
            throw new ModelLoadException($"{what}: external tensor data is not supported; save the model with its weights inside the .onnx file");
        var shape = new int[t.Dims.Count];
        for (int i = 0; i < shape.Length; i++)
        {
            long d = t.Dims[i];
            if (d < 0 || d > MaxDimension)
                throw new ModelLoadException($"{what}: dimension {i} is {d}, outside 0..{MaxDimension}");
            shape[i] = (int)d;
        }
        long count = ShapeUtil.SizeOrMinusOne(t.Dims.ToArray(), int.MaxValue);
        if (count < 0)
            throw new ModelLoadException($"{what}: declared shape [{string.Join("×", t.Dims)}] is too large");

        var type = (TensorProto.Types.DataType)t.DataType;
        long rawLength = external?.Ref.Length ?? t.RawData.Length;
        switch (type)
        {
            case TensorProto.Types.DataType.Float:
            {
                long have = rawLength > 0 ? rawLength / 4 : t.FloatData.Count;
                if ((rawLength > 0 && rawLength % 4 != 0) || have != count)
                    throw new ModelLoadException(
                        $"{what}: declared shape [{string.Join("×", t.Dims)}] needs {count} floats but the file holds {have}");
                var data = new float[count];
                if (external is var (stream, at) && rawLength > 0)
                {
                    stream.Position = at.Offset;
                    stream.ReadExactly(MemoryMarshal.AsBytes(data.AsSpan()));
                    if (!BitConverter.IsLittleEndian)
                    {
                        var bits = MemoryMarshal.Cast<float, int>(data.AsSpan());
                        BinaryPrimitives.ReverseEndianness(bits, bits);
                    }
                }
                else if (rawLength > 0)
                {
                    var raw = t.RawData.Span;
                    if (BitConverter.IsLittleEndian) MemoryMarshal.Cast<byte, float>(raw).CopyTo(data);
                    else for (int i = 0; i < data.Length; i++) data[i] = BinaryPrimitives.ReadSingleLittleEndian(raw[(4 * i)..]);
                }
                else t.FloatData.CopyTo(data, 0);
                return new Tensor(shape, data);
            }
            case TensorProto.Types.DataType.Int64:
            case TensorProto.Types.DataType.Int32:
            {
                int size = type == TensorProto.Types.DataType.Int64 ? 8 : 4;
                long have = rawLength > 0 ? rawLength / size
                    : type == TensorProto.Types.DataType.Int64 ? t.Int64Data.Count : t.Int32Data.Count;
                if ((rawLength > 0 && rawLength % size != 0) || have != count)
                    throw new ModelLoadException(
                        $"{what}: declared shape [{string.Join("×", t.Dims)}] needs {count} values but the file holds {have}");
                var data = new long[count];
                byte[] rawBytes = t.RawData.ToByteArray();
                if (external is var (stream, at) && rawLength > 0)
                {
                    rawBytes = new byte[rawLength];
                    stream.Position = at.Offset;
                    stream.ReadExactly(rawBytes);
                }
                var raw = rawBytes.AsSpan();
                for (int i = 0; i < count; i++)
                {
                    data[i] = raw.Length > 0
                        ? size == 8 ? BinaryPrimitives.ReadInt64LittleEndian(raw[(8 * i)..]) : BinaryPrimitives.ReadInt32LittleEndian(raw[(4 * i)..])
                        : size == 8 ? t.Int64Data[i] : t.Int32Data[i];
                }
                return new Tensor(shape, data);
            }
            default:
                throw new ModelLoadException(
                    $"{what}: data type {DataTypeName(t.DataType)} is not supported (FLOAT, INT64 and INT32 are)");
        }
    }

    private static string DataTypeName(int type) =>
        Enum.IsDefined(typeof(TensorProto.Types.DataType), type)
            ? ((TensorProto.Types.DataType)type).ToString().ToUpperInvariant()
            : $"#{type}";
}
