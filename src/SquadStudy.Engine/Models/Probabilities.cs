namespace SquadStudy.Engine.Models;

/// <summary>Class probabilities from logits: the one softmax of the engine, the CLI and the studies.</summary>
public static class Probabilities
{
    /// <summary>Softmax in double precision, shifted by the maximum for stability.</summary>
    public static double[] Softmax(ReadOnlySpan<float> logits)
    {
        if (logits.IsEmpty)
        {
            throw new ArgumentException("No logits.", nameof(logits));
        }

        double max = double.NegativeInfinity;
        foreach (var v in logits)
        {
            if (!float.IsFinite(v))
            {
                throw new ArgumentException("The logits contain NaN or infinite values.", nameof(logits));
            }

            max = Math.Max(max, v);
        }

        var result = new double[logits.Length];
        double sum = 0;
        for (var i = 0; i < logits.Length; i++)
        {
            result[i] = Math.Exp(logits[i] - max);
            sum += result[i];
        }

        for (var i = 0; i < result.Length; i++)
        {
            result[i] /= sum;
        }

        return result;
    }
}
