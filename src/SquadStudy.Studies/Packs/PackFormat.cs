using System.Text.Json;
using System.Text.Json.Serialization;

namespace SquadStudy.Studies;

/// <summary>A model's metadata, <c>models/&lt;id&gt;.json</c> (docs/study-pack.md).</summary>
public sealed record ModelMetadata
{
    public string? Name { get; init; }
    public ModelInputSize? Input { get; init; }
    public float[]? Mean { get; init; }
    public float[]? Std { get; init; }
    public string? TargetLayer { get; init; }
    public RecordedAccuracy? Accuracy { get; init; }
    public string? Description { get; init; }
}

public sealed record ModelInputSize(int Width, int Height);

public sealed record RecordedAccuracy(double Top1, int? N, string? Split);

/// <summary>The study's design, <c>study.json</c> (docs/study-pack.md).</summary>
public sealed record StudyDefinition
{
    public string Slug { get; init; } = "";
    public string Title { get; init; } = "";
    public string Consent { get; init; } = "";
    public string? Instructions { get; init; }
    public IReadOnlyList<string> Models { get; init; } = [];
    public IReadOnlyList<ExperimentDefinition> Experiments { get; init; } = [];
    public IReadOnlyList<AttentionCheckDefinition> AttentionChecks { get; init; } = [];
    public CompletionDefinition? Completion { get; init; }
    public int AbandonAfterMinutes { get; init; } = 90;
    public ExclusionDefinition? Exclusions { get; init; }
    /// <summary>Seed of the deterministic choices made when stimuli are generated (distractor classes).</summary>
    public int Seed { get; init; }
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

public sealed record AttentionCheckDefinition(int After, string Prompt, string Answer);

public sealed record CompletionDefinition(string Code, string? Redirect);

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
