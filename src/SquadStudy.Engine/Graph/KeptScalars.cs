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
}
