using System.Buffers;
using System.Text;

namespace SquadStudy.Web.Templates;

/// <summary>
/// A <see cref="TextWriter"/> that encodes straight into a buffer writer as UTF-8 (the response's
/// <c>BodyWriter</c>): nothing is copied through a string or a char buffer, and writing never
/// blocks, since the pipe only holds the bytes until the caller flushes it asynchronously.
/// </summary>
/// <remarks>
/// A template writes many short pieces; each goes into the current block of the destination, which
/// is committed only when full and at <see cref="Flush"/>, so the destination sees a few large
/// writes (Kestrel takes a lock for each). A high surrogate at the end of one piece waits for the
/// low surrogate that starts the next, so a pair split across two writes is still one character.
/// </remarks>
public sealed class Utf8PipeTextWriter(IBufferWriter<byte> destination) : TextWriter
{
    private const int BlockSize = 4096;
    private const int MaxCharsPerPiece = BlockSize / 3 - 1;

    private Memory<byte> block;
    private int used;
    private char pendingHighSurrogate;

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value) => Write(new ReadOnlySpan<char>(in value));

    public override void Write(string? value) => Write(value.AsSpan());

    public override void Write(char[] buffer, int index, int count) => Write(buffer.AsSpan(index, count));

    public override void Write(ReadOnlySpan<char> buffer)
    {
        if (buffer.IsEmpty)
        {
            return;
        }
        if (pendingHighSurrogate != '\0')
        {
            ReadOnlySpan<char> pair = [pendingHighSurrogate, buffer[0]];
            pendingHighSurrogate = '\0';
            // A lone high surrogate followed by anything but its pair is encoded as U+FFFD, as the encoder would.
            Encode(char.IsLowSurrogate(buffer[0]) ? pair : pair[..1]);
            buffer = char.IsLowSurrogate(buffer[0]) ? buffer[1..] : buffer;
            if (buffer.IsEmpty)
            {
                return;
            }
        }
        if (char.IsHighSurrogate(buffer[^1]))
        {
            pendingHighSurrogate = buffer[^1];
            buffer = buffer[..^1];
        }
        Encode(buffer);
    }

    /// <summary>Commits what was written to the destination (a held-back lone high surrogate as U+FFFD).</summary>
    public override void Flush()
    {
        if (pendingHighSurrogate != '\0')
        {
            ReadOnlySpan<char> lone = [pendingHighSurrogate];
            pendingHighSurrogate = '\0';
            Encode(lone);
        }
        Commit();
    }

    private void Encode(ReadOnlySpan<char> chars)
    {
        while (!chars.IsEmpty)
        {
            // Long text in pieces that fit a block, never between the two halves of a pair.
            var take = Math.Min(chars.Length, MaxCharsPerPiece);
            if (take < chars.Length && char.IsHighSurrogate(chars[take - 1]))
            {
                take--;
            }
            var piece = chars[..take];
            if (block.Length - used < Encoding.UTF8.GetMaxByteCount(piece.Length))
            {
                Commit();
                block = destination.GetMemory(BlockSize);
            }
            used += Encoding.UTF8.GetBytes(piece, block.Span[used..]);
            chars = chars[take..];
        }
    }

    private void Commit()
    {
        if (used > 0)
        {
            destination.Advance(used);
        }
        block = Memory<byte>.Empty;
        used = 0;
    }
}
