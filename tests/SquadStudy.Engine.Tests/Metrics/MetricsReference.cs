using System.Text.Json;

namespace SquadStudy.Engine.Tests.Metrics;

/// <summary>
/// tests/fixtures/metrics/reference.json, made by scripts/make_metrics_fixtures.py with NumPy, SciPy
/// and PyTorch: a linear softmax classifier, an input, a map and the metrics' reference values.
/// </summary>
internal sealed class MetricsReference
{
    private MetricsReference(JsonElement root) => Root = root;

    public JsonElement Root { get; }

    public static MetricsReference Load()
    {
        var path = Path.Combine(FixturePaths.EngineRoot, "..", "metrics", "reference.json");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return new MetricsReference(document.RootElement.Clone());
    }

    public int Int(string name) => Root.GetProperty(name).GetInt32();

    public double Double(string name) => Root.GetProperty(name).GetDouble();

    public float[] Floats(string name) => Root.GetProperty(name).EnumerateArray().Select(e => e.GetSingle()).ToArray();

    public double[] Doubles(string name) => Root.GetProperty(name).EnumerateArray().Select(e => e.GetDouble()).ToArray();

    public int Channels => Int("channels");
    public int Height => Int("height");
    public int Width => Int("width");
    public int Class => Int("class");

    /// <summary>The fixture's classifier: float32 logits <c>W x + b</c> accumulated in double, as the script computes them.</summary>
    public Func<IReadOnlyList<float[]>, float[][]> Model()
    {
        var w = Floats("weights");
        var b = Floats("bias");
        var classes = Int("classes");
        return inputs => inputs.Select(x =>
        {
            var logits = new float[classes];
            for (var k = 0; k < classes; k++)
            {
                double s = b[k];
                for (var i = 0; i < x.Length; i++)
                {
                    s += (double)w[k * x.Length + i] * x[i];
                }

                logits[k] = (float)s;
            }

            return logits;
        }).ToArray();
    }
}
