using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using SquadStudy.Studies;
using SquadStudy.Studies.Engine;

namespace SquadStudy.Studies.Tests;

/// <summary>
/// A stand-in for the CNN engine, so that validation, import and resume logic are tested without
/// running a model. Images are "FAKEIMG w h\n" followed by w·h·3 bytes; a "model" file is JSON
/// {"width","height","classes","salt"}. Predictions and rendered bytes are pure functions of the
/// inputs (as the real engine's must be), and calls are counted so tests can see skipped work.
/// </summary>
internal sealed class FakeEngine : IExplanationEngine
{
    public static readonly string[] Methods = ["gradcam", "squadcam", "guided-gradcam", "gradcampp"];

    private int _explainCalls;
    private int _predictCalls;

    public int ExplainCalls => _explainCalls;
    public int PredictCalls => _predictCalls;

    /// <summary>While set, every explanation fails (as a model whose backward pass breaks would).</summary>
    public volatile bool ExplainFails;

    public static byte[] Image(int width, int height, byte seed)
    {
        var header = Encoding.ASCII.GetBytes($"FAKEIMG {width} {height}\n");
        var pixels = new byte[width * height * 3];
        for (var i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (byte)(seed * 31 + i * 7);
        }
        return [.. header, .. pixels];
    }

    public static string Model(int width, int height, int classes, int salt) =>
        JsonSerializer.Serialize(new { width, height, classes, salt });

    public DecodedImage Decode(byte[] data, string source)
    {
        var newline = Array.IndexOf(data, (byte)'\n');
        var parts = newline > 0 ? Encoding.ASCII.GetString(data, 0, newline).Split(' ') : [];
        if (parts.Length != 3 || parts[0] != "FAKEIMG" || !int.TryParse(parts[1], out var w) || !int.TryParse(parts[2], out var h)
            || data.Length - newline - 1 != w * h * 3)
        {
            throw new EngineInputException($"{source}: not a FAKEIMG file or truncated");
        }
        return new DecodedImage(w, h, data[(newline + 1)..]);
    }

    public IStudyModel LoadModel(string onnxPath, ModelMetadata metadata)
    {
        try
        {
            var spec = JsonSerializer.Deserialize<JsonElement>(File.ReadAllText(onnxPath));
            return new FakeModel(this, spec.GetProperty("width").GetInt32(), spec.GetProperty("height").GetInt32(),
                spec.GetProperty("classes").GetInt32(), spec.GetProperty("salt").GetInt32());
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new EngineInputException($"malformed model file ({e.Message})", e);
        }
    }

    public string? MethodProblem(string method) => Methods.Contains(method) ? null : $"unknown method '{method}'";

    private sealed class FakeModel(FakeEngine owner, int width, int height, int classes, int salt) : IStudyModel
    {
        public int InputWidth => width;
        public int InputHeight => height;
        public int ClassCount => classes;

        public float[] Probabilities(DecodedImage image)
        {
            Interlocked.Increment(ref owner._predictCalls);
            var hash = SHA256.HashData([.. image.Rgb, (byte)salt]);
            var scores = Enumerable.Range(0, classes).Select(c => (float)Math.Exp(hash[c] / 64.0)).ToArray();
            var sum = scores.Sum();
            return scores.Select(s => s / sum).ToArray();
        }

        public IReadOnlyList<RenderedExplanation> Explain(DecodedImage image, int classIndex, IReadOnlyList<string> methods, IReadOnlyList<GroundTruthBox> boxes)
        {
            Interlocked.Increment(ref owner._explainCalls);
            if (owner.ExplainFails)
            {
                throw new InvalidOperationException($"fake explanation failure for class {classIndex}");
            }
            return methods.Select(m =>
            {
                var png = SHA256.HashData([.. image.Rgb, (byte)salt, (byte)classIndex, .. Encoding.UTF8.GetBytes(m)]);
                var inBox = boxes.Any(b => b.Class == classIndex);
                return new RenderedExplanation(m, classIndex, png, new ExplanationMetrics([1, 1, 2, 2], 0.5, inBox, inBox, 1.0, 0.5, 0.25));
            }).ToList();
        }

        /// <summary>The fake's numbers depend on the map only through its sum, enough to see that the map was read.</summary>
        public ExplanationMetrics Measure(DecodedImage image, int classIndex, float[] evidence, int height, int width,
            IReadOnlyList<GroundTruthBox> boxes, EngineMetricOptions metrics)
        {
            var inBox = boxes.Any(b => b.Class == classIndex);
            double? auc = metrics.DeletionInsertion is null ? null : evidence.Sum() / (height * width);
            return new ExplanationMetrics([1, 1, 2, 2], 0.5, inBox, inBox, 1.0, 0.5, 0.25, DeletionAuc: auc, InsertionAuc: auc);
        }

        public void Dispose()
        {
        }
    }
}
