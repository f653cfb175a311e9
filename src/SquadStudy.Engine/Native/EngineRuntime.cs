namespace SquadStudy.Engine.Native;

/// <summary>Process-wide settings of the native libraries the engine uses.</summary>
public static class EngineRuntime
{
    /// <summary>Threads OpenBLAS uses for one GEMM (process-wide; OpenBLAS defaults to one per core).</summary>
    public static int BlasThreads
    {
        get => OpenBlas.Threads;
        set => OpenBlas.Threads = value;
    }
}
