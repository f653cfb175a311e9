using System.Reflection;
using System.Runtime.InteropServices;

namespace SquadStudy.Engine.Native;

/// <summary>
/// Bindings to Debian's <c>libopenblas0-pthread</c> (<c>libopenblas.so.0</c>). Only the calls the
/// engine needs: single-precision GEMM and the thread-count controls. The engine never sets
/// <c>OPENBLAS_CORETYPE</c>: when set it forces a slower kernel than the one OpenBLAS detects.
/// </summary>
internal static partial class OpenBlas
{
    private const string Library = "libopenblas.so.0";

    // Debian installs the library through update-alternatives; when that link is missing (for
    // instance while the package is half-configured) the pthread variant's own folder still has it.
    private static readonly string[] FallbackPaths =
    [
        "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0",
        "/usr/lib/aarch64-linux-gnu/openblas-pthread/libopenblas.so.0",
    ];

    static OpenBlas()
    {
        NativeLibrary.SetDllImportResolver(typeof(OpenBlas).Assembly, Resolve);
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? path)
    {
        if (name != Library) return IntPtr.Zero;
        if (NativeLibrary.TryLoad(Library, assembly, path, out var handle)) return handle;
        foreach (var candidate in FallbackPaths)
            if (File.Exists(candidate) && NativeLibrary.TryLoad(candidate, out handle)) return handle;
        throw new DllNotFoundException(
            "OpenBLAS (libopenblas.so.0) was not found; install Debian's libopenblas0-pthread.");
    }

    internal const int RowMajor = 101;
    internal const int NoTrans = 111;
    internal const int Trans = 112;

    [LibraryImport(Library, EntryPoint = "cblas_sgemm")]
    private static unsafe partial void CblasSgemm(int order, int transA, int transB, int m, int n, int k,
        float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc);

    [LibraryImport(Library, EntryPoint = "openblas_set_num_threads")]
    private static partial void SetNumThreadsNative(int threads);

    [LibraryImport(Library, EntryPoint = "openblas_get_num_threads")]
    private static partial int GetNumThreadsNative();

    /// <summary>Threads OpenBLAS uses for one GEMM.</summary>
    public static int Threads
    {
        get => GetNumThreadsNative();
        set => SetNumThreadsNative(Math.Max(1, value));
    }

    /// <summary>
    /// Row-major <c>C = alpha · op(A) · op(B) + beta · C</c> with op(A) m×k, op(B) k×n, C m×n.
    /// Leading dimensions are checked against the spans so that a wrong call throws instead of
    /// reading or writing past a buffer.
    /// </summary>
    public static unsafe void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            // OpenBLAS leaves C untouched for k = 0; the mathematical result is beta·C.
            for (int i = 0; i < m; i++) c.Slice(i * ldc, n).Clear();
            return;
        }
        int aRows = transA ? k : m, aCols = transA ? m : k;
        int bRows = transB ? n : k, bCols = transB ? k : n;
        CheckMatrix(a.Length, aRows, aCols, lda, nameof(a));
        CheckMatrix(b.Length, bRows, bCols, ldb, nameof(b));
        CheckMatrix(c.Length, m, n, ldc, nameof(c));
        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        {
            CblasSgemm(RowMajor, transA ? Trans : NoTrans, transB ? Trans : NoTrans, m, n, k,
                alpha, pa, lda, pb, ldb, beta, pc, ldc);
        }
    }

    private static void CheckMatrix(int length, int rows, int cols, int ld, string name)
    {
        if (ld < Math.Max(1, cols) || (long)(rows - 1) * ld + cols > length)
            throw new ArgumentException(
                $"GEMM operand {name}: {rows}×{cols} with leading dimension {ld} does not fit {length} elements.");
    }
}
