using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using SquadStudy.Engine.Explainers;
using SquadStudy.Engine.Models;
using SquadStudy.Engine.Native;

namespace SquadStudy.Cli.Commands;

/// <summary>
/// <c>squadstudy bench --model M.onnx --image IMG [--repeat N] [--json]</c>: after a warm-up, the median
/// seconds per image of the forward pass, of the study bundle and of each of its methods alone.
/// </summary>
internal static class BenchCommand
{
    /// <summary>The bundle a study precomputes: Grad-CAM, Squad-CAM, Grad-CAM++, Guided Backprop and the guided variants.</summary>
    public static readonly string[] BundleMethods =
        ["gradcam", "squadcam", "gradcampp", "guidedbp", "guided-gradcam", "guided-squadcam", "guided-gradcampp"];

    public static Command Create(CliContext context)
    {
        var model = new Option<string>("--model") { Description = "ONNX model file", Required = true };
        var image = new Option<string>("--image") { Description = "image file", Required = true };
        var repeat = new Option<int>("--repeat") { Description = "timed repetitions (median reported)", DefaultValueFactory = _ => 5 };
        var json = new Option<bool>("--json") { Description = "write JSON to stdout" };
        var command = new Command("bench", "Time the forward pass and the explanation bundle (median over repetitions).") { model, image, repeat, json };
        command.SetAction(r => CommandRunner.Run(context, () =>
            Execute(context, r.GetValue(model)!, r.GetValue(image)!, r.GetValue(repeat), r.GetValue(json))));
        return command;
    }

    private static int Execute(CliContext context, string modelPath, string imagePath, int repeat, bool json)
    {
        if (repeat < 1) throw new CliException("--repeat must be at least 1");
        var clock = Stopwatch.StartNew();
        using var model = ModelInputs.LoadModel(modelPath);
        double loadSeconds = clock.Elapsed.TotalSeconds;
        var input = ModelInputs.Tensor(model, ModelInputs.Decode(imagePath));

        int classIndex = model.Predict(input, 1)[0].ClassIndex;
        var bundle = BundleMethods.Select(MethodSpec.Parse).ToArray();
        model.Explain(input, classIndex, bundle);

        double forward = Median(repeat, () => model.Logits(input));
        double full = Median(repeat, () => model.Explain(input, classIndex, bundle));
        var alone = BundleMethods.ToDictionary(m => m, m => Median(repeat, () => model.Explain(input, classIndex, [MethodSpec.Parse(m)])));
        long peak = Process.GetCurrentProcess().PeakWorkingSet64;

        var report = new
        {
            model = modelPath,
            input = new[] { model.Channels, model.InputHeight, model.InputWidth },
            target_layer = model.TargetLayer,
            @class = classIndex,
            threads = EngineRuntime.BlasThreads,
            processors = Environment.ProcessorCount,
            repeat,
            load_s = loadSeconds,
            forward_s = forward,
            forward_gflops = model.ForwardFlops / forward / 1e9,
            bundle_methods = BundleMethods,
            bundle_s = full,
            methods_s = alone,
            peak_working_set_mb = peak / (1024.0 * 1024.0),
        };
        if (json)
        {
            context.Out.WriteLine(JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
            return ExitCodes.Ok;
        }
        context.Out.WriteLine($"{modelPath}: {model.Channels}×{model.InputHeight}×{model.InputWidth}, {report.threads} BLAS threads, median of {repeat}");
        context.Out.WriteLine($"  forward  {forward:F4} s  ({report.forward_gflops:F1} GFLOP/s)");
        context.Out.WriteLine($"  bundle   {full:F4} s  ({string.Join(", ", BundleMethods)})");
        foreach (var (name, seconds) in alone) context.Out.WriteLine($"  {name,-18} {seconds:F4} s");
        context.Out.WriteLine($"  peak working set {report.peak_working_set_mb:F0} MB");
        return ExitCodes.Ok;
    }

    private static double Median(int repeat, Action action)
    {
        var times = new double[repeat];
        for (int i = 0; i < repeat; i++)
        {
            var clock = Stopwatch.StartNew();
            action();
            times[i] = clock.Elapsed.TotalSeconds;
        }
        Array.Sort(times);
        return repeat % 2 == 1 ? times[repeat / 2] : (times[repeat / 2 - 1] + times[repeat / 2]) / 2;
    }
}
