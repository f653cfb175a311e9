namespace SquadStudy.Data.Entities;

public static class StudyStatus
{
    public const string Draft = "draft";
    public const string Precomputing = "precomputing";
    public const string Ready = "ready";
    public const string Open = "open";
    public const string Closed = "closed";
}

/// <summary>A study imported from a study pack (docs/study-pack.md).</summary>
public sealed class Study
{
    public long Id { get; set; }
    public required string Slug { get; set; }
    public required string Title { get; set; }
    public string Status { get; set; } = StudyStatus.Draft;
    /// <summary>
    /// The pack's study.json as imported, kept verbatim for reproducibility; read it back typed
    /// with <see cref="StudyDefinition.Parse"/>.
    /// </summary>
    public required string DefinitionJson { get; set; }
    public required string ConsentMarkdown { get; set; }
    public string? InstructionsMarkdown { get; set; }
    public required string CompletionCode { get; set; }
    /// <summary><c>prolific</c>, <c>mturk</c>, an https URL, or null to show the code only.</summary>
    public string? Redirect { get; set; }
    public int AbandonAfterMinutes { get; set; } = 90;
    /// <summary>Where the imported pack lives in the data directory.</summary>
    public required string PackDirectory { get; set; }
    public DateTime CreatedUtc { get; set; }
    public DateTime? OpenedUtc { get; set; }
    public DateTime? ClosedUtc { get; set; }
    /// <summary>Declines are counted and nothing else is kept about the person who declined.</summary>
    public int DeclineCount { get; set; }
    /// <summary>Withdrawn participants' rows are deleted; only this count remains.</summary>
    public int WithdrawalCount { get; set; }

    public List<StudyModel> Models { get; set; } = [];
    public List<StudyImage> Images { get; set; } = [];
    /// <summary>The class names (labels.txt), by index.</summary>
    public List<StudyClass> Classes { get; set; } = [];
    /// <summary>Consent and instructions in other languages than the study's own.</summary>
    public List<StudyText> Texts { get; set; } = [];
    /// <summary>The definition and analysis settings frozen when the study first opened; null before.</summary>
    public StudyRegistration? Registration { get; set; }
    /// <summary>Changes to the definition after opening.</summary>
    public List<StudyChange> Changes { get; set; } = [];
}
