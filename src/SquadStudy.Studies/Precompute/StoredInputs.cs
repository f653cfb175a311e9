using System.Text.Json;
using SquadStudy.Data;
using SquadStudy.Data.Entities;
using SquadStudy.Studies.Engine;

namespace SquadStudy.Studies;

/// <summary>A study's stored models and images, opened by the engine: what precompute and <see cref="StoredMetrics"/> both read.</summary>
internal static class StoredInputs
{
    /// <summary>Loads a study's model from its stored ONNX file and its pack metadata.</summary>
    public static IStudyModel LoadModel(ContentStore store, IExplanationEngine engine, StudyModel model)
    {
        var path = store.Resolve(model.OnnxPath) ?? throw new InvalidOperationException($"Model '{model.Key}' has no stored ONNX file.");
        var metadata = JsonSerializer.Deserialize<ModelMetadata>(model.MetadataJson, PackJson.Options)!;
        return engine.LoadModel(path, metadata);
    }

    /// <summary>Decodes a study's stored image.</summary>
    public static DecodedImage Decode(ContentStore store, IExplanationEngine engine, StudyImage image)
    {
        var path = store.Resolve(image.FilePath) ?? throw new InvalidOperationException($"Image '{image.Stem}' has no stored file.");
        return engine.Decode(File.ReadAllBytes(path), image.Stem);
    }
}
