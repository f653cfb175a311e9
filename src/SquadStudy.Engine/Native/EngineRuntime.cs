using TorchSharp;

namespace SquadStudy.Engine.Native;

/// <summary>Process-wide settings of libtorch, which runs the engine's graphs.</summary>
public static class EngineRuntime
{
    /// <summary>libtorch's intra-op threads (process-wide; libtorch defaults to one per core).</summary>
    public static int Threads
    {
        get => torch.get_num_threads();
        set => torch.set_num_threads(value);
    }

    /// <summary>The backend's name and version, for benchmark records.</summary>
    public static string Backend => $"libtorch {torch.__version__} (TorchSharp)";
}
