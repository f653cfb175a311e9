using TorchSharp;
using TorchTensor = TorchSharp.torch.Tensor;

namespace SquadStudy.Engine.Graph;

/// <summary>
/// Arithmetic with numbers that keeps their TorchSharp <see cref="Scalar"/> alive until libtorch has
/// used it. TorchSharp turns a number (and the implicit α = 1 of <c>a + b</c>) into a temporary
/// Scalar, passes libtorch only its raw handle, and nothing refers to the Scalar during the native
/// call: a garbage collection in that window runs its finalizer, which frees the native scalar
/// libtorch is reading. The demo's precompute (two workers, large allocations) failed so about
/// every second start: "Expected false to be true … toFloat" (c10/core/Scalar.h:140) in
/// <c>add_Tensor</c>. Each Scalar here is disposed after the call, which also spares the finalizer.
/// <para>
/// Which calls make such a Scalar was read from TorchSharp 0.107's IL: every operator and method
/// that takes a number (<c>x * 0.5</c>, <c>x &gt; 0</c>, <c>clamp_min(0)</c>, <c>fill_(1)</c>,
/// <c>masked_fill(m, 0)</c>, <c>arange(a, b)</c>), and <c>add</c>/<c>add_</c> of two tensors (<c>a + b</c>,
/// its implicit α = 1); <c>sub</c>, <c>mul</c> and <c>div</c> of two tensors make none. Dispose scopes do
/// not hold Scalars. The engine's tensor code uses these helpers for all of them.
/// </para>
/// </summary>
internal static class KeptScalars
{
    public static TorchTensor Add(TorchTensor x, TorchTensor y)
    {
        using Scalar one = 1;
        return x.add(y, one);
    }

    /// <summary>shift + x·scale.</summary>
    public static TorchTensor AddCmul(TorchTensor shift, TorchTensor x, TorchTensor scale)
    {
        using Scalar one = 1;
        return torch.addcmul(shift, x, scale, one);
    }

    public static TorchTensor Mul(TorchTensor x, float factor)
    {
        using Scalar f = factor;
        return x.mul(f);
    }

    /// <summary>α·x + β, clamped to [0, 1] (ONNX HardSigmoid).</summary>
    public static TorchTensor HardSigmoid(TorchTensor x, float alpha, float beta)
    {
        using Scalar a = alpha, b = beta, zero = 0, one = 1, unit = 1;
        return x.mul(a).add(b, unit).clamp(zero, one);
    }

    public static TorchTensor Clamp(TorchTensor x, float min, float max)
    {
        using Scalar lo = min, hi = max;
        return x.clamp(lo, hi);
    }

    public static TorchTensor ClampMin(TorchTensor x, float min)
    {
        using Scalar lo = min;
        return x.clamp_min(lo);
    }

    public static TorchTensor ClampMax(TorchTensor x, float max)
    {
        using Scalar hi = max;
        return x.clamp_max(hi);
    }

    /// <summary>x + value.</summary>
    public static TorchTensor Plus(TorchTensor x, double value)
    {
        using Scalar v = value, one = 1;
        return x.add(v, one);
    }

    /// <summary>value − x.</summary>
    public static TorchTensor Minus(double value, TorchTensor x)
    {
        using Scalar v = value, one = 1;
        return x.neg().add(v, one);
    }

    public static TorchTensor Mul(TorchTensor x, double factor)
    {
        using Scalar f = factor;
        return x.mul(f);
    }

    public static TorchTensor Div(TorchTensor x, double divisor)
    {
        using Scalar d = divisor;
        return x.div(d);
    }

    public static TorchTensor Greater(TorchTensor x, double value)
    {
        using Scalar v = value;
        return x.gt(v);
    }

    public static TorchTensor Less(TorchTensor x, double value)
    {
        using Scalar v = value;
        return x.lt(v);
    }

    /// <summary>x += y, in place.</summary>
    public static TorchTensor AddInPlace(TorchTensor x, TorchTensor y)
    {
        using Scalar one = 1;
        return x.add_(y, one);
    }

    public static TorchTensor Fill(TorchTensor x, float value)
    {
        using Scalar v = value;
        return x.fill_(v);
    }

    public static TorchTensor MaskedFill(TorchTensor x, TorchTensor mask, float value)
    {
        using Scalar v = value;
        return x.masked_fill(mask, v);
    }

    /// <summary>start, start + 1, …, stop − 1.</summary>
    public static TorchTensor Arange(long start, long stop, torch.ScalarType dtype)
    {
        using Scalar from = start, to = stop;
        return torch.arange(from, to, dtype: dtype);
    }
}
