namespace SquadStudy.Data.Entities;

/// <summary>
/// The consent and instructions of a study in one more language (the pack's <c>consent.de.md</c>
/// beside <c>consent.md</c>); null where the pack has no such file, and the participant then reads
/// the study's own text (<see cref="Study.ConsentMarkdown"/>, in <see cref="StudyDefinition.Language"/>).
/// </summary>
public sealed class StudyText
{
    public long StudyId { get; set; }
    /// <summary>A language tag, e.g. <c>de</c>.</summary>
    public required string Language { get; set; }
    public string? ConsentMarkdown { get; set; }
    public string? InstructionsMarkdown { get; set; }
}

/// <summary>
/// The preregistration of a study: when it first opened, its definition and analysis settings were
/// frozen as canonical JSON (<see cref="CanonicalJson"/>) and hashed (<see cref="Sha256"/>, SHA-256
/// of its UTF-8 bytes, lower-case hex). Later changes are <see cref="StudyChange"/> rows.
/// </summary>
public sealed class StudyRegistration
{
    public long StudyId { get; set; }
    public DateTime RegisteredUtc { get; set; }
    public required string CanonicalJson { get; set; }
    public required string Sha256 { get; set; }
}

/// <summary>
/// A change to a study's definition or analysis settings made after it opened, when its
/// preregistration was frozen (<see cref="StudyRegistration"/>): the preregistration trail
/// on the dashboard and in results.json.
/// </summary>
public sealed class StudyChange
{
    public long Id { get; set; }
    public long StudyId { get; set; }
    public DateTime ChangedUtc { get; set; }
    /// <summary>The researcher's e-mail address, or the command that made it.</summary>
    public required string ChangedBy { get; set; }
    /// <summary>What changed, field by field (<c>exclusions.min_median_response_ms: 800 → 1000</c>).</summary>
    public required string Description { get; set; }
    /// <summary>The SHA-256 of the canonical definition after this change.</summary>
    public required string Sha256 { get; set; }
}
