using SquadStudy.Engine.Models;
using SquadStudy.Engine.Imaging;

namespace SquadStudy.Engine.Metrics;

/// <summary>
/// The class's softmax probability on the image (<see cref="Original"/>), on the image multiplied by
/// the explanation (<see cref="ExplanationMasked"/>) and on the image with the explanation's top
/// pixels removed (<see cref="TopRemoved"/>).
/// </summary>
public readonly record struct FaithfulnessScores(double Original, double ExplanationMasked, double TopRemoved);

/// <summary>Means over images, in percent.</summary>
/// <param name="AverageDropPercent">Grad-CAM++ Average Drop: <c>mean(max(0, Y − O)/Y)·100</c>, O = explanation-masked.</param>
/// <param name="IncreaseInConfidencePercent">Grad-CAM++ % Increase in Confidence: <c>mean(1[O > Y])·100</c>.</param>
/// <param name="TopRemovedDropPercent">Relative drop when the top pixels are removed: <c>mean((Y − R)/Y)·100</c>
/// (not clipped: negative when removal raises confidence).</param>
public sealed record FaithfulnessSummary(int Count, double AverageDropPercent, double IncreaseInConfidencePercent, double TopRemovedDropPercent);

/// <summary>
/// Faithfulness of explanation maps measured with the model. The model is any function from a
/// normalised CHW input to logits, so this code does not depend on the inference engine. All masking
/// happens in pixel space (the [0, 1] image, <see cref="Preprocessing.ToUnitTensor"/>) before the
/// mean/std normalisation, as the metrics' authors did on images.
/// </summary>
public static class Faithfulness
{
    /// <summary>Fraction of pixels removed for <see cref="FaithfulnessScores.TopRemoved"/>.</summary>
    public const double DefaultRemoveFraction = 0.25;

    /// <summary>
    /// Scores one (image, class, map). <paramref name="unitImage"/> is the model-sized CHW image in
    /// [0, 1]. The map (any resolution) is upsampled bilinearly to the model's input size and min-max
    /// scaled to [0, 1]; then
    /// <list type="bullet">
    /// <item>Grad-CAM++ (Chattopadhay et al. 2018, §6.1) explanation map <c>E = L ∘ I</c>: every
    /// channel of the image multiplied by the scaled map. The paper calls Y and O the class "score";
    /// its released code uses the softmax probability, as here (logits can be negative, which makes the
    /// ratio meaningless).</item>
    /// <item>top removal: the <c>round(fraction · H·W)</c> pixels with the highest map values (ties:
    /// row-major order) are set to the dataset mean in every channel, i.e. to 0 after normalisation,
    /// the usual "remove" of deletion metrics that keeps the input in distribution.</item>
    /// </list>
    /// </summary>
    public static FaithfulnessScores Score(
        ReadOnlySpan<float> unitImage, PreprocessOptions options, ReadOnlySpan<float> map, int mapHeight, int mapWidth,
        int classIndex, Func<float[], float[]> model, double removeFraction = DefaultRemoveFraction)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfNegative(classIndex);
        if (!(removeFraction >= 0 && removeFraction <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(removeFraction), removeFraction, "Must be in [0, 1].");
        }

        var plane = options.Width * options.Height;
        if (unitImage.Length != 3 * plane)
        {
            throw new ArgumentException($"The image must be 3×{options.Height}×{options.Width} = {3 * plane} values, got {unitImage.Length}.", nameof(unitImage));
        }

        Localisation.CheckMap(map, mapHeight, mapWidth);
        var upsampled = Resize.BilinearMap(map, mapHeight, mapWidth, options.Height, options.Width);
        var scaled = Rendering.Render.MinMaxScale(upsampled);

        var original = Probability(unitImage.ToArray(), options, classIndex, model);

        var masked = unitImage.ToArray();
        for (var c = 0; c < 3; c++)
        {
            for (var i = 0; i < plane; i++)
            {
                masked[c * plane + i] *= scaled[i];
            }
        }

        var explained = Probability(masked, options, classIndex, model);

        var removed = unitImage.ToArray();
        foreach (var i in TopIndices(upsampled, (int)Math.Round(removeFraction * plane, MidpointRounding.AwayFromZero)))
        {
            for (var c = 0; c < 3; c++)
            {
                removed[c * plane + i] = options.Mean[c];
            }
        }

        return new FaithfulnessScores(original, explained, Probability(removed, options, classIndex, model));
    }

    /// <summary>Scores an image of any size: resized and scaled by <see cref="Preprocessing.ToUnitTensor"/> first.</summary>
    public static FaithfulnessScores Score(
        RgbImage image, PreprocessOptions options, ReadOnlySpan<float> map, int mapHeight, int mapWidth,
        int classIndex, Func<float[], float[]> model, double removeFraction = DefaultRemoveFraction)
    {
        ArgumentNullException.ThrowIfNull(options);
        var unit = Preprocessing.ToUnitTensor(image, options.Width, options.Height);
        return Score(unit, options, map, mapHeight, mapWidth, classIndex, model, removeFraction);
    }

    /// <summary>Grad-CAM++ Average Drop %: <c>mean(max(0, Y − O)/Y)·100</c>.</summary>
    public static double AverageDropPercent(IEnumerable<(double Y, double O)> pairs) =>
        MeanPercent(pairs, p => Math.Max(0, p.Y - p.O) / p.Y);

    /// <summary>Grad-CAM++ % Increase in Confidence: <c>mean(1[O > Y])·100</c>.</summary>
    public static double IncreaseInConfidencePercent(IEnumerable<(double Y, double O)> pairs) =>
        MeanPercent(pairs, p => p.O > p.Y ? 1 : 0);

    /// <summary>The three summary figures over a set of scored images (NaN for none).</summary>
    public static FaithfulnessSummary Summarise(IEnumerable<FaithfulnessScores> scores)
    {
        ArgumentNullException.ThrowIfNull(scores);
        var list = scores.ToList();
        var explained = list.Select(s => (s.Original, s.ExplanationMasked)).ToList();
        return new FaithfulnessSummary(
            list.Count,
            AverageDropPercent(explained),
            IncreaseInConfidencePercent(explained),
            MeanPercent(list.Select(s => (s.Original, s.TopRemoved)), p => (p.Y - p.O) / p.Y));
    }

    private static double Probability(float[] unit, PreprocessOptions options, int classIndex, Func<float[], float[]> model)
    {
        Preprocessing.Normalize(unit, options, unit);
        var logits = model(unit) ?? throw new InvalidOperationException("The model returned no logits.");
        if (classIndex >= logits.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(classIndex), classIndex, $"The model returned {logits.Length} logits.");
        }

        return Probabilities.Softmax(logits)[classIndex];
    }

    /// <summary>Indices of the <paramref name="count"/> largest values; ties in row-major order.</summary>
    private static int[] TopIndices(float[] values, int count)
    {
        var order = Enumerable.Range(0, values.Length).ToArray();
        Array.Sort(order, (a, b) => values[b] != values[a] ? values[b].CompareTo(values[a]) : a.CompareTo(b));
        return order[..count];
    }

    private static double MeanPercent(IEnumerable<(double Y, double O)> pairs, Func<(double Y, double O), double> term)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        double sum = 0;
        var n = 0;
        foreach (var p in pairs)
        {
            if (!(p.Y > 0))
            {
                throw new ArgumentException($"The original confidence Y must be positive, got {p.Y}.", nameof(pairs));
            }

            sum += term(p);
            n++;
        }

        return n == 0 ? double.NaN : 100 * sum / n;
    }
}
