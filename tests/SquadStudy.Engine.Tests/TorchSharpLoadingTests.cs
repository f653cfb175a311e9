using SquadStudy.Engine.Native;
using TorchSharp;

namespace SquadStudy.Engine.Tests;

/// <summary>
/// TorchSharp's native libraries load on this machine (on Debian 12 only through the libstdc++
/// shim scripts/torchsharp-glibcxx.sh installs) and libtorch computes.
/// </summary>
public class TorchSharpLoadingTests
{
    [Fact]
    public void Libtorch_Loads_AndMultipliesMatrices()
    {
        using var scope = torch.NewDisposeScope();
        var a = torch.tensor(new float[] { 1, 2, 3, 4, 5, 6 }, [2, 3]);
        var b = torch.tensor(new float[] { 7, 8, 9, 10, 11, 12 }, [3, 2]);
        a.matmul(b).data<float>().ToArray().ShouldBe([58f, 64f, 139f, 154f]);
        EngineRuntime.Backend.ShouldStartWith("libtorch 2.10");
    }

    [Fact]
    public void Shim_IsLoaded_ExactlyWhereTheSystemLibstdcxxLacksGlibcxx3432()
    {
        using (torch.NewDisposeScope()) torch.zeros(1).add_(1);
        var mapped = File.ReadAllLines("/proc/self/maps").Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "")
            .Where(p => p.StartsWith('/')).Distinct().ToList();
        var libstdcxx = mapped.Single(p => Path.GetFileName(p).StartsWith("libstdc++.so.6", StringComparison.Ordinal));
        bool systemHasVersion = System.Text.Encoding.Latin1.GetString(File.ReadAllBytes(libstdcxx)).Contains("GLIBCXX_3.4.32\0");
        bool shimLoaded = mapped.Any(p => Path.GetFileName(p) == "libstdcxx-shim.so");
        shimLoaded.ShouldBe(!systemHasVersion, $"libstdc++ at {libstdcxx}");
    }
}
