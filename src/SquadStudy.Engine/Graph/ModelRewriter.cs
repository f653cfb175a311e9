using SquadStudy.Engine.Onnx;
using SquadStudy.Engine.Tensors;

namespace SquadStudy.Engine.Graph;

/// <summary>Inference-time rewrites applied once after loading.</summary>
internal static class ModelRewriter
{
    /// <summary>
    /// A final Softmax/LogSoftmax is dropped so the output is the pre-softmax logit y^c that every
    /// explanation method differentiates.
    /// </summary>
    public static void StripFinalSoftmax(OnnxModel model)
    {
        var last = model.Nodes.LastOrDefault(n => n.Outputs.Contains(model.Output));
        if (last is null || last.OpType is not ("Softmax" or "LogSoftmax") || last.Inputs.Length == 0) return;
        if (model.Nodes.Any(n => n.Inputs.Contains(model.Output))) return;
        model.Output = last.Inputs[0];
        model.Nodes.Remove(last);
    }

    /// <summary>
    /// Folds BatchNormalization into the Conv that feeds it (W' = W·scale[m], b' = b·scale + shift)
    /// when the Conv's output has no other reader. The BN's output name survives, so target layers
    /// named after it (or after the ReLU that follows) are unaffected.
    /// </summary>
    public static void FuseConvBatchNorm(OnnxModel model)
    {
        var readers = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var n in model.Nodes)
            foreach (var i in n.Inputs) readers[i] = readers.GetValueOrDefault(i) + 1;
        var producers = new Dictionary<string, OnnxNode>(StringComparer.Ordinal);
        foreach (var n in model.Nodes)
            foreach (var o in n.Outputs) if (o.Length > 0) producers[o] = n;

        var removed = new HashSet<OnnxNode>();
        foreach (var bn in model.Nodes.Where(n => n.OpType == "BatchNormalization").ToList())
        {
            if (bn.Inputs.Length < 5 || bn.Outputs.Skip(1).Any(o => o.Length > 0) || bn.Int("training_mode", 0) != 0) continue;
            if (!producers.TryGetValue(bn.Inputs[0], out var conv) || conv.OpType != "Conv") continue;
            if (readers.GetValueOrDefault(conv.Outputs[0]) != 1 || conv.Outputs[0] == model.Output) continue;
            if (!model.Initializers.TryGetValue(conv.Input(1), out var w) || w.IsInt64 || w.Rank != 4) continue;
            Tensor? b = null;
            if (conv.Input(2).Length > 0 && !model.Initializers.TryGetValue(conv.Input(2), out b)) continue;
            var p = new Tensor?[4];
            for (int i = 0; i < 4; i++) p[i] = model.Initializers.GetValueOrDefault(bn.Inputs[i + 1]);
            int m = w.Shape[0];
            if (p.Any(t => t is null || t.IsInt64 || t.Length != m) || (b is not null && (b.IsInt64 || b.Length != m))) continue;

            float eps = bn.Float("epsilon", 1e-5f);
            int per = w.Length / Math.Max(1, m);
            var fusedW = new float[w.Length];
            var fusedB = new float[m];
            for (int o = 0; o < m; o++)
            {
                double scale = p[0]!.Data[o] / Math.Sqrt((double)p[3]!.Data[o] + eps);
                for (int j = 0; j < per; j++) fusedW[o * per + j] = (float)(w.Data[o * per + j] * scale);
                fusedB[o] = (float)(((b?.Data[o] ?? 0f) - p[2]!.Data[o]) * scale + p[1]!.Data[o]);
            }
            string wName = UniqueName(model, conv.Input(1) + "_bnfused");
            string bName = UniqueName(model, wName + "_bias");
            model.Initializers[wName] = new Tensor(w.Shape, fusedW);
            model.Initializers[bName] = new Tensor([m], fusedB);
            conv.Inputs = [conv.Inputs[0], wName, bName];
            conv.Outputs = [bn.Outputs[0]];
            removed.Add(bn);
        }
        if (removed.Count == 0) return;
        model.Nodes = model.Nodes.Where(n => !removed.Contains(n)).ToList();
        // Drop the unfused weights nobody reads any more, so they do not stay in memory twice.
        var read = model.Nodes.SelectMany(n => n.Inputs).ToHashSet(StringComparer.Ordinal);
        foreach (var name in model.Initializers.Keys.Where(k => !read.Contains(k)).ToList()) model.Initializers.Remove(name);
    }

    private static string UniqueName(OnnxModel model, string name)
    {
        string candidate = name;
        for (int i = 1; model.Initializers.ContainsKey(candidate); i++) candidate = $"{name}_{i}";
        return candidate;
    }
}
