namespace SquadStudy.Analysis.Statistics;

/// <summary>One binary outcome, its participant and whether it belongs to group A (else group B).</summary>
public readonly record struct LabelledOutcome(string ParticipantId, bool IsA, bool Correct);

/// <summary>Result of a permutation test on a difference in proportions.</summary>
/// <param name="Difference">Observed p̂_A − p̂_B.</param>
/// <param name="PValue">(1 + #{|D*| ≥ |D_obs|}) / (1 + B); NaN when a group is empty or B = 0.</param>
/// <param name="Permutations">B, the number of random relabelings.</param>
/// <param name="MixedParticipants">Participants with answers in both groups; with none, no relabeling changes anything and p = 1.</param>
public readonly record struct PermutationResult(double Difference, double PValue, int Permutations, int MixedParticipants);

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
    /// Random numbers come from our xoshiro256** seeded with <paramref name="seed"/>, so the same input (in the
    /// same order) and seed give the same p on every machine and runtime.
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
        for (int i = 0; i < outcomes.Count; i++)
        {
            var o = outcomes[i];
            if (o.ParticipantId is null)
            {
                throw new ArgumentException($"outcomes[{i}].ParticipantId is null.", nameof(outcomes));
            }

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
            return new PermutationResult(double.NaN, double.NaN, permutations, 0);
        }

        double difference = (double)correctA / nA - (double)(correctTotal - correctA) / nB;
        if (permutations == 0)
        {
            return new PermutationResult(difference, double.NaN, 0, 0);
        }

        // D is compared in integers: n_A·n_B·D = c_A·n_B − c_B·n_A, so ties with D_obs are exact.
        long Scaled(long cA) => cA * nB - (correctTotal - cA) * nA;
        long observed = Math.Abs(Scaled(correctA));

        // Participants whose relabeling cannot change c_A (one label only, or all answers equal) add a constant
        // and draw no random numbers.
        long fixedCorrectA = 0;
        int mixedParticipants = 0;
        var varying = new List<VaryingParticipant>();
        foreach (var list in answers)
        {
            int a = list.Count(x => x.IsA), m = list.Count, correct = list.Count(x => x.Correct);
            mixedParticipants += a > 0 && a < m ? 1 : 0;
            if (a == 0 || a == m || correct == 0 || correct == m)
            {
                fixedCorrectA += list.Count(x => x.IsA && x.Correct);
                continue;
            }

            // The relabeled group drawn at random is the smaller one (the one holding the first answer if sizes
            // are equal). That choice and the draws do not depend on which group is called A, so swapping A and B
            // turns every D* into −D* and leaves the p-value exactly unchanged.
            bool drawA = a < m - a || (a == m - a && list[0].IsA);
            var outcomes01 = list.Select(x => x.Correct).ToArray();
            varying.Add(new VaryingParticipant(outcomes01, drawA ? a : m - a, drawA, correct));
        }

        var random = new Xoshiro256(seed);
        long extreme = 0;
        for (int b = 0; b < permutations; b++)
        {
            long cA = fixedCorrectA;
            foreach (var p in varying)
            {
                // Partial Fisher–Yates: positions [0, k) become a uniform random k-subset of the participant's
                // answers (the array's current order is itself a permutation, so no reset is needed).
                bool[] c = p.Correct;
                int drawnCorrect = 0;
                for (int i = 0; i < p.Drawn; i++)
                {
                    int j = i + random.NextInt(c.Length - i);
                    (c[i], c[j]) = (c[j], c[i]);
                    drawnCorrect += c[i] ? 1 : 0;
                }

                cA += p.DrawnIsA ? drawnCorrect : p.TotalCorrect - drawnCorrect;
            }

            if (Math.Abs(Scaled(cA)) >= observed)
            {
                extreme++;
            }
        }

        return new PermutationResult(difference, (1.0 + extreme) / (1.0 + permutations), permutations, mixedParticipants);
    }
}

internal sealed record VaryingParticipant(bool[] Correct, int Drawn, bool DrawnIsA, int TotalCorrect);
