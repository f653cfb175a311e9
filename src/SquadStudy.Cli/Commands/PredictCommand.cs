using System.CommandLine;
using System.Text.Json;
using SquadStudy.Engine.Models;

namespace SquadStudy.Cli.Commands;

/// <summary><c>squadstudy predict --model M.onnx --image IMG [--image IMG ...] [--top 5] [--json]</c></summary>
internal static class PredictCommand
{
    public static Command Create(CliContext context)
    {
        var model = new Option<string>("--model") { Description = "ONNX model file (metadata from a sibling <model>.json when present)", Required = true };
        var images = new Option<string[]>("--image") { Description = "image file (JPEG or PNG); repeat for several", Required = true };
        var top = new Option<int>("--top") { Description = "how many classes to list per image", DefaultValueFactory = _ => 5 };
        var json = new Option<bool>("--json") { Description = "write JSON to stdout" };
        var command = new Command("predict", "Top-k classes of each image, with logits and softmax probabilities.") { model, images, top, json };
        command.SetAction(r => CommandRunner.Run(context, () =>
            Execute(context, r.GetValue(model)!, r.GetValue(images)!, r.GetValue(top), r.GetValue(json))));
        return command;
    }

    private static int Execute(CliContext context, string modelPath, string[] images, int top, bool json)
    {
        if (top < 1) throw new CliException("--top must be at least 1");
        using var model = ModelInputs.LoadModel(modelPath);
        var tensors = images.Select(path => ModelInputs.Tensor(model, ModelInputs.Decode(path))).ToArray();
        var logits = model.Logits(tensors);
        var results = images.Select((path, i) => new
        {
            image = path,
            top = ExplanationModel.ToPredictions(logits[i], top)
                .Select(p => new { @class = p.ClassIndex, logit = p.Logit, probability = p.Probability }).ToArray(),
        }).ToArray();

        if (json)
        {
            context.Out.WriteLine(JsonSerializer.Serialize(new { model = modelPath, classes = model.ClassCount, images = results },
                new JsonSerializerOptions { WriteIndented = true }));
            return ExitCodes.Ok;
        }
        foreach (var r in results)
        {
            context.Out.WriteLine(r.image);
            foreach (var p in r.top) context.Out.WriteLine($"  class {p.@class,5}  logit {p.logit,10:F4}  p {p.probability:F4}");
        }
        return ExitCodes.Ok;
    }
}
