using System.Text.Json;
using System.Text.Json.Serialization;

namespace SquadStudy.Data.Entities;

/// <summary>
/// The study's design, <c>study.json</c> (docs/study-pack.md): the one typed form of it. The pack
/// reads the file (with line-numbered problems) at import; the study keeps it verbatim as
/// <see cref="Study.DefinitionJson"/> and everything after import reads it back with <see cref="Parse"/>.
/// It lives in the data layer because it is the typed value of a stored column, which the
/// participant side, the reports and the precompute worker all read.
/// </summary>
public sealed record StudyDefinition
{
    public string Slug { get; init; } = "";
    public string Title { get; init; } = "";
    public string Consent { get; init; } = "";
    public string? Instructions { get; init; }
    /// <summary>The language of the consent and instructions files (a tag such as <c>en</c> or <c>de</c>); the same files in another language are <c>consent.de.md</c> beside <c>consent.md</c>.</summary>
    public string Language { get; init; } = "en";
    public IReadOnlyList<string> Models { get; init; } = [];
    public IReadOnlyList<ExperimentDefinition> Experiments { get; init; } = [];
    public IReadOnlyList<AttentionCheckDefinition> AttentionChecks { get; init; } = [];
    public CompletionDefinition? Completion { get; init; }
    public int AbandonAfterMinutes { get; init; } = 90;
    public ExclusionDefinition? Exclusions { get; init; }
    /// <summary>Seed of the deterministic choices made when stimuli are generated (distractor classes).</summary>
    public int Seed { get; init; }

    /// <summary>
    /// Reads a stored definition. The pack validated it in full at import; this still refuses what
    /// would make a participant's plan wrong (an experiment without a type, a negative quota, an
    /// attention check without prompt or answer), naming the field at fault.
    /// </summary>
    public static StudyDefinition Parse(string json)
    {
        StudyDefinition? definition;
        try
        {
            definition = JsonSerializer.Deserialize<StudyDefinition>(json, PackJson.Options);
        }
        catch (JsonException exception)
        {
            throw new InvalidDataException($"study.json is not valid: {exception.Message}", exception);
        }
        if (definition is null)
        {
            throw new InvalidDataException("study.json is JSON null, not an object.");
        }
        for (var i = 0; i < definition.Experiments.Count; i++)
        {
            var experiment = definition.Experiments[i];
            if (string.IsNullOrEmpty(experiment.Type))
            {
                throw new InvalidDataException($"study.json: experiments[{i}].type is missing.");
            }
            if (experiment.Questions < 0)
            {
                throw new InvalidDataException($"study.json: experiments[{i}].questions must be a non-negative integer.");
            }
        }
        for (var i = 0; i < definition.AttentionChecks.Count; i++)
        {
            var check = definition.AttentionChecks[i];
            if (check.After < 0)
            {
                throw new InvalidDataException($"study.json: attention_checks[{i}].after must be a non-negative integer.");
            }
            if (string.IsNullOrWhiteSpace(check.Prompt) || string.IsNullOrWhiteSpace(check.Answer))
            {
                throw new InvalidDataException($"study.json: attention_checks[{i}] needs a prompt and an answer.");
            }
        }
        return definition;
    }

    /// <summary>The exclusion rules; absent rules do not apply.</summary>
    [JsonIgnore]
    public ExclusionDefinition Rules => Exclusions ?? new ExclusionDefinition(null, false);
}

public sealed record ExperimentDefinition
{
    public string Type { get; init; } = "";
    public IReadOnlyList<string> Models { get; init; } = [];
    public IReadOnlyList<string> Methods { get; init; } = [];
    public int Questions { get; init; }
    public bool RequireCorrect { get; init; }
    /// <summary>Optional stems; null = every image that qualifies.</summary>
    public IReadOnlyList<string>? Images { get; init; }
}

/// <summary>An instructed-response attention check (study.json <c>attention_checks[]</c>).</summary>
public sealed record AttentionCheckDefinition(int After, string Prompt, string Answer)
{
    /// <summary>Options shown with a check that lists none; the answer is always among them.</summary>
    public static IReadOnlyList<string> DefaultOptions { get; } = ["Agree", "Disagree", "Neither", "Not sure"];

    /// <summary>The options study.json lists (<c>options</c>), if any.</summary>
    [JsonPropertyName("options")]
    public IReadOnlyList<string>? ListedOptions { get; init; }

    /// <summary>The options shown: those listed (else <see cref="DefaultOptions"/>), with the answer added when missing.</summary>
    [JsonIgnore]
    public IReadOnlyList<string> Options
    {
        get
        {
            var options = ListedOptions?.Where(o => !string.IsNullOrEmpty(o)).ToList() ?? [];
            if (options.Count == 0)
            {
                options.AddRange(DefaultOptions);
            }
            if (!options.Contains(Answer, StringComparer.Ordinal))
            {
                options.Add(Answer);
            }
            return options;
        }
    }
}

public sealed record CompletionDefinition(string Code, string? Redirect);

/// <summary>The exclusion rules of study.json (<c>exclusions</c>).</summary>
public sealed record ExclusionDefinition(int? MinMedianResponseMs, bool FailAttention);

/// <summary>The JSON conventions of pack files: snake_case names, comments and trailing commas tolerated.</summary>
public static class PackJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
