using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace SquadStudy.Engine.Tensors;

/// <summary>
/// NumPy .npy files (format version 1.0/2.0, https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html)
/// holding little-endian float32 (or float64, converted) in C order.
/// </summary>
public static partial class Npy
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Serialises a float32 array of the given shape.</summary>
    public static byte[] Write(ReadOnlySpan<float> data, ReadOnlySpan<int> shape)
    {
        long count = 1;
        foreach (var d in shape) count *= d;
        if (count != data.Length) throw new ArgumentException($"Shape does not hold {data.Length} elements.");
        string dims = shape.Length == 1 ? $"{shape[0]}," : string.Join(", ", shape.ToArray());
        string header = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({dims}), }}";
        int unpadded = Magic.Length + 2 + 2 + header.Length + 1;
        header = header.PadRight(header.Length + (64 - unpadded % 64) % 64) + "\n";
        var bytes = new byte[Magic.Length + 4 + header.Length + data.Length * 4];
        Magic.CopyTo(bytes, 0);
        bytes[6] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)header.Length);
        Encoding.ASCII.GetBytes(header, bytes.AsSpan(10));
        var body = bytes.AsSpan(10 + header.Length);
        for (int i = 0; i < data.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(body[(4 * i)..], data[i]);
        return bytes;
    }

    /// <summary>Reads a float32 or float64 array; returns its data and shape.</summary>
    public static (float[] Data, int[] Shape) Read(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 10 || !bytes[..6].SequenceEqual(Magic)) throw new FormatException("Not a .npy file.");
        int major = bytes[6];
        int headerLength = major == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(bytes[8..]) : (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]);
        int start = major == 1 ? 10 : 12;
        if (headerLength < 0 || start + headerLength > bytes.Length) throw new FormatException("Truncated .npy header.");
        string header = Encoding.ASCII.GetString(bytes.Slice(start, headerLength));
        var descr = DescrPattern().Match(header);
        var shapeMatch = ShapePattern().Match(header);
        if (!descr.Success || !shapeMatch.Success) throw new FormatException($"Unsupported .npy header: {header.Trim()}");
        if (header.Contains("'fortran_order': True")) throw new FormatException("Fortran-ordered .npy files are not supported.");
        var shape = shapeMatch.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        int count = ShapeUtil.Size(shape);
        var body = bytes[(start + headerLength)..];
        var data = new float[count];
        switch (descr.Groups[1].Value)
        {
            case "<f4":
                if (body.Length < count * 4) throw new FormatException("Truncated .npy data.");
                for (int i = 0; i < count; i++) data[i] = BinaryPrimitives.ReadSingleLittleEndian(body[(4 * i)..]);
                break;
            case "<f8":
                if (body.Length < count * 8) throw new FormatException("Truncated .npy data.");
                for (int i = 0; i < count; i++) data[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(body[(8 * i)..]);
                break;
            case "<i8":
                if (body.Length < count * 8) throw new FormatException("Truncated .npy data.");
                for (int i = 0; i < count; i++) data[i] = BinaryPrimitives.ReadInt64LittleEndian(body[(8 * i)..]);
                break;
            default:
                throw new FormatException($"Unsupported .npy dtype {descr.Groups[1].Value}.");
        }
        return (data, shape);
    }

    public static (float[] Data, int[] Shape) ReadFile(string path) => Read(File.ReadAllBytes(path));

    [GeneratedRegex(@"'descr':\s*'([^']+)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'shape':\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
