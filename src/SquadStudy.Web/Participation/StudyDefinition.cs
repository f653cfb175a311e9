using System.Text.Json;

namespace SquadStudy.Web.Participation;

/// <summary>How many questions of one experiment each participant answers (study.json <c>experiments[]</c>).</summary>
public sealed record ExperimentQuota(string Type, int Questions);

/// <summary>An instructed-response attention check (study.json <c>attention_checks[]</c>).</summary>
public sealed record AttentionCheck(int After, string Prompt, string Answer, IReadOnlyList<string> Options);

/// <summary>The parts of a study's study.json that the participant side needs.</summary>
public sealed record StudyDefinition(IReadOnlyList<ExperimentQuota> Experiments, IReadOnlyList<AttentionCheck> AttentionChecks)
{
    /// <summary>Options shown with an attention check that names none: the answer is always among them.</summary>
    internal static readonly string[] DefaultAttentionOptions = ["Agree", "Disagree", "Neither", "Not sure"];

    /// <summary>Reads the study definition; a malformed one names the field at fault.</summary>
    public static StudyDefinition Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var experiments = new List<ExperimentQuota>();
        if (root.TryGetProperty("experiments", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            var index = 0;
            foreach (var experiment in list.EnumerateArray())
            {
                var type = experiment.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : null;
                if (type is null)
                {
                    throw new InvalidDataException($"study.json: experiments[{index}].type is missing.");
                }
                if (!experiment.TryGetProperty("questions", out var q) || !q.TryGetInt32(out var questions) || questions < 0)
                {
                    throw new InvalidDataException($"study.json: experiments[{index}].questions must be a non-negative integer.");
                }
                experiments.Add(new ExperimentQuota(type, questions));
                index++;
            }
        }
        var checks = new List<AttentionCheck>();
        if (root.TryGetProperty("attention_checks", out var checkList) && checkList.ValueKind == JsonValueKind.Array)
        {
            var index = 0;
            foreach (var check in checkList.EnumerateArray())
            {
                if (!check.TryGetProperty("after", out var a) || !a.TryGetInt32(out var after) || after < 0)
                {
                    throw new InvalidDataException($"study.json: attention_checks[{index}].after must be a non-negative integer.");
                }
                var prompt = check.TryGetProperty("prompt", out var p) ? p.GetString() : null;
                var answer = check.TryGetProperty("answer", out var r) ? r.GetString() : null;
                if (string.IsNullOrWhiteSpace(prompt) || string.IsNullOrWhiteSpace(answer))
                {
                    throw new InvalidDataException($"study.json: attention_checks[{index}] needs a prompt and an answer.");
                }
                var options = new List<string>();
                if (check.TryGetProperty("options", out var o) && o.ValueKind == JsonValueKind.Array)
                {
                    options.AddRange(o.EnumerateArray().Select(x => x.GetString() ?? "").Where(x => x.Length > 0));
                }
                if (options.Count == 0)
                {
                    options.AddRange(DefaultAttentionOptions);
                }
                if (!options.Contains(answer, StringComparer.Ordinal))
                {
                    options.Add(answer);
                }
                checks.Add(new AttentionCheck(after, prompt, answer, options));
                index++;
            }
        }
        return new StudyDefinition(experiments, checks);
    }
}
