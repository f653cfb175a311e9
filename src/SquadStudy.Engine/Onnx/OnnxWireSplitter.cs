using Google.Protobuf;
using SquadStudy.Engine.Onnx.Proto;

namespace SquadStudy.Engine.Onnx;

/// <summary>Where an initializer's raw_data lies in the model stream.</summary>
internal readonly record struct RawDataRef(long Offset, long Length);

/// <summary>
/// Parses a ModelProto from a stream without ever holding the weights twice: a scan of the
/// protobuf wire format (https://protobuf.dev/programming-guides/encoding/) finds each
/// initializer's raw_data and leaves it in the stream; everything else (small: nodes, shapes,
/// attributes) is copied out and parsed by the generated code. <see cref="OnnxReader"/> then reads
/// each weight straight into its float[] once its declared size has been checked against the
/// length found here. Peak memory while loading is therefore about the weights' size, not three times it.
/// </summary>
internal static class OnnxWireSplitter
{
    private const int ModelGraph = 7;
    private const int GraphInitializer = 5;
    private const int TensorRawData = 9;

    public static (ModelProto Model, Dictionary<TensorProto, RawDataRef> Raw) Parse(Stream stream)
    {
        var raw = new Dictionary<TensorProto, RawDataRef>(ReferenceEqualityComparer.Instance);
        var modelRest = new MemoryStream();
        var graphRest = new MemoryStream();
        var initializers = new List<TensorProto>();
        bool hasGraph = false;

        foreach (var f in Fields(stream, 0, stream.Length))
        {
            if (f.Number == ModelGraph && f.WireType == 2)
            {
                hasGraph = true;
                foreach (var g in Fields(stream, f.ValueStart, f.End))
                {
                    if (g.Number == GraphInitializer && g.WireType == 2)
                    {
                        var tensorRest = new MemoryStream();
                        RawDataRef? rawRef = null;
                        foreach (var t in Fields(stream, g.ValueStart, g.End))
                        {
                            if (t.Number == TensorRawData && t.WireType == 2) rawRef = new RawDataRef(t.ValueStart, t.End - t.ValueStart);
                            else Copy(stream, t, tensorRest);
                        }
                        var tensor = TensorProto.Parser.ParseFrom(tensorRest.ToArray());
                        if (rawRef is RawDataRef r) raw[tensor] = r;
                        initializers.Add(tensor);
                    }
                    else Copy(stream, g, graphRest);
                }
            }
            else Copy(stream, f, modelRest);
        }

        var model = ModelProto.Parser.ParseFrom(modelRest.ToArray());
        if (hasGraph)
        {
            model.Graph = GraphProto.Parser.ParseFrom(graphRest.ToArray());
            model.Graph.Initializer.Add(initializers);
        }
        return (model, raw);
    }

    /// <summary>One field: its tag's position, its value's start and its end (exclusive).</summary>
    private readonly record struct Field(int Number, int WireType, long Start, long ValueStart, long End);

    private static IEnumerable<Field> Fields(Stream s, long start, long end)
    {
        long position = start;
        while (position < end)
        {
            s.Position = position;
            ulong tag = ReadVarint(s, end);
            int number = (int)Math.Min(tag >> 3, int.MaxValue), wire = (int)(tag & 7);
            if (number == 0) throw new WireFormatException("field number 0");
            long valueStart = s.Position, valueEnd;
            switch (wire)
            {
                case 0: ReadVarint(s, end); valueEnd = s.Position; break;
                case 1: valueEnd = valueStart + 8; break;
                case 5: valueEnd = valueStart + 4; break;
                case 2:
                    ulong length = ReadVarint(s, end);
                    valueStart = s.Position;
                    if (length > (ulong)(end - valueStart)) throw new WireFormatException($"a field of {length} bytes runs past its message (truncated file?)");
                    valueEnd = valueStart + (long)length;
                    break;
                default: throw new WireFormatException($"wire type {wire} (groups are not used by ONNX)");
            }
            if (valueEnd > end) throw new WireFormatException("a field runs past its message (truncated file?)");
            yield return new Field(number, wire, position, valueStart, valueEnd);
            position = valueEnd;
        }
    }

    private static ulong ReadVarint(Stream s, long end)
    {
        ulong value = 0;
        for (int shift = 0; shift < 70; shift += 7)
        {
            if (s.Position >= end) throw new WireFormatException("truncated varint (truncated file?)");
            int b = s.ReadByte();
            if (b < 0) throw new WireFormatException("truncated varint (truncated file?)");
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return value;
        }
        throw new WireFormatException("malformed varint");
    }

    private static void Copy(Stream s, Field f, MemoryStream destination)
    {
        s.Position = f.Start;
        var buffer = new byte[f.End - f.Start];
        s.ReadExactly(buffer);
        destination.Write(buffer);
    }
}

/// <summary>The bytes are not well-formed protobuf.</summary>
internal sealed class WireFormatException(string message) : Exception(message);
