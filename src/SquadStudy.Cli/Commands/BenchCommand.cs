using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using SquadStudy.Engine.Explainers;
using SquadStudy.Engine.Models;
using SquadStudy.Engine.Native;

namespace SquadStudy.Cli.Commands;

/// <summary>
/// <c>squadstudy bench --model M.onnx --image IMG [--repeat N] [--threads N] [--json]</c>: after a warm-up,
/// the median seconds of the forward pass, of the study bundle and of each of its methods alone for one
/// image, and of the forward pass and the bundle for a batch of <see cref="BatchSize"/> images.
/// </summary>
internal static class BenchCommand
{
    /// <summary>The bundle a study precomputes: Grad-CAM, Squad-CAM, Grad-CAM++, Guided Backprop and the guided variants.</summary>
    public static readonly string[] BundleMethods =
        ["gradcam", "squadcam", "gradcampp", "guidedbp", "guided-gradcam", "guided-squadcam", "guided-gradcampp"];

    public const int BatchSize = 8;

    public static Command Create(CliContext context)
    {
        var model = new Option<string>("--model") { Description = "ONNX model file", Required = true };
        var image = new Option<string>("--image") { Description = "image file", Required = true };
        var repeat = new Option<int>("--repeat") { Description = "timed repetitions (median reported)", DefaultValueFactory = _ => 5 };
        var threads = new Option<int?>("--threads") { Description = "libtorch threads (default: libtorch's, one per core)" };
        var json = new Option<bool>("--json") { Description = "write JSON to stdout" };
        var methods = new Option<string?>("--methods")
        {
            Description = "time only these methods, each alone for one image (comma-separated, with parameters, e.g. scorecam,rise(masks=500)), instead of the bundle and the batch",
        };
        var command = new Command("bench", "Time the forward pass and the explanation bundle (median over repetitions).") { model, image, repeat, threads, json, methods };
        command.SetAction(r => CommandRunner.Run(context, () => r.GetValue(methods) is { } list
            ? ExecuteMethods(context, r.GetValue(model)!, r.GetValue(image)!, list, r.GetValue(repeat), r.GetValue(threads), r.GetValue(json))
            : Execute(context, r.GetValue(model)!, r.GetValue(image)!, r.GetValue(repeat), r.GetValue(threads), r.GetValue(json))));
        return command;
    }

    /// <summary>
    /// Seconds per image of each method alone (median of <paramref name="repeat"/>; the forward pass is warmed up,
    /// the methods are not: their first run is timed too, since the forward-only ones cost a pass per mask or
    /// channel, tens of seconds, beside which a first call's set-up does not count).
    /// </summary>
    private static int ExecuteMethods(CliContext context, string modelPath, string imagePath, string list, int repeat, int? threads, bool json)
    {
        if (repeat < 1) throw new CliException("--repeat must be at least 1");
        if (threads is < 1) throw new CliException("--threads must be at least 1");
        var specs = new List<MethodSpec>();
        foreach (var name in MethodSpec.SplitList(list))
        {
            if (!MethodSpec.TryParse(name, out var spec, out var problem)) throw new CliException(problem);
            specs.Add(spec);
        }
        if (specs.Count == 0) throw new CliException("--methods names no method");
        if (threads is int t) EngineRuntime.Threads = t;
        using var model = ModelInputs.LoadModel(modelPath);
        var input = ModelInputs.Tensor(model, ModelInputs.Decode(imagePath));
        int classIndex = model.Predict(input, 1)[0].ClassIndex;
        model.Explain(input, classIndex, [MethodSpec.Parse("gradcam")]);
        double forward = Median(repeat, () => model.Logits(input));
        var seconds = new Dictionary<string, double>();
        foreach (var spec in specs)
        {
            seconds[spec.Name] = Median(repeat, () => model.Explain(input, classIndex, [spec]));
            if (!json) context.Out.WriteLine($"  {spec.Name,-28} {seconds[spec.Name]:F4} s");
        }
        if (json)
        {
            context.Out.WriteLine(JsonSerializer.Serialize(new
            {
                model = modelPath,
                @class = classIndex,
                threads = EngineRuntime.Threads,
                backend = EngineRuntime.Backend,
                repeat,
                forward_s = forward,
                methods_s = seconds,
            }, new JsonSerializerOptions { WriteIndented = true }));
        }
        return ExitCodes.Ok;
    }

    private static int Execute(CliContext context, string modelPath, string imagePath, int repeat, int? threads, bool json)
    {
        if (repeat < 1) throw new CliException("--repeat must be at least 1");
        if (threads is < 1) throw new CliException("--threads must be at least 1");
        if (threads is int t) EngineRuntime.Threads = t;
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
        var batch = Enumerable.Repeat(input, BatchSize).ToArray();
        var batchClasses = Enumerable.Repeat<IReadOnlyList<int>>([classIndex], BatchSize).ToArray();
        double batchForward = Median(repeat, () => model.Logits(batch));
        // The peak of the one-image work and the batch forward (what bench/torch_bench.py does before its batch
        // methods), then of everything, the batch bundle included.
        long peakOneImage = Process.GetCurrentProcess().PeakWorkingSet64;
        double batchBundle = Median(repeat, () => model.Explain(batch, batchClasses, bundle));
        long peak = Process.GetCurrentProcess().PeakWorkingSet64;

        var report = new
        {
            model = modelPath,
            input = new[] { model.Channels, model.InputHeight, model.InputWidth },
            target_layer = model.TargetLayer,
            @class = classIndex,
            threads = EngineRuntime.Threads,
            backend = EngineRuntime.Backend,
            processors = Environment.ProcessorCount,
            repeat,
            load_s = loadSeconds,
            forward_s = forward,
            forward_gflops = model.ForwardFlops / forward / 1e9,
            bundle_methods = BundleMethods,
            bundle_s = full,
            methods_s = alone,
            batch_size = BatchSize,
            batch_forward_s = batchForward,
            batch_bundle_s = batchBundle,
            peak_one_image_mb = peakOneImage / (1024.0 * 1024.0),
            peak_working_set_mb = peak / (1024.0 * 1024.0),
        };
        if (json)
        {
            context.Out.WriteLine(JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
            return ExitCodes.Ok;
        }
        context.Out.WriteLine($"{modelPath}: {model.Channels}×{model.InputHeight}×{model.InputWidth}, {report.threads} threads ({report.backend}), median of {repeat}");
        context.Out.WriteLine($"  forward  {forward:F4} s  ({report.forward_gflops:F1} GFLOP/s)");
        context.Out.WriteLine($"  bundle   {full:F4} s  ({string.Join(", ", BundleMethods)})");
        foreach (var (name, seconds) in alone) context.Out.WriteLine($"  {name,-18} {seconds:F4} s");
        context.Out.WriteLine($"  batch of {BatchSize}: forward {batchForward:F4} s, bundle {batchBundle:F4} s");
        context.Out.WriteLine($"  peak working set {report.peak_one_image_mb:F0} MB before the batch bundle, {report.peak_working_set_mb:F0} MB after it");
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
