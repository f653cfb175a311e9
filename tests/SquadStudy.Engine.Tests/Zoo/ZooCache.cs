using System.Collections.Concurrent;
using System.Text.Json;
using SquadStudy.Engine.Models;
using SquadStudy.Engine.Tensors;

namespace SquadStudy.Engine.Tests.Zoo;

/// <summary>
/// The torchvision zoo made by scripts/make_zoo_reference.py (scripts/test.sh runs it first):
/// $SQUADSTUDY_ZOO_DIR, else ~/.cache/squadstudy-zoo, one folder per model with model.onnx, its
/// study-pack metadata model.json, and PyTorch's input, logits and maps described by reference.json.
/// </summary>
internal static class ZooCache
{
    public static readonly string[] Models =
        ["vgg16", "resnet50", "densenet121", "mobilenet_v3_large", "efficientnet_b0", "convnext_tiny", "vit_b_16"];

    public static string Root { get; } = Environment.GetEnvironmentVariable("SQUADSTUDY_ZOO_DIR") is { Length: > 0 } dir
        ? dir
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "squadstudy-zoo");

    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static bool IsComplete => Models.All(m => File.Exists(Path.Combine(Root, m, "reference.json")));

    public static string MissingMessage =>
        $"the torchvision zoo cache is incomplete in {Root}: run /usr/bin/python3 scripts/make_zoo_reference.py (scripts/test.sh does)";

    private static readonly ConcurrentDictionary<string, Lazy<ZooModel>> Loaded = new();

    /// <summary>
    /// One load per model for the whole test run: VGG-16's ONNX file alone is 528 MB. Throws with
    /// <see cref="MissingMessage"/> when the cache lacks the model, which under CI=true is a failure.
    /// </summary>
    public static ZooModel Get(string name) => Loaded.GetOrAdd(name, n => new Lazy<ZooModel>(() => ZooModel.Read(n))).Value;
}

/// <summary>One zoo model: the engine's load of it through its study-pack metadata, and PyTorch's reference.</summary>
internal sealed record ZooModel(string Name, string Dir, JsonElement Reference, ModelOptions Options, ExplanationModel Model, float[] Input)
{
    public JsonElement Target => Reference.GetProperty("target_layer");
    public int Class => Reference.GetProperty("class").GetInt32();
    public float[] Array(string file) => Npy.ReadFile(Path.Combine(Dir, file)).Data;

    public static ZooModel Read(string name)
    {
        string dir = Path.Combine(ZooCache.Root, name);
        string referencePath = Path.Combine(dir, "reference.json");
        if (!File.Exists(referencePath)) throw new FileNotFoundException(ZooCache.MissingMessage, referencePath);
        var reference = JsonDocument.Parse(File.ReadAllText(referencePath)).RootElement;
        var options = OptionsFrom(JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "model.json"))).RootElement);
        var model = ExplanationModel.Load(Path.Combine(dir, "model.onnx"), options);
        return new ZooModel(name, dir, reference, options, model, Npy.ReadFile(Path.Combine(dir, reference.GetProperty("input").GetString()!)).Data);
    }

    /// <summary>The model options a study pack's models/&lt;id&gt;.json gives (docs/study-pack.md).</summary>
    private static ModelOptions OptionsFrom(JsonElement metadata)
    {
        var input = metadata.GetProperty("input");
        float[] Floats(string key) => metadata.GetProperty(key).EnumerateArray().Select(v => v.GetSingle()).ToArray();
        var target = metadata.GetProperty("target_layer");
        return new ModelOptions(input.GetProperty("width").GetInt32(), input.GetProperty("height").GetInt32(),
            Floats("mean"), Floats("std"), target.ValueKind == JsonValueKind.String ? target.GetString() : null);
    }
}

/// <summary>
/// A theory over the zoo that is skipped, with the reason, on a developer's machine without the
/// cache, and runs (and fails with <see cref="ZooCache.MissingMessage"/>) under CI=true, where
/// scripts/test.sh must have made it. xunit 2 decides skips at discovery, hence an attribute.
/// </summary>
internal sealed class ZooTheoryAttribute : TheoryAttribute
{
    public ZooTheoryAttribute()
    {
        if (!ZooCache.IsComplete && !ZooCache.InCi) Skip = ZooCache.MissingMessage + "; CI=true makes this a failure";
    }
}
