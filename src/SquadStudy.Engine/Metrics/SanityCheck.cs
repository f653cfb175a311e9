using SquadStudy.Engine.Models;

namespace SquadStudy.Engine.Metrics;

/// <summary>
/// One method's model-randomisation sanity check on one (image, class): the Spearman rank
/// correlation between its map on the trained model and on the model with
/// <see cref="Layers"/>[0..i] re-initialised, for each step i of the cascade. NaN where either map is
/// constant (e.g. a Grad-CAM that the ReLU zeroes on the random model): the ranking is undefined.
/// </summary>
public sealed record SanityCheckResult(IReadOnlyList<string> Layers, double[] Correlations)
{
    /// <summary>The correlation with every cascade layer re-initialised (the last step).</summary>
    public double Final => Correlations.Length == 0 ? double.NaN : Correlations[^1];

    /// <summary>
    /// True when the map still ranks its pixels as on the trained model after the whole cascade is
    /// re-initialised (<see cref="Final"/> ≥ <paramref name="threshold"/>): the method does not depend
    /// on the weights it claims to explain (Adebayo et al. 2018, §3.1).
    /// </summary>
    public bool IsWeightIndependent(double threshold = SanityCheck.DefaultThreshold) => Final >= threshold;
}

/// <summary>
/// The model-randomisation sanity check (Adebayo et al. 2018): unlike the perturbation metrics it
/// needs the explainer, since the model itself changes. The cascade is made once per model
/// (<see cref="ExplanationModel.RandomiseCascading"/>); <see cref="Run"/> computes the method's map on
/// each of its models and compares it with the trained model's map by
/// <see cref="RankCorrelation.Spearman"/>.
/// </summary>
public static class SanityCheck
{
    /// <summary>Spearman ρ at or above which a method is flagged as weight independent.</summary>
    public const double DefaultThreshold = 0.5;

    /// <summary>Re-initialised layers by default: enough to reach below the CAM target layer of the usual heads.</summary>
    public const int DefaultDepth = 3;

    /// <summary>
    /// <paramref name="explain"/> gives the method's map (any fixed shape) on a model, for the
    /// image and class under test; <paramref name="original"/> is its map on the trained model.
    /// </summary>
    public static SanityCheckResult Run(ReadOnlySpan<float> original, RandomisationCascade cascade, Func<ExplanationModel, float[]> explain)
    {
        ArgumentNullException.ThrowIfNull(cascade);
        ArgumentNullException.ThrowIfNull(explain);
        var correlations = new double[cascade.Models.Count];
        for (var i = 0; i < correlations.Length; i++)
        {
            var map = explain(cascade.Models[i]);
            if (map.Length != original.Length)
            {
                throw new ArgumentException($"The randomised model's map has {map.Length} values, the trained model's {original.Length}.", nameof(explain));
            }

            correlations[i] = RankCorrelation.Spearman(original, map);
        }

        return new SanityCheckResult(cascade.Layers, correlations);
    }
}
