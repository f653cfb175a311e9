using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace SquadStudy.Engine.Kernels;

/// <summary>How the backward pass treats a ReLU (Springenberg et al. 2015, Fig. 1).</summary>
public enum ReluBackwardMode
{
    /// <summary>The true gradient: R_in = (f_in &gt; 0)·R_out.</summary>
    Normal,

    /// <summary>Guided backpropagation: R_in = (f_in &gt; 0)·(R_out &gt; 0)·R_out.</summary>
    Guided,

    /// <summary>Deconvolution (Zeiler &amp; Fergus): R_in = (R_out &gt; 0)·R_out.</summary>
    Deconvolution,
}

/// <summary>
/// Element-wise kernels. Each takes read-only inputs and a destination of the same length, with a
/// Vector512/Vector256 path when the hardware accelerates it and a scalar tail.
/// </summary>
internal static class Elementwise
{
    /// <summary>y = max(x, 0).</summary>
    public static void Relu(ReadOnlySpan<float> x, Span<float> y) => TensorPrimitives.Max(x, 0f, y);

    /// <summary>
    /// ReLU backward from the forward output y (y &gt; 0 ⇔ f_in &gt; 0): Normal dx = (y&gt;0)·dy,
    /// Guided dx = (y&gt;0)(dy&gt;0)·dy, Deconvolution dx = (dy&gt;0)·dy.
    /// </summary>
    public static void ReluBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, ReluBackwardMode mode)
    {
        if (y.Length != dy.Length || dx.Length != dy.Length) throw new ArgumentException("Lengths differ.");
        if (mode == ReluBackwardMode.Deconvolution)
        {
            TensorPrimitives.Max(dy, 0f, dx);
            return;
        }
        bool guided = mode == ReluBackwardMode.Guided;
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= y.Length - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var g = Vector512.Create(dy.Slice(i, Vector512<float>.Count));
                var mask = Vector512.GreaterThan(Vector512.Create(y.Slice(i, Vector512<float>.Count)), Vector512<float>.Zero);
                if (guided) mask &= Vector512.GreaterThan(g, Vector512<float>.Zero);
                (g & mask).CopyTo(dx.Slice(i, Vector512<float>.Count));
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= y.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var g = Vector256.Create(dy.Slice(i, Vector256<float>.Count));
                var mask = Vector256.GreaterThan(Vector256.Create(y.Slice(i, Vector256<float>.Count)), Vector256<float>.Zero);
                if (guided) mask &= Vector256.GreaterThan(g, Vector256<float>.Zero);
                (g & mask).CopyTo(dx.Slice(i, Vector256<float>.Count));
            }
        }
        for (; i < y.Length; i++)
            dx[i] = y[i] > 0f && (!guided || dy[i] > 0f) ? dy[i] : 0f;
    }

    /// <summary>y = min(max(x, lo), hi).</summary>
    public static void Clip(ReadOnlySpan<float> x, float lo, float hi, Span<float> y)
    {
        TensorPrimitives.Max(x, lo, y);
        TensorPrimitives.Min(y, hi, y);
    }

    /// <summary>dx = dy where lo ≤ x ≤ hi, else 0 (PyTorch's clamp backward).</summary>
    public static void ClipBackward(ReadOnlySpan<float> x, float lo, float hi, ReadOnlySpan<float> dy, Span<float> dx)
    {
        if (x.Length != dy.Length || dx.Length != dy.Length) throw new ArgumentException("Lengths differ.");
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var vlo = Vector256.Create(lo);
            var vhi = Vector256.Create(hi);
            for (; i <= x.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var v = Vector256.Create(x.Slice(i, Vector256<float>.Count));
                var mask = Vector256.GreaterThanOrEqual(v, vlo) & Vector256.LessThanOrEqual(v, vhi);
                (Vector256.Create(dy.Slice(i, Vector256<float>.Count)) & mask).CopyTo(dx.Slice(i, Vector256<float>.Count));
            }
        }
        for (; i < x.Length; i++) dx[i] = x[i] >= lo && x[i] <= hi ? dy[i] : 0f;
    }

    /// <summary>Per-channel affine map y[n,c,·] = x[n,c,·]·scale[c] + shift[c] (BatchNormalization in inference).</summary>
    public static void ChannelAffine(ReadOnlySpan<float> x, int n, int c, int hw, ReadOnlySpan<float> scale, ReadOnlySpan<float> shift, Span<float> y)
    {
        for (int b = 0; b < n; b++)
        for (int ch = 0; ch < c; ch++)
        {
            int o = (b * c + ch) * hw;
            TensorPrimitives.Multiply(x.Slice(o, hw), scale[ch], y.Slice(o, hw));
            if (!shift.IsEmpty) TensorPrimitives.Add(y.Slice(o, hw), shift[ch], y.Slice(o, hw));
        }
    }
}
