using System.Text.Json;
using SquadStudy.Engine.Explainers;
using SquadStudy.Engine.Models;
using SquadStudy.Engine.Tensors;

namespace SquadStudy.Engine.Tests;

/// <summary>
/// The parity check shared by the CNN fixtures (<see cref="ParityTests"/>) and the families'
/// (<see cref="FamilyParityTests"/>): every map a fixture's manifest lists, computed in one
/// <c>Explain</c> call with the manifest's Smooth Grad-CAM++ noise, matches PyTorch's.
/// </summary>
internal static class ManifestMaps
{
    public static void ShouldMatchPyTorch(ExplanationModel model, float[] input, IReadOnlyList<int> classes, JsonElement manifest,
        Func<string, string> dataPath, string fixture)
    {
        var smooth = manifest.GetProperty("smooth_gradcampp");
        var (noise, noiseShape) = Npy.ReadFile(dataPath(smooth.GetProperty("noise").GetString()!));
        int per = noise.Length / noiseShape[0];
        var noiseList = Enumerable.Range(0, noiseShape[0]).Select(i => noise.AsSpan(i * per, per).ToArray()).ToArray();

        var expected = manifest.GetProperty("maps").EnumerateArray().ToList();
        var methods = expected.Select(m => m.GetProperty("method").GetString()!).Distinct()
            .Select(n => MethodSpec.Parse(n) with { Smooth = new SmoothOptions { Noise = noiseList } }).ToList();
        methods.Count.ShouldBeGreaterThan(10);

        var bundles = model.Explain([input], [classes], methods)[0];
        foreach (var m in expected)
        {
            string method = m.GetProperty("method").GetString()!;
            int c = m.GetProperty("class").GetInt32();
            var (reference, shape) = Npy.ReadFile(dataPath(m.GetProperty("file").GetString()!));
            var map = bundles.Single(b => b.ClassIndex == c)[method];
            map.Shape.ShouldBe(shape.Length == 4 ? shape[1..] : shape, $"{method}.{c} shape");
            Numeric.ShouldMatchMap(map.Data, reference, $"{fixture} {method}.{c}");
        }
    }
}
