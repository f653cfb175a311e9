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
