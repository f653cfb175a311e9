namespace SquadStudy.Analysis;

/// <summary>Rejects malformed records with a message that names the record and field.</summary>
internal static class InputValidation
{
    public static void Validate(StudyData data)
    {
        Require(data.Participants, nameof(StudyData.Participants));
        Require(data.Discrimination, nameof(StudyData.Discrimination));
        Require(data.Trust, nameof(StudyData.Trust));
        Require(data.Comparisons, nameof(StudyData.Comparisons));
        Require(data.Simulation, nameof(StudyData.Simulation));

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < data.Participants.Count; i++)
        {
            var p = data.Participants[i] ?? throw new ArgumentException($"Participants[{i}] is null.", nameof(data));
            Text(p.ParticipantId, $"Participants[{i}].ParticipantId");
            if (!seen.Add(p.ParticipantId))
            {
                throw new ArgumentException($"Participants[{i}].ParticipantId '{p.ParticipantId}' appears twice.", nameof(data));
            }

            if (p.FailedAttentionChecks < 0)
            {
                throw new ArgumentException($"Participants[{i}].FailedAttentionChecks = {p.FailedAttentionChecks}: need ≥ 0.", nameof(data));
            }

            if (p.MedianResponseMs is { } ms && !(ms >= 0.0 && double.IsFinite(ms)))
            {
                throw new ArgumentException($"Participants[{i}].MedianResponseMs = {ms}: need a finite value ≥ 0.", nameof(data));
            }
        }

        RightOrWrong(data.Discrimination, nameof(StudyData.Discrimination));
        RightOrWrong(data.Simulation, nameof(StudyData.Simulation));

        for (int i = 0; i < data.Trust.Count; i++)
        {
            var a = data.Trust[i] ?? throw new ArgumentException($"Trust[{i}] is null.", nameof(data));
            Text(a.ParticipantId, $"Trust[{i}].ParticipantId");
            Text(a.ImageId, $"Trust[{i}].ImageId");
            Text(a.Method, $"Trust[{i}].Method");
            Text(a.ModelA, $"Trust[{i}].ModelA");
            Text(a.ModelB, $"Trust[{i}].ModelB");
            if (a.ModelA == a.ModelB)
            {
                throw new ArgumentException($"Trust[{i}] compares model '{a.ModelA}' with itself.", nameof(data));
            }

            if (a.ScoreForA is < -2 or > 2)
            {
                throw new ArgumentException($"Trust[{i}].ScoreForA = {a.ScoreForA}: the scale is −2 … +2.", nameof(data));
            }
        }

        for (int i = 0; i < data.Comparisons.Count; i++)
        {
            var a = data.Comparisons[i] ?? throw new ArgumentException($"Comparisons[{i}] is null.", nameof(data));
            Text(a.ParticipantId, $"Comparisons[{i}].ParticipantId");
            Text(a.ImageId, $"Comparisons[{i}].ImageId");
            Text(a.Model, $"Comparisons[{i}].Model");
            Text(a.MethodA, $"Comparisons[{i}].MethodA");
            Text(a.MethodB, $"Comparisons[{i}].MethodB");
            if (a.MethodA == a.MethodB)
            {
                throw new ArgumentException($"Comparisons[{i}] compares method '{a.MethodA}' with itself.", nameof(data));
            }

            if (!Enum.IsDefined(a.Choice))
            {
                throw new ArgumentException($"Comparisons[{i}].Choice = {(int)a.Choice} is not A, B or Same.", nameof(data));
            }
        }
    }

    private static void RightOrWrong(IReadOnlyList<DiscriminationAnswer> answers, string name)
    {
        for (int i = 0; i < answers.Count; i++)
        {
            var a = answers[i] ?? throw new ArgumentException($"{name}[{i}] is null.", "data");
            Text(a.ParticipantId, $"{name}[{i}].ParticipantId");
            Text(a.ImageId, $"{name}[{i}].ImageId");
            Text(a.Model, $"{name}[{i}].Model");
            Text(a.Method, $"{name}[{i}].Method");
            if (a.Confidence is < 1)
            {
                throw new ArgumentException($"{name}[{i}].Confidence = {a.Confidence}: levels start at 1.", "data");
            }
        }
    }

    private static void Require<T>(IReadOnlyList<T>? list, string name)
    {
        if (list is null)
        {
            throw new ArgumentException($"StudyData.{name} is null; pass an empty list instead.", "data");
        }
    }

    private static void Text(string? value, string field)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new ArgumentException($"{field} is empty.", "data");
        }
    }
}
