using System.CommandLine;
using System.Globalization;
using SquadStudy.Engine.Explainers;
using SquadStudy.Engine.Imaging;
using SquadStudy.Engine.Models;
using SquadStudy.Engine.Rendering;
using SquadStudy.Engine.Tensors;

namespace SquadStudy.Cli.Commands;

/// <summary>
/// <c>squadstudy explain --model M.onnx --image IMG [...] --method LIST --target LIST [--layer NAME] --out DIR [--raw]</c>:
/// writes DIR/&lt;stem&gt;.&lt;method&gt;.&lt;class&gt;.png (the method's canonical name, e.g. <c>occlusion(stride=4)</c>)
/// and, with --raw, the raw map as .npy. The slow methods
/// (scorecam, ablationcam and the pixel attributions) report their model evaluations on stderr.
/// </summary>
internal static class ExplainCommand
{
    /// <summary>Images explained per batched forward pass.</summary>
    private const int BatchSize = 8;

    public static Command Create(CliContext context)
    {
        var model = new Option<string>("--model") { Description = "ONNX model file (metadata from a sibling <model>.json when present)", Required = true };
        var images = new Option<string[]>("--image") { Description = "image file (JPEG or PNG); repeat for several", Required = true };
        var methods = new Option<string>("--method")
        {
            Description = $"comma list of methods: {string.Join(", ", MethodSpec.AllNames)}; "
                + "integrated-gradients, smoothgrad, occlusion, rise and smooth-gradcampp take parameters, "
                + "e.g. smoothgrad(n=25,sigma=0.15) (docs/engine.md)",
            Required = true,
        };
        var targets = new Option<string>("--target")
        {
            Description = "'top1' or comma list of class indices: one for all images, one per image, or several for a single image",
            Required = true,
        };
        var layer = new Option<string?>("--layer") { Description = "ONNX name of the CAM target layer (default: the last Relu fed by a Conv)" };
        var output = new Option<string>("--out") { Description = "output folder", Required = true };
        var raw = new Option<bool>("--raw") { Description = "also write the raw maps as float32 .npy" };
        var command = new Command("explain", "Explanation maps as PNG (and raw .npy) files.") { model, images, methods, targets, layer, output, raw };
        command.SetAction(r => CommandRunner.Run(context, () => Execute(context, r.GetValue(model)!, r.GetValue(images)!,
            r.GetValue(methods)!, r.GetValue(targets)!, r.GetValue(layer), r.GetValue(output)!, r.GetValue(raw))));
        return command;
    }

    private static int Execute(CliContext context, string modelPath, string[] images, string methodList, string targetList,
        string? layer, string outDir, bool raw)
    {
        // Commas inside a method's parentheses separate its parameters, not methods; two spellings
        // of one method (smoothgrad(n=8), smoothgrad(sigma=0.15,n=8)) are one method.
        var methods = MethodSpec.SplitList(methodList).Select(MethodSpec.Parse).DistinctBy(m => m.Name).ToList();
        if (methods.Count == 0) throw new CliException("--method lists no methods");
        var duplicate = images.GroupBy(ModelInputs.Stem).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new CliException($"two images share the name '{duplicate.Key}': {string.Join(", ", duplicate)}");

        using var model = ModelInputs.LoadModel(modelPath, layer);
        var targets = ParseTargets(targetList, images.Length, model.ClassCount);
        Directory.CreateDirectory(outDir);

        int written = 0;
        for (int start = 0; start < images.Length; start += BatchSize)
        {
            var paths = images.Skip(start).Take(BatchSize).ToArray();
            var decoded = paths.Select(ModelInputs.Decode).ToArray();
            var tensors = decoded.Select(image => ModelInputs.Tensor(model, image)).ToArray();
            var classes = Enumerable.Range(start, paths.Length).Select(i => targets[i]).ToArray();
            if (classes.Any(c => c is null))
            {
                var logits = model.Logits(tensors);
                for (int i = 0; i < classes.Length; i++)
                    classes[i] ??= [ExplanationModel.ToPredictions(logits[i], 1)[0].ClassIndex];
            }
            var bundles = model.Explain(tensors, classes.Select(c => (IReadOnlyList<int>)c!).ToArray(), methods, new ProgressLines(context.Error, paths));
            for (int i = 0; i < paths.Length; i++)
            {
                var resized = Resize.Bilinear(decoded[i], model.InputWidth, model.InputHeight);
                foreach (var bundle in bundles[i])
                foreach (var map in bundle.Maps.Values)
                {
                    string stem = Path.Combine(outDir, $"{ModelInputs.Stem(paths[i])}.{map.Method}.{map.ClassIndex}");
                    File.WriteAllBytes(stem + ".png", PngEncoder.Encode(Render.Picture(resized, map)));
                    if (raw) File.WriteAllBytes(stem + ".npy", Npy.Write(map.Data, map.Shape));
                    written++;
                }
            }
        }
        context.Out.WriteLine($"wrote {written} explanation{(written == 1 ? "" : "s")} to {outDir}");
        return ExitCodes.Ok;
    }

    /// <summary>
    /// A slow method's progress as lines on stderr, "a.png scorecam class 3: 16/32 model evaluations"
    /// (Score-CAM's and Ablation-CAM's forward passes; the pixel attributions' path points, noisy
    /// copies, occluded or masked inputs), at every further tenth of an (image, class) and at its end.
    /// Synchronous, unlike <see cref="Progress{T}"/>, so the lines come in order and before the result.
    /// </summary>
    private sealed class ProgressLines(TextWriter error, string[] paths) : IProgress<ExplainProgress>
    {
        private int _tenth = -1;

        public void Report(ExplainProgress value)
        {
            int tenth = (int)(10L * value.Done / Math.Max(1, value.Total));
            if (value.Done < value.Total && tenth <= _tenth) return;
            _tenth = value.Done >= value.Total ? -1 : tenth;
            error.WriteLine($"{Path.GetFileName(paths[value.Image])} {value.Method} class {value.ClassIndex}: {value.Done}/{value.Total} model evaluations");
        }
    }

    /// <summary>
    /// Per image: null for top1, else its class list. One value applies to all images; as many values as
    /// images give one each; a single image may take several.
    /// </summary>
    private static int[]?[] ParseTargets(string list, int imageCount, int classCount)
    {
        var items = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (items.Length == 0) throw new CliException("--target is empty");
        var parsed = items.Select(item =>
        {
            if (item.Equals("top1", StringComparison.OrdinalIgnoreCase)) return (int?)null;
            if (!int.TryParse(item, NumberStyles.None, CultureInfo.InvariantCulture, out int c))
                throw new CliException($"--target: '{item}' is neither 'top1' nor a class index");
            if (c >= classCount) throw new CliException($"--target: class {c} is out of range (the model has {classCount} classes, 0..{classCount - 1})");
            return c;
        }).ToArray();

        if (imageCount == 1)
            return parsed.All(p => p is null) ? [null] : parsed.Any(p => p is null)
                ? throw new CliException("--target: do not mix 'top1' with class indices for one image")
                : [parsed.Select(p => p!.Value).Distinct().ToArray()];
        if (parsed.Length == 1) return Enumerable.Repeat(parsed[0] is int one ? new[] { one } : null, imageCount).ToArray();
        if (parsed.Length != imageCount)
            throw new CliException($"--target has {parsed.Length} values for {imageCount} images; give one for all or one per image");
        return parsed.Select(p => p is int c ? new[] { c } : null).ToArray();
    }
}
