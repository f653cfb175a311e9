using System.Buffers;
using System.Text;

namespace SquadStudy.Web.Templates;

/// <summary>
/// A <see cref="TextWriter"/> that encodes straight into a buffer writer as UTF-8 (the response's
/// <c>BodyWriter</c>): nothing is copied through a string or a char buffer, and writing never
/// blocks, since the pipe only holds the bytes until the caller flushes it asynchronously.
/// </summary>
public sealed class Utf8PipeTextWriter(IBufferWriter<byte> destination) : TextWriter
{
    // Stateful, so that a surrogate pair split across two writes is still encoded as one character.
    private readonly Encoder utf8 = Encoding.UTF8.GetEncoder();

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value) => Write(new ReadOnlySpan<char>(in value));

    public override void Write(string? value) => Write(value.AsSpan());

    public override void Write(char[] buffer, int index, int count) => Write(buffer.AsSpan(index, count));

    public override void Write(ReadOnlySpan<char> buffer) => utf8.Convert(buffer, destination, flush: false, out _, out _);

    /// <summary>Writes out a character held back as the first half of a surrogate pair (there should be none).</summary>
    public override void Flush() => utf8.Convert([], destination, flush: true, out _, out _);
}
