namespace SquadStudy.Analysis.Statistics;

/// <summary>One binary outcome, its participant and whether it belongs to group A (else group B).</summary>
public readonly record struct LabelledOutcome(string ParticipantId, bool IsA, bool Correct);

/// <summary>Result of a permutation test on a difference in proportions.</summary>
/// <param name="Difference">Observed p̂_A − p̂_B.</param>
/// <param name="PValue">(1 + #{|D*| ≥ |D_obs|}) / (1 + B); NaN when a group is empty or B = 0.</param>
/// <param name="Permutations">B, the number of random relabelings.</param>
public readonly record struct PermutationResult(double Difference, double PValue, int Permutations);

/// <summary>
/// Permutation test for p_A = p_B that keeps each participant's answers together: within each participant the
/// A/B labels are shuffled among that participant's answers, so every participant keeps its number of A and B
/// answers and its own accuracy, and between-participant differences cannot create a spurious effect.
/// </summary>
public static class PermutationTest
{
    /// <summary>
    /// Two-sided Monte-Carlo p-value with the +1 correction of Phipson &amp; Smyth (2010):
    /// p = (1 + #{b : |D*_b| ≥ |D_obs|}) / (1 + B), which is never 0 and is a valid p-value.
    /// Random numbers come from <c>new System.Random(seed)</c>: a seeded Random uses the same legacy
    /// algorithm in every .NET version, so the same input (in the same order) and seed give the same p.
    /// </summary>
    public static PermutationResult DifferenceInProportions(IReadOnlyList<LabelledOutcome> outcomes, int permutations, int seed)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        if (permutations < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(permutations), $"permutations = {permutations}: need ≥ 0.");
        }

        // Participants in order of first appearance, so the random stream is consumed in a fixed order.
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var answers = new List<List<LabelledOutcome>>();
        long nA = 0, nB = 0, correctA = 0, correctTotal = 0;
        foreach (var o in outcomes)
        {
            if (!index.TryGetValue(o.ParticipantId, out int p))
            {
                p = answers.Count;
                index.Add(o.ParticipantId, p);
                answers.Add([]);
            }

            answers[p].Add(o);
            nA += o.IsA ? 1 : 0;
            nB += o.IsA ? 0 : 1;
            correctA += o.IsA && o.Correct ? 1 : 0;
            correctTotal += o.Correct ? 1 : 0;
        }

        if (nA == 0 || nB == 0)
        {
            return new PermutationResult(double.NaN, double.NaN, permutations);
        }

        double difference = (double)correctA / nA - (double)(correctTotal - correctA) / nB;
        if (permutations == 0)
        {
            return new PermutationResult(difference, double.NaN, 0);
        }

        // D is compared in integers: n_A·n_B·D = c_A·n_B − c_B·n_A, so ties with D_obs are exact.
        long Scaled(long cA) => cA * nB - (correctTotal - cA) * nA;
        long observed = Math.Abs(Scaled(correctA));

        // Participants whose relabeling cannot change c_A (one label only, or all answers equal) add a constant
        // and draw no random numbers.
        long fixedCorrectA = 0;
        var varying = new List<(bool[] Correct, bool[] IsA)>();
        for (int p = 0; p < answers.Count; p++)
        {
            var list = answers[p];
            int a = list.Count(x => x.IsA), correct = list.Count(x => x.Correct);
            if (a == 0 || a == list.Count || correct == 0 || correct == list.Count)
            {
                fixedCorrectA += list.Count(x => x.IsA && x.Correct);
            }
            else
            {
                varying.Add((list.Select(x => x.Correct).ToArray(), list.Select(x => x.IsA).ToArray()));
            }
        }

        // Each relabeling is a uniform random permutation of the participant's outcomes over the fixed label
        // positions (a full Fisher–Yates shuffle). The draws do not depend on which group is called A, so
        // swapping A and B turns every D* into −D* and leaves the p-value exactly unchanged.
        var random = new Random(seed);
        long extreme = 0;
        for (int b = 0; b < permutations; b++)
        {
            long cA = fixedCorrectA;
            foreach (var (c, isA) in varying)
            {
                for (int i = c.Length - 1; i > 0; i--)
                {
                    int j = random.Next(i + 1);
                    (c[i], c[j]) = (c[j], c[i]);
                }

                for (int i = 0; i < c.Length; i++)
                {
                    cA += isA[i] && c[i] ? 1 : 0;
                }
            }

            if (Math.Abs(Scaled(cA)) >= observed)
            {
                extreme++;
            }
        }

        return new PermutationResult(difference, (1.0 + extreme) / (1.0 + permutations), permutations);
    }
}
