namespace SquadStudy.Engine.Tensors;

/// <summary>
/// Exact-length float buffers reused across passes. A planned graph allocates the same sizes on
/// every forward and backward pass, so exact-length buckets give near-perfect reuse without the
/// up-to-2× slack of power-of-two pools, and keep the large-object heap from growing with
/// garbage between collections. Rented buffers are zeroed.
/// </summary>
internal static class BufferPool
{
    /// <summary>Most floats kept for reuse (1 GB); beyond it returned buffers are left to the GC.</summary>
    private const long MaxRetainedFloats = 1L << 28;

    /// <summary>Buffers below this length come from the GC: pooling them saves nothing.</summary>
    private const int MinPooledLength = 4096;

    private static readonly Dictionary<int, Stack<float[]>> Buckets = [];
    private static readonly Lock Gate = new();
    private static long _retained;

    public static float[] Rent(int length)
    {
        if (length >= MinPooledLength)
        {
            lock (Gate)
            {
                if (Buckets.TryGetValue(length, out var stack) && stack.TryPop(out var buffer))
                {
                    _retained -= length;
                    Array.Clear(buffer);
                    return buffer;
                }
            }
        }
        return new float[length];
    }

    /// <summary>Gives a buffer back; the caller must hold no other reference to it.</summary>
    public static void Return(float[] buffer)
    {
        if (buffer.Length < MinPooledLength) return;
        lock (Gate)
        {
            if (_retained + buffer.Length > MaxRetainedFloats) return;
            if (!Buckets.TryGetValue(buffer.Length, out var stack)) Buckets[buffer.Length] = stack = new Stack<float[]>();
            stack.Push(buffer);
            _retained += buffer.Length;
        }
    }
}
