namespace SquadStudy.Engine.Kernels;

internal static class Resize
{
    /// <summary>
    /// Bilinear resize of one h×w plane to oh×ow with align_corners = False, matching
    /// torch.nn.functional.interpolate(mode='bilinear'): source coordinate
    /// s = (d + 0.5)·(in/out) − 0.5, clamped below at 0, blending the two neighbours.
    /// </summary>
    public static void Bilinear(ReadOnlySpan<float> src, int h, int w, Span<float> dst, int oh, int ow)
    {
        if (src.Length != h * w || dst.Length != oh * ow) throw new ArgumentException("Plane sizes do not match.");
        Span<int> x0 = ow <= 1024 ? stackalloc int[ow] : new int[ow];
        Span<int> x1 = ow <= 1024 ? stackalloc int[ow] : new int[ow];
        Span<float> lx = ow <= 1024 ? stackalloc float[ow] : new float[ow];
        for (int x = 0; x < ow; x++) Source(x, w, ow, out x0[x], out x1[x], out lx[x]);
        for (int y = 0; y < oh; y++)
        {
            Source(y, h, oh, out int y0, out int y1, out float ly);
            var r0 = src.Slice(y0 * w, w);
            var r1 = src.Slice(y1 * w, w);
            var d = dst.Slice(y * ow, ow);
            for (int x = 0; x < ow; x++)
            {
                float top = r0[x0[x]] * (1f - lx[x]) + r0[x1[x]] * lx[x];
                float bottom = r1[x0[x]] * (1f - lx[x]) + r1[x1[x]] * lx[x];
                d[x] = top * (1f - ly) + bottom * ly;
            }
        }
    }

    private static void Source(int d, int size, int outSize, out int i0, out int i1, out float lambda)
    {
        float scale = (float)size / outSize;
        float s = Math.Max((d + 0.5f) * scale - 0.5f, 0f);
        i0 = Math.Min((int)s, size - 1);
        i1 = Math.Min(i0 + 1, size - 1);
        lambda = s - i0;
        if (i0 == size - 1) lambda = 0f;
    }
}
