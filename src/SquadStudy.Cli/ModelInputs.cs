using System.Text.Json;
using SquadStudy.Data.Entities;
using SquadStudy.Engine.Imaging;
using SquadStudy.Engine.Models;
using SquadStudy.Studies;

namespace SquadStudy.Cli;

/// <summary>Loads a model (with its metadata) and turns image files into its input tensors.</summary>
internal static class ModelInputs
{
    /// <summary>The model's metadata from its sibling <c>&lt;model&gt;.json</c> (docs/study-pack.md), when present.</summary>
    public static ModelMetadata? Metadata(string modelPath)
    {
        string path = Path.ChangeExtension(modelPath, ".json");
        if (!File.Exists(path)) return null;
        try
        {
            return JsonSerializer.Deserialize<ModelMetadata>(File.ReadAllText(path), PackJson.Options)
                ?? throw new CliException($"{path}: empty model metadata");
        }
        catch (JsonException e)
        {
            throw new CliException($"{path}: invalid model metadata ({e.Message})");
        }
    }

    public static ExplanationModel LoadModel(string path, string? layer = null)
    {
        if (!File.Exists(path)) throw new CliException($"model file not found: {path}");
        var meta = Metadata(path);
        var options = new ModelOptions(meta?.Input?.Width, meta?.Input?.Height, meta?.Mean, meta?.Std, layer ?? meta?.TargetLayer);
        return ExplanationModel.Load(path, options);
    }

    public static PreprocessOptions Preprocess(ExplanationModel model) =>
        new(model.InputWidth, model.InputHeight, [.. model.Mean], [.. model.Std]);

    /// <summary>Decodes an image file; errors name the file.</summary>
    public static RgbImage Decode(string path)
    {
        if (!File.Exists(path)) throw new CliException($"image file not found: {path}");
        try
        {
            return ImageDecoder.DecodeFile(path);
        }
        catch (ImageDecodeException e) when (!e.Message.Contains(path, StringComparison.Ordinal))
        {
            throw new CliException($"{path}: {e.Message}");
        }
    }

    public static float[] Tensor(ExplanationModel model, RgbImage image)
    {
        if (model.Channels != 3) throw new CliException($"the model takes {model.Channels} channels; images give 3");
        return Preprocessing.ToTensor(image, Preprocess(model));
    }

    /// <summary>The file name without its extension, for output names.</summary>
    public static string Stem(string path) => Path.GetFileNameWithoutExtension(path);
}
